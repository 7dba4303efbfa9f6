import fs from 'node:fs'
import path from 'node:path'
import { encodeDescriptor } from '../../shared/face/descriptor'

/** The shared face fixtures (real photos with known identities), or a clear failure when the folder is missing. */
export const FACES_DIR = path.resolve(process.cwd(), '..', 'shared', 'faces')

export function facePhoto(rel: string): Buffer {
  const file = path.join(FACES_DIR, rel)
  if (!fs.existsSync(file)) throw new Error(`Face fixture missing: ${file}. The tests need ../shared/faces beside the repository.`)
  return fs.readFileSync(file)
}

const cache = new Map<string, string>()

/** The base64 descriptor of the single face in a fixture photo, extracted with the server's own pipeline. */
export async function faceEncoding(rel: string): Promise<string> {
  const hit = cache.get(rel)
  if (hit) return hit
  const { describeSingleFace } = await import('../../server/face/inference')
  const result = await describeSingleFace(facePhoto(rel))
  if (!result.ok) throw new Error(`no single face in ${rel}: ${result.reason}`)
  const enc = encodeDescriptor(result.descriptor)
  cache.set(rel, enc)
  return enc
}

export function photoBase64(rel: string): string {
  return facePhoto(rel).toString('base64')
}
