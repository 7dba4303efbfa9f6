// The page's handle on face inference. Prefers the face worker; when a worker cannot start (an old browser, a
// blocked module worker), the same pipeline runs on the page and yields to the browser between its stages: the page
// then loads the face worker's own script as a module (it publishes its face-api and pipeline instead of answering
// messages, ./face.worker.ts), so the build holds one copy of face-api.
// Loaded once per page and kept: first the face runtime's files are downloaded with byte progress (./runtime.ts: the
// worker, the WASM build, the models; the service worker keeps them, so this is instant after the first time), then
// the detector and landmark models take a moment to prepare; the recognition model only loads where descriptors are
// wanted (the kiosk).
import { rememberBackend, rememberedBackend } from './backend'
import { downloadFaceRuntime } from './runtime'
import { type DetectOptions, type EngineInfo, type FrameResult, type GroupOptions, type GroupProgress, type GroupResult, INLINE_GLOBAL, type InlineFaceRuntime, type LoadProgress, type WorkerRequest, type WorkerResponse } from './protocol'
// The face worker's built script (one build of it: the worker runs it, and the page's fallback imports it).
import faceWorkerUrl from './face.worker.ts?worker&url'

export interface FaceEngine {
  readonly info: EngineInfo
  /** Runs one frame; the bitmap is consumed (transferred or closed). */
  detect: (frame: ImageBitmap, options?: DetectOptions) => Promise<FrameResult>
  /**
   * Loads the recognition model (src/face/recognizer.ts) now: the kiosk calls it before its first face, so the model
   * is in the service worker's cache for offline use. Other surfaces never need it.
   */
  prepareRecognition: () => Promise<void>
  /**
   * Every face of one still photo, each with its descriptor (roll-call from one photo; src/face/group.ts). Slower than
   * a frame (seconds for a class photo): `onProgress` follows it. The bitmap is consumed.
   */
  detectGroup: (photo: ImageBitmap, options?: GroupOptions, onProgress?: (progress: GroupProgress) => void) => Promise<GroupResult>
}

type ProgressListener = (progress: LoadProgress) => void

const listeners = new Set<ProgressListener>()
let lastProgress: LoadProgress = { stage: 'backend', fraction: 0 }
let enginePromise: Promise<FaceEngine> | null = null

// Diagnostics: localStorage 'hadir.face.inline' = '1' runs inference on the page instead of the worker.
const INLINE_KEY = 'hadir.face.inline'

function emit(progress: LoadProgress): void {
  lastProgress = progress
  for (const listener of listeners) listener(progress)
}

function baseUrl(): string {
  return new URL(import.meta.env.BASE_URL, location.href).href
}

/** Loads the engine (once) and reports the loading progress to `onProgress` until it is ready. */
export function loadFaceEngine(onProgress?: ProgressListener): Promise<FaceEngine> {
  if (onProgress) {
    listeners.add(onProgress)
    onProgress(lastProgress)
  }
  if (!enginePromise) {
    enginePromise = start().catch((error: unknown) => {
      enginePromise = null
      throw error
    })
  }
  const done = () => {
    if (onProgress) listeners.delete(onProgress)
  }
  enginePromise.then(done, done)
  return enginePromise
}

/** Share of the loading bar the download takes when bytes had to come over the network. */
const DOWNLOAD_SHARE = 0.6

async function start(): Promise<FaceEngine> {
  let share = 0
  try {
    await downloadFaceRuntime({
      recognition: false,
      baseUrl: baseUrl(),
      onProgress: (bytes) => {
        if (bytes.total === 0) return // everything is already on the device
        share = DOWNLOAD_SHARE
        emit({ stage: 'download', fraction: (DOWNLOAD_SHARE * bytes.loaded) / bytes.total, bytes })
      },
    })
  } catch (error) {
    // Offline before the files were ever kept, or a failed file: the engine's own loading says what is missing.
    console.warn('Face runtime download did not finish:', error)
  }
  const emitAfterDownload = share === 0 ? emit : (p: LoadProgress) => emit({ ...p, fraction: share + (1 - share) * p.fraction })
  return startEngine(emitAfterDownload)
}

async function startEngine(report: (progress: LoadProgress) => void): Promise<FaceEngine> {
  let forceInline = false
  try {
    forceInline = localStorage.getItem(INLINE_KEY) === '1'
  } catch {
    // no storage: use the worker
  }
  if (!forceInline && typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined') {
    try {
      return await startWorker(report)
    } catch (error) {
      console.warn('Face worker unavailable, running face inference on the page:', error)
    }
  }
  return startInline(report)
}

