// Face inference with @vladmandic/face-api: backend choice, model loading with byte progress, and one frame's
// detection → landmarks → (optional) descriptor. Runs in the face worker, or on the page when workers fail, in which
// case `pause` yields to the browser between the stages so the preview keeps drawing.
//
// The stages: TinyFaceDetector boxes, 68 landmarks of each box's crop shifted back into the frame (face-api), and,
// when asked (the kiosk), the recognition model's descriptor of the main face, cut by the shared 5-point alignment
// (src/face/recognizer.ts, the same model and crop as the server).
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.esm.js'
import { checkFaceQuality, type FaceBox } from '@shared/face/quality'
import { isSoftwareRenderer, pickBackend } from './backend'
import { evidenceCrop, EVIDENCE_JPEG_QUALITY } from './evidence'
import { findGroupFaces, GROUP_MIN_DESCRIBED_PX } from './group'
import { describeFace } from './recognizer'
import type { DetectedFace, DetectOptions, EngineInfo, FaceBackend, FrameResult, GroupFace, GroupOptions, GroupProgress, GroupResult, LoadProgress } from './protocol'

type FaceApiModule = typeof FaceApi

/** The parts of tfjs that face-api's bundle carries but its type declarations leave out. */
interface TfRuntime {
  setBackend: (name: string) => Promise<boolean>
  ready: () => Promise<void>
  getBackend: () => string
  setWasmPaths: (prefix: string) => void
  enableProdMode: () => void
  browser: { fromPixels: (pixels: ImageData) => FaceApi.tf.Tensor3D }
  zeros: (shape: number[], dtype?: string) => FaceApi.tf.Tensor3D
  slice: (x: FaceApi.tf.Tensor3D, begin: number[], size: number[]) => FaceApi.tf.Tensor3D
  io: { decodeWeights: (buffer: ArrayBuffer, specs: unknown[]) => FaceApi.tf.NamedTensorMap }
}

/** TinyFaceDetector input: a multiple of 32. 320 finds a selfie or a kiosk face in a 640x480 frame in ~30 ms (WASM). */
const DETECTOR_INPUT_SIZE = 320
/** Boxes under this score are dropped by the detector; the quality gates count from 0.3 too. */
const DETECTOR_MIN_SCORE = 0.3
/** The reference photo's longer side, px, and JPEG quality: a registration photo well under 100 KB. */
export const PHOTO_MAX_SIDE = 480
export const PHOTO_QUALITY = 0.8

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

export type Pause = () => Promise<void>
export const noPause: Pause = () => Promise.resolve()

export interface FacePipeline {
  info: Omit<EngineInfo, 'worker'>
  detect: (frame: ImageBitmap, options: DetectOptions, pause?: Pause) => Promise<FrameResult>
  /** Every face of a still photo with its descriptor (roll-call, src/face/group.ts); the bitmap is closed. */
  detectGroup: (frame: ImageBitmap, options: GroupOptions, onProgress?: (progress: GroupProgress) => void, pause?: Pause) => Promise<GroupResult>
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
export async function createPipeline(
  faceapi: FaceApiModule,
  options: { baseUrl: string; preferred: FaceBackend | null; onProgress?: (p: LoadProgress) => void },
): Promise<FacePipeline> {
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

  const info = { backend, renderer, loadMs: Math.round(performance.now() - started) }
  const baseUrl = options.baseUrl
  return {
    info,
    detect: (frame, detectOptions, pause = noPause) => detectFrame(faceapi, tf, baseUrl, frame, detectOptions, pause),
    detectGroup: (frame, groupOptions, onProgress, pause = noPause) => detectGroupFrame(faceapi, tf, baseUrl, frame, groupOptions, onProgress ?? (() => {}), pause),
  }
}

let scratch: OffscreenCanvas | null = null

function pixelsOf(frame: ImageBitmap): ImageData {
  const { width, height } = frame
  if (!scratch) scratch = new OffscreenCanvas(width, height)
  if (scratch.width !== width || scratch.height !== height) {
    scratch.width = width
    scratch.height = height
  }
  const context = scratch.getContext('2d', { willReadFrequently: true })
  if (!context) throw new Error('no 2D canvas')
  context.drawImage(frame, 0, 0)
  return context.getImageData(0, 0, width, height)
}

/** The frame as a JPEG, longer side at most PHOTO_MAX_SIDE: the registration's reference photo. */
export async function encodePhoto(frame: ImageBitmap): Promise<Blob> {
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(frame.width, frame.height))
  const canvas = new OffscreenCanvas(Math.round(frame.width * scale), Math.round(frame.height * scale))
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2D canvas')
  context.drawImage(frame, 0, 0, canvas.width, canvas.height)
  return canvas.convertToBlob({ type: 'image/jpeg', quality: PHOTO_QUALITY })
}

/** The evidence crop around a face (src/face/evidence.ts), as JPEG, or null when the box is outside the frame. */
export async function encodeCrop(frame: ImageBitmap, box: FaceBox): Promise<Blob | null> {
  const rect = evidenceCrop(box, frame)
  if (!rect) return null
  const canvas = new OffscreenCanvas(rect.dw, rect.dh)
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2D canvas')
  context.drawImage(frame, rect.sx, rect.sy, rect.sw, rect.sh, 0, 0, rect.dw, rect.dh)
  return canvas.convertToBlob({ type: 'image/jpeg', quality: EVIDENCE_JPEG_QUALITY })
}

