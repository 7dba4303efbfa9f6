// Loading face-api in the browser: an environment for it in a worker, the backend (WASM, or WebGL where a real GPU wins
// a short self-test), and the detector's and landmarks' weights downloaded with byte progress. What runs on the frames
// once it is loaded is ./pipeline.ts.
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.esm.js'
import { isSoftwareRenderer, pickBackend } from './backend'
import type { EngineInfo, FaceBackend, LoadProgress } from './protocol'

export type FaceApiModule = typeof FaceApi

/** The parts of tfjs that face-api's bundle carries but its type declarations leave out. */
export interface TfRuntime {
  setBackend: (name: string) => Promise<boolean>
  ready: () => Promise<void>
  getBackend: () => string
  setWasmPaths: (prefix: string) => void
  enableProdMode: () => void
  browser: { fromPixels: (pixels: ImageData) => FaceApi.tf.Tensor3D }
  zeros: (shape: number[], dtype?: string) => FaceApi.tf.Tensor3D
  tensor3d: (values: Int32Array, shape: [number, number, number], dtype: 'int32') => FaceApi.tf.Tensor3D
  slice: (x: FaceApi.tf.Tensor3D, begin: number[], size: number[]) => FaceApi.tf.Tensor3D
  io: { decodeWeights: (buffer: ArrayBuffer, specs: unknown[]) => FaceApi.tf.NamedTensorMap }
}

/** TinyFaceDetector input: a multiple of 32. 320 finds a selfie or a kiosk face in a 640x480 frame in ~30 ms (WASM). */
export const DETECTOR_INPUT_SIZE = 320
/** Boxes under this score are dropped by the detector; the quality gates count from 0.3 too. */
export const DETECTOR_MIN_SCORE = 0.3

const MODELS = [
  { net: 'tinyFaceDetector', file: 'tiny_face_detector_model' },
  { net: 'faceLandmark68Net', file: 'face_landmark_68_model' },
] as const

interface WeightSpec {
  shape: number[]
  dtype: string
  quantization?: { dtype: string }
}

interface WeightsGroup {
  paths: string[]
  weights: WeightSpec[]
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint16: 2, float16: 2, uint8: 1, bool: 1 }

/** Bytes of the weight shards a manifest describes, known before downloading them (for the progress bar). */
export function manifestBytes(groups: readonly WeightsGroup[]): number {
  let total = 0
  for (const group of groups) {
    for (const w of group.weights) {
      const elements = w.shape.reduce((n, d) => n * d, 1)
      total += elements * (DTYPE_BYTES[w.quantization?.dtype ?? w.dtype] ?? 4)
    }
  }
  return total
}

/**
 * face-api finds its environment (canvas, fetch) by looking for a DOM; a worker has none, so give it one made of
 * OffscreenCanvas. Inputs are always tensors here, so the image and video stand-ins are never used.
 */
function ensureEnvironment(faceapi: FaceApiModule): void {
  if (faceapi.env.isBrowser() || faceapi.env.isNodejs()) return
  class NoElement {
    constructor() {
      throw new Error('no DOM elements in a worker')
    }
  }
  const environment = {
    Canvas: OffscreenCanvas,
    CanvasRenderingContext2D: OffscreenCanvasRenderingContext2D,
    Image: NoElement,
    ImageData,
    Video: NoElement,
    createCanvasElement: () => new OffscreenCanvas(1, 1),
    createImageElement: () => new NoElement(),
    createVideoElement: () => new NoElement(),
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
    readFile: () => Promise.reject(new Error('no file system in a browser')),
  }
  faceapi.env.setEnv(environment as unknown as Parameters<FaceApiModule['env']['setEnv']>[0])
}

/** The WebGL renderer string, or null when there is no WebGL at all. */
function probeRenderer(): string | null {
  try {
    const canvas = new OffscreenCanvas(1, 1)
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null
    if (!gl) return null
    const debug = gl.getExtension('WEBGL_debug_renderer_info')
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '')
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return renderer
  } catch {
    return null
  }
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url, { credentials: 'same-origin' })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return response
}

