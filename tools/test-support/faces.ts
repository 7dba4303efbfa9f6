import fs from 'node:fs'
import path from 'node:path'
import { decodeDescriptor, descriptorToBytes, encodeDescriptor } from '../../shared/face/descriptor'
import { FACE_MODEL } from '../../shared/face/model'
import { memberFaceData } from '../../server/db/schema'
import { cacheFile, readCacheJson, REPO_ROOT, sha256, sourceKey, writeCacheFile } from './disk-cache'
import type { TestApp } from './harness'

/** The shared face fixtures (real photos with known identities), or a clear failure when the folder is missing. */
export const FACES_DIR = path.resolve(process.cwd(), '..', 'shared', 'faces')

export function facePhoto(rel: string): Buffer {
  const file = path.join(FACES_DIR, rel)
  if (!fs.existsSync(file)) throw new Error(`Face fixture missing: ${file}. The tests need ../shared/faces beside the repository.`)
  return fs.readFileSync(file)
}

const cache = new Map<string, string>()

/**
 * What a fixture's descriptor depends on besides the photo: the server's face pipeline (every non-test source file of
 * server/face and shared/face, the model's id and checksum among them) and the packages it runs on.
 */
export function pipelineKey(): string {
  const files = ['server/face', 'shared/face'].flatMap((dir) =>
    fs
      .readdirSync(path.join(REPO_ROOT, dir))
      .filter((f) => /\.(ts|mjs)$/.test(f) && !/\.test\.ts$/.test(f))
      .sort()
      .map((f) => `${dir}/${f}`),
  )
  return sourceKey(files, ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node', 'sharp'])
}

/**
 * The base64 descriptor of the single face in a fixture photo, extracted with the server's own pipeline. Cached on
 * disk (tools/test-support/disk-cache.ts) keyed by the photo's bytes and the pipeline: test files and runs share it.
 */
export async function faceEncoding(rel: string): Promise<string> {
  const hit = cache.get(rel)
  if (hit) return hit
  const photo = facePhoto(rel)
  const file = cacheFile('face-descriptor', sha256(pipelineKey(), photo), '.json')
  let enc = readCacheJson<{ descriptor: string }>(file)?.descriptor
  if (!enc) {
    const { describeSingleFace } = await import('../../server/face/inference')
    const result = await describeSingleFace(photo)
    if (!result.ok) throw new Error(`no single face in ${rel}: ${result.reason}`)
    enc = encodeDescriptor(result.descriptor)
    writeCacheFile(file, JSON.stringify({ photo: rel, descriptor: enc }))
  }
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
