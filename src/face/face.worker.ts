/// <reference lib="webworker" />
// The face worker: face-api and tfjs live here, off the page's thread, so the camera preview never stutters.
// One request at a time: the engine sends the next frame only when the previous answer is back.
// The same script is the page's fallback where a module worker cannot start (src/face/engine.ts startInline): loaded
// as a module on the page, it answers no messages and publishes face-api, the pipeline and the recognizer on the
// page's global object instead (INLINE_GLOBAL), so the build holds one copy of face-api, not two (issue 16). Vite
// builds a worker in a build of its own, which the page's chunks cannot share, and drops a worker entry's exports.
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js'
import { createPipeline, type FacePipeline } from './pipeline'
import { loadRecognizer } from './recognizer'
import { INLINE_GLOBAL, type InlineFaceRuntime, type WorkerRequest, type WorkerResponse } from './protocol'

declare const self: DedicatedWorkerGlobalScope

let pipeline: Promise<FacePipeline> | null = null
let baseUrl = ''

function reply(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer)
}

function answer(event: MessageEvent<WorkerRequest>): void {
  const request = event.data
  void (async () => {
    try {
      if (request.type === 'init') {
        baseUrl = request.baseUrl
        pipeline ??= createPipeline(faceapi, {
          baseUrl: request.baseUrl,
          preferred: request.preferred,
          onProgress: (progress) => reply({ id: request.id, type: 'progress', progress }),
        })
        const ready = await pipeline
        reply({ id: request.id, type: 'ready', info: ready.info })
        return
      }
      if (!pipeline) throw new Error('the face engine is not initialised')
      if (request.type === 'recognizer') {
        await loadRecognizer(baseUrl)
        reply({ id: request.id, type: 'recognizer-ready' })
        return
      }
      if (request.type === 'group') {
        const result = await (await pipeline).detectGroup(request.frame, request.options, (progress) => reply({ id: request.id, type: 'group-progress', progress }))
        reply({ id: request.id, type: 'group-result', result }, result.faces.flatMap((f) => (f.descriptor ? [f.descriptor.buffer] : [])))
        return
      }
      const result = await (await pipeline).detect(request.frame, request.options)
      reply({ id: request.id, type: 'result', result }, result.descriptor ? [result.descriptor.buffer] : [])
    } catch (error) {
      if (request.type === 'init') pipeline = null
      if (request.type === 'detect' || request.type === 'group') request.frame.close()
      reply({ id: request.id, type: 'error', message: error instanceof Error ? error.message : String(error) })
    }
  })()
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.addEventListener('message', answer)
} else {
  const runtime: InlineFaceRuntime = { faceapi, createPipeline, loadRecognizer }
  Object.assign(globalThis, { [INLINE_GLOBAL]: runtime })
}