function startWorker(report: (progress: LoadProgress) => void): Promise<FaceEngine> {
  const worker = new Worker(faceWorkerUrl, { type: 'module', name: 'hadir-face' })
  const pending = new Map<number, { resolve: (r: FrameResult) => void; reject: (e: Error) => void }>()
  const preparing = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  const groups = new Map<number, { resolve: (r: GroupResult) => void; reject: (e: Error) => void; progress?: (p: GroupProgress) => void }>()
  let nextId = 1

  return new Promise<FaceEngine>((resolve, reject) => {
    const initId = nextId++
    const fail = (error: Error) => {
      for (const p of pending.values()) p.reject(error)
      for (const p of preparing.values()) p.reject(error)
      for (const p of groups.values()) p.reject(error)
      pending.clear()
      preparing.clear()
      groups.clear()
      reject(error)
    }
    worker.addEventListener('error', (event) => {
      worker.terminate()
      fail(new Error(event.message || 'the face worker failed to load'))
    })
    worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
      const message = event.data
      if (message.id === initId) {
        if (message.type === 'progress') report(message.progress)
        else if (message.type === 'error') {
          worker.terminate()
          fail(new Error(message.message))
        } else if (message.type === 'ready') {
          const info: EngineInfo = { ...message.info, worker: true }
          rememberBackend(info.backend)
          resolve({
            info,
            detect(frame, options = {}) {
              const id = nextId++
              return new Promise<FrameResult>((resolveFrame, rejectFrame) => {
                pending.set(id, { resolve: resolveFrame, reject: rejectFrame })
                const request: WorkerRequest = { id, type: 'detect', frame, options }
                worker.postMessage(request, [frame])
              })
            },
            prepareRecognition() {
              const id = nextId++
              return new Promise<void>((resolvePrepared, rejectPrepared) => {
                preparing.set(id, { resolve: resolvePrepared, reject: rejectPrepared })
                const request: WorkerRequest = { id, type: 'recognizer' }
                worker.postMessage(request)
              })
            },
            detectGroup(photo, options = {}, onProgress) {
              const id = nextId++
              return new Promise<GroupResult>((resolveGroup, rejectGroup) => {
                groups.set(id, { resolve: resolveGroup, reject: rejectGroup, progress: onProgress })
                const request: WorkerRequest = { id, type: 'group', frame: photo, options }
                worker.postMessage(request, [photo])
              })
            },
          })
        }
        return
      }
      const prepared = preparing.get(message.id)
      if (prepared) {
        preparing.delete(message.id)
        if (message.type === 'recognizer-ready') prepared.resolve()
        else if (message.type === 'error') prepared.reject(new Error(message.message))
        return
      }
      const group = groups.get(message.id)
      if (group) {
        if (message.type === 'group-progress') group.progress?.(message.progress)
        else {
          groups.delete(message.id)
          if (message.type === 'group-result') group.resolve(message.result)
          else if (message.type === 'error') group.reject(new Error(message.message))
        }
        return
      }
      const waiter = pending.get(message.id)
      if (!waiter) return
      pending.delete(message.id)
      if (message.type === 'result') waiter.resolve(message.result)
      else if (message.type === 'error') waiter.reject(new Error(message.message))
    })
    const init: WorkerRequest = { id: initId, type: 'init', baseUrl: baseUrl(), preferred: rememberedBackend() }
    worker.postMessage(init)
  })
}

/** Lets the browser draw a frame and handle input before the next inference stage. */
function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
}

/** The face worker's script run on the page: what it publishes there (./face.worker.ts). */
async function inlineRuntime(): Promise<InlineFaceRuntime> {
  await import(/* @vite-ignore */ faceWorkerUrl)
  const runtime = (globalThis as Record<string, unknown>)[INLINE_GLOBAL] as InlineFaceRuntime | undefined
  if (!runtime) throw new Error('the face runtime did not load on the page')
  return runtime
}

async function startInline(report: (progress: LoadProgress) => void): Promise<FaceEngine> {
  const { createPipeline, faceapi, loadRecognizer } = await inlineRuntime()
  const pipeline = await createPipeline(faceapi, { baseUrl: baseUrl(), preferred: rememberedBackend(), onProgress: report })
  rememberBackend(pipeline.info.backend)
  return {
    info: { ...pipeline.info, worker: false },
    detect: (frame, options = {}) => pipeline.detect(frame, options, yieldToBrowser),
    prepareRecognition: () => loadRecognizer(baseUrl()),
    detectGroup: (photo, options = {}, onProgress) => pipeline.detectGroup(photo, options, onProgress, yieldToBrowser),
  }
}