/** Reads a response body, reporting bytes as they arrive. */
async function readBytes(response: Response, onBytes: (n: number) => void): Promise<Uint8Array> {
  if (!response.body) {
    const buffer = new Uint8Array(await response.arrayBuffer())
    onBytes(buffer.byteLength)
    return buffer
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    length += value.byteLength
    onBytes(value.byteLength)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Downloads the three models' weights in parallel (byte progress) and loads them into face-api's nets. */
async function loadModels(faceapi: FaceApiModule, tf: TfRuntime, modelUrl: string, onFraction: (f: number) => void): Promise<void> {
  const manifests = await Promise.all(
    MODELS.map(async (m) => (await (await fetchOk(`${modelUrl}${m.file}-weights_manifest.json`)).json()) as WeightsGroup[]),
  )
  const total = manifests.reduce((sum, groups) => sum + manifestBytes(groups), 0)
  let loaded = 0
  const onBytes = (n: number) => {
    loaded += n
    if (total > 0) onFraction(Math.min(1, loaded / total))
  }
  const bodies = await Promise.all(
    manifests.map((groups) => Promise.all(groups.flatMap((g) => g.paths).map(async (p) => readBytes(await fetchOk(modelUrl + p), onBytes)))),
  )
  MODELS.forEach((model, i) => {
    const groups = manifests[i] as WeightsGroup[]
    let shard = 0
    const weightMap: FaceApi.tf.NamedTensorMap = {}
    for (const group of groups) {
      const parts = group.paths.map(() => (bodies[i] as Uint8Array[])[shard++] as Uint8Array)
      const buffer = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
      let offset = 0
      for (const part of parts) {
        buffer.set(part, offset)
        offset += part.byteLength
      }
      Object.assign(weightMap, tf.io.decodeWeights(buffer.buffer, group.weights))
    }
    faceapi.nets[model.net].loadFromWeightMap(weightMap)
  })
  onFraction(1)
}

async function timeDetector(faceapi: FaceApiModule, tf: TfRuntime): Promise<number> {
  const input = tf.zeros([240, 320, 3], 'int32')
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: DETECTOR_MIN_SCORE })
  try {
    await faceapi.detectAllFaces(input, options) // warm-up: shader compilation, wasm memory
    const started = performance.now()
    await faceapi.detectAllFaces(input, options)
    return performance.now() - started
  } finally {
    input.dispose()
  }
}

async function useBackend(tf: TfRuntime, backend: FaceBackend): Promise<boolean> {
  try {
    if (!(await tf.setBackend(backend))) return false
    await tf.ready()
    return tf.getBackend() === backend
  } catch {
    return false
  }
}

/**
 * Loads face-api on the best backend. With a remembered choice, that backend is used directly; otherwise the
 * self-test: WASM first (works everywhere), then, when WebGL runs on a real GPU, both are timed on the detector and
 * the faster one is kept. A software WebGL (SwiftShader on a CPU-only machine) is not even tried.
 */
export async function loadFaceApi(
  faceapi: FaceApiModule,
  options: { baseUrl: string; preferred: FaceBackend | null; onProgress?: (p: LoadProgress) => void },
): Promise<{ tf: TfRuntime; info: Omit<EngineInfo, 'worker'> }> {
  const started = performance.now()
  const report = options.onProgress ?? (() => {})
  const tf = faceapi.tf as unknown as TfRuntime
  ensureEnvironment(faceapi)
  tf.enableProdMode()
  tf.setWasmPaths(`${options.baseUrl}wasm/`)

  report({ stage: 'backend', fraction: 0 })
  const renderer = options.preferred === 'wasm' ? null : probeRenderer()
  const wantWebgl = options.preferred === 'webgl' || (options.preferred === null && !isSoftwareRenderer(renderer))
  let backend: FaceBackend = 'wasm'
  if (!(await useBackend(tf, 'wasm'))) {
    if (!(await useBackend(tf, 'webgl'))) throw new Error('neither the WASM nor the WebGL backend could start')
    backend = 'webgl'
  }
  report({ stage: 'models', fraction: 0.05 })
  await loadModels(faceapi, tf, `${options.baseUrl}models/`, (f) => report({ stage: 'models', fraction: 0.05 + 0.85 * f }))

  report({ stage: 'warmup', fraction: 0.9 })
  if (backend === 'wasm' && wantWebgl) {
    if (options.preferred === 'webgl') {
      if (await useBackend(tf, 'webgl')) backend = 'webgl'
    } else {
      const wasm = await timeDetector(faceapi, tf)
      const webgl = (await useBackend(tf, 'webgl')) ? await timeDetector(faceapi, tf) : Number.POSITIVE_INFINITY
      backend = pickBackend({ wasm, webgl })
      if (backend === 'wasm') await useBackend(tf, 'wasm')
    }
  }
  await timeDetector(faceapi, tf) // warm the chosen backend so the first camera frame is not slow
  report({ stage: 'ready', fraction: 1 })

  return { tf, info: { backend, renderer, loadMs: Math.round(performance.now() - started) } }
}
