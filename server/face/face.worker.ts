// A face-inference worker thread of the pool (server/face/pool.ts): loads tfjs (wasm) and the face models once, with
// the same code as the main thread (server/face/inference.ts), then answers extraction requests one at a time, with
// the detector each request names (SSD for whole photos, TinyFaceDetector for evidence crops).
// Started from the bundle as dist/server/face-worker.js, and from the TypeScript sources through face-worker.dev.mjs.
import { parentPort, threadId } from 'node:worker_threads'
import { extractFacesWith, FaceImageError, loadFaceModels } from './inference'
import type { FaceWorkerReply, FaceWorkerRequest } from './pool'

const port = parentPort
if (!port) throw new Error('face.worker.ts runs as a worker thread of server/face/pool.ts')

port.on('message', (request: FaceWorkerRequest) => {
  void handle(request).then((reply) => port.postMessage(reply))
})

async function handle(request: FaceWorkerRequest): Promise<FaceWorkerReply> {
  const started = performance.now()
  try {
    switch (request.kind) {
      case 'extract': {
        const result = await extractFacesWith(request.image, request.detector, 'current', request.options)
        return { id: request.id, ok: true, kind: 'extract', result, threadId, ms: performance.now() - started }
      }
      case 'crash':
        // Test hook (pool.crashOneWorkerForTests): the thread dies with its request in flight.
        process.exit(70)
    }
  } catch (err) {
    const invalid = err instanceof FaceImageError
    return {
      id: request.id,
      ok: false,
      error: { code: invalid ? 'invalid_image' : 'inference_failed', message: err instanceof Error ? err.message : String(err) },
      threadId,
      ms: performance.now() - started,
    }
  }
}

// Models load at start (a worker is only started when there is work for it), then the thread says so.
const loading = performance.now()
loadFaceModels().then(
  (info) => port.postMessage({ id: 0, ok: true, kind: 'ready', info, threadId, ms: performance.now() - loading } satisfies FaceWorkerReply),
  (err: unknown) =>
    port.postMessage({
      id: 0,
      ok: false,
      error: { code: 'inference_failed', message: `the face models failed to load: ${err instanceof Error ? err.message : String(err)}` },
      threadId,
      ms: performance.now() - loading,
    } satisfies FaceWorkerReply),
)
