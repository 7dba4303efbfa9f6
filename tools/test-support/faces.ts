import fs from 'node:fs'
import path from 'node:path'
import { decodeDescriptor, descriptorToBytes, encodeDescriptor } from '../../shared/face/descriptor'
import { FACE_MODEL } from '../../shared/face/model'
import { memberFaceData } from '../../server/db/schema'
import type { TestApp } from './harness'

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

/**
 * Stores templates of fixture photos (`people/...` paths) for a member straight into the database, as a verified
 * registration would, and refreshes the organization's face index.
 */
export async function enrolTemplates(t: TestApp, organizationId: number, memberId: number, photos: readonly string[]): Promise<void> {
  for (const photo of photos) {
    const descriptor = decodeDescriptor(await faceEncoding(`people/${photo}`))
    await t.db.insert(memberFaceData).values({ organizationId, organizationMemberId: memberId, model: FACE_MODEL.id, faceEncoding: Buffer.from(descriptorToBytes(descriptor)), faceVerified: true })
  }
  t.deps.faceIndex.invalidate(organizationId)
}
