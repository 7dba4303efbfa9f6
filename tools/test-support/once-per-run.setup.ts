// Setup of the API test projects (vitest.config.ts): the two pure, slow computations the API tests repeat thousands
// of times are done once per input, with the product's own code and parameters, then reused: face inference once per
// checkout until the face pipeline changes (on disk), scrypt once per vitest worker (in memory).
//
// - Face inference (server/face/pool.ts FacePool.extractTraced): the same photos and evidence frames are analysed by
//   many test files, on PostgreSQL and again on PGlite. The worker's answer for an image depends only on the image's
//   bytes, the detector, the options and the face pipeline's code and models, so it is kept on disk under that key
//   (tools/test-support/disk-cache.ts): the first test to send an image runs the real inference in a real worker, the
//   others get its answer (threadId -1, ms 0) without starting a worker. Errors (not an image, a crashed worker) are
//   never kept. The pool itself (workers, queue, crashes, timeouts) is tested by server/face/*.unit.test.ts, which
//   this setup does not touch.
// - scrypt (server/auth/crypto.ts): ~100-250 ms of CPU per call at the production cost (N=2^15), ~700 calls per API
//   project. hashSecret is kept per secret for the worker (the same salt for one secret in every file it runs: no test
//   compares two users' hashes), verifySecret per (secret, stored hash): the same answers scrypt gives, computed once.
//   server/auth/crypto.unit.test.ts tests the real functions (random salts, wrong secrets) without this setup.
//
// HADIR_TEST_ONCE=0 turns both off (every call computed, as before).
import { vi } from 'vitest'
import { decodeDescriptor, encodeDescriptor } from '../../shared/face/descriptor'
import { FacePool, type FaceExtraction } from '../../server/face/pool'
import type { ExtractedFace, ExtractionResult } from '../../server/face/inference'
import { cacheFile, readCacheJson, sha256, writeCacheFile } from './disk-cache'
import { pipelineKey } from './faces'

/** An extraction as JSON: each descriptor in the project's own base64 form (exact float32 values). */
type StoredExtraction = Omit<ExtractionResult, 'faces'> & { faces: (Omit<ExtractedFace, 'descriptor'> & { descriptor: string })[] }

// Test files share a worker's modules (vitest.config.ts isolate: false) and this file runs before each of them: the
// prototype is patched once per worker, not wrapped again by every file.
const PATCHED = Symbol.for('hadir.test.faceExtractionCache')
const patchable = FacePool.prototype as FacePool & { [PATCHED]?: true }

if (process.env.HADIR_TEST_ONCE !== '0' && !patchable[PATCHED]) {
  patchable[PATCHED] = true
  const extractTraced = FacePool.prototype.extractTraced
  FacePool.prototype.extractTraced = async function (this: FacePool, image, detector = 'ssd', options) {
    if (!(image instanceof Uint8Array)) return extractTraced.call(this, image, detector, options)
    const file = cacheFile('face-extraction', sha256(pipelineKey(), JSON.stringify({ detector, options: options ?? null }), image), '.json')
    const hit = readCacheJson<StoredExtraction>(file)
    if (hit) {
      const result = { ...hit, faces: hit.faces.map((f) => ({ ...f, descriptor: decodeDescriptor(f.descriptor) })) }
      return { result, threadId: -1, ms: 0 } satisfies FaceExtraction
    }
    const traced = await extractTraced.call(this, image, detector, options)
    let stored: StoredExtraction | null = null
    try {
      stored = { ...traced.result, faces: traced.result.faces.map((f) => ({ ...f, descriptor: encodeDescriptor(f.descriptor) })) }
    } catch {
      /* a descriptor the project's encoding refuses: answered as computed, never kept */
    }
    if (stored) writeCacheFile(file, JSON.stringify(stored))
    return traced
  }
}

// Hoisted by vitest above the imports; it cannot read this file's variables, hence its own look at the switch.
vi.mock('../../server/auth/crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/auth/crypto')>()
  if (process.env.HADIR_TEST_ONCE === '0') return real
  const hashes = new Map<string, Promise<string>>()
  const checks = new Map<string, Promise<boolean>>()
  const memo = <T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> => {
    let p = map.get(key)
    if (!p) {
      p = make()
      map.set(key, p)
      p.catch(() => map.delete(key))
    }
    return p
  }
  return {
    ...real,
    hashSecret: (secret: string) => memo(hashes, secret, () => real.hashSecret(secret)),
    verifySecret: (secret: string, stored: string | null | undefined) => memo(checks, JSON.stringify([secret, stored ?? null]), () => real.verifySecret(secret, stored)),
  }
})