async function detectFrame(
  faceapi: FaceApiModule,
  tf: TfRuntime,
  baseUrl: string,
  frame: ImageBitmap,
  options: DetectOptions,
  pause: Pause,
): Promise<FrameResult> {
  const started = performance.now()
  const { width, height } = frame
  const pixels = pixelsOf(frame)
  const input = tf.browser.fromPixels(pixels)
  try {
    const detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: DETECTOR_MIN_SCORE })
    const detections = await faceapi.detectAllFaces(input, detectorOptions)
    await pause()

    const landmarks: FaceApi.FaceLandmarks68[] = []
    const crops = await faceapi.extractFaceTensors(input, detections)
    try {
      for (const [i, crop] of crops.entries()) {
        const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop)) as FaceApi.FaceLandmarks68
        const box = (detections[i] as FaceApi.FaceDetection).box
        landmarks.push(raw.shiftBy<FaceApi.FaceLandmarks68>(box.x, box.y))
      }
    } finally {
      for (const crop of crops) crop.dispose()
    }
    const faces: DetectedFace[] = detections.map((d, i) => ({
      box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
      score: d.score,
      landmarks: (landmarks[i] as FaceApi.FaceLandmarks68).positions.map((p) => ({ x: p.x, y: p.y })),
    }))

    let descriptor: Float32Array | null = null
    let descriptorFace: number | null = null
    let photo: Blob | null = null
    const quality = checkFaceQuality(faces, { width, height })
    if (options.descriptor && quality.ok) {
      await pause()
      const image = { data: pixels.data, width: pixels.width, height: pixels.height, channels: 4 as const }
      descriptor = await describeFace(baseUrl, image, (faces[quality.faceIndex] as DetectedFace).landmarks)
      descriptorFace = quality.faceIndex
    }
    if (options.photo && quality.ok) photo = await encodePhoto(frame)
    const main = quality.faceIndex === null ? null : faces[quality.faceIndex]
    const crop = options.crop && main ? await encodeCrop(frame, main.box) : null
    return { width, height, faces, descriptor, descriptorFace, photo, crop, inferenceMs: performance.now() - started }
  } finally {
    input.dispose()
    frame.close()
  }
}

/**
 * Every face of a still photo (roll-call from one photo): the group looks of src/face/group.ts with the same detector
 * as a kiosk frame, the 68 landmarks of each face, and each face's descriptor by the same alignment and network as the
 * kiosk's main face. Faces too small to describe keep their box without a descriptor.
 */
async function detectGroupFrame(
  faceapi: FaceApiModule,
  tf: TfRuntime,
  baseUrl: string,
  frame: ImageBitmap,
  options: GroupOptions,
  onProgress: (progress: GroupProgress) => void,
  pause: Pause,
): Promise<GroupResult> {
  const started = performance.now()
  const { width, height } = frame
  const pixels = pixelsOf(frame)
  const input = tf.browser.fromPixels(pixels)
  try {
    const found = await findGroupFaces(
      { width, height },
      async (tile, inputSize) => {
        const whole = tile.x === 0 && tile.y === 0 && tile.width === width && tile.height === height
        const region = whole ? input : tf.slice(input, [tile.y, tile.x, 0], [tile.height, tile.width, 3])
        try {
          const detections = await faceapi.detectAllFaces(region, new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: DETECTOR_MIN_SCORE }))
          return detections.map((d) => ({ box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score }))
        } finally {
          if (!whole) region.dispose()
        }
      },
      {
        max: options.maxFaces,
        onPass: async (done, total) => {
          onProgress({ stage: 'detect', done, total })
          await pause()
        },
      },
    )

    const landmarks: FaceApi.FaceLandmarks68[] = []
    const crops = await faceapi.extractFaceTensors(input, found.map((f) => new faceapi.Rect(f.box.x, f.box.y, f.box.width, f.box.height)))
    try {
      for (const [i, crop] of crops.entries()) {
        const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop)) as FaceApi.FaceLandmarks68
        const box = (found[i] as (typeof found)[number]).box
        landmarks.push(raw.shiftBy<FaceApi.FaceLandmarks68>(box.x, box.y))
      }
    } finally {
      for (const crop of crops) crop.dispose()
    }
    await pause()

    const image = { data: pixels.data, width: pixels.width, height: pixels.height, channels: 4 as const }
    const faces: GroupFace[] = []
    for (const [i, f] of found.entries()) {
      const points = (landmarks[i] as FaceApi.FaceLandmarks68).positions.map((p) => ({ x: p.x, y: p.y }))
      const describable = Math.min(f.box.width, f.box.height) >= GROUP_MIN_DESCRIBED_PX
      faces.push({ box: f.box, score: f.score, landmarks: points, descriptor: describable ? await describeFace(baseUrl, image, points) : null })
      onProgress({ stage: 'describe', done: i + 1, total: found.length })
      await pause()
    }
    return { width, height, faces, inferenceMs: performance.now() - started }
  } finally {
    input.dispose()
    frame.close()
  }
}
