// Server-side face inference: @vladmandic/face-api's Node WASM build on @tensorflow/tfjs-backend-wasm.
// - The .wasm binaries and the model weights are read from node_modules; nothing is fetched at run time.
// - Never @tensorflow/tfjs-node (its install downloads a native binary).
// - Images are decoded with sharp (EXIF rotation applied) to raw RGB and handed to face-api as a tensor.
// Detection: SSD MobileNet v1 for whole photos (extractFaces, describeSingleFace); TinyFaceDetector sized to the crop
// for evidence face crops (extractFaceCrop: the face already fills half of a <= 256 px crop); then 68-point landmarks.
// The descriptor is the recognition model's (issue 14, server/face/MODEL.md): the face is cut by the shared 5-point
// alignment (shared/face/align.ts) and described by server/face/embedder.ts. face-api's own 128-d recognition net is
// no longer loaded.

import { createRequire } from 'node:module'
import path from 'node:path'
import sharp from 'sharp'
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js'
import type * as Tf from '@tensorflow/tfjs'
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm'
import { checkFaceQuality, type FaceBox, type FaceQualityOptions, type FaceQualityReason } from '../../shared/face/quality'
import { checkDescriptor } from '../../shared/face/descriptor'
import { alignedInput } from '../../shared/face/align'
import { embedAligned, loadEmbedder } from './embedder'

// Named nodeRequire, not require: the server bundle's banner already declares a top-level `require`.
const nodeRequire = createRequire(import.meta.url)

export interface Point {
  x: number
  y: number
}

export interface ExtractedFace {
  /** Face box in the original image's pixels (after EXIF rotation). */
  box: FaceBox
  /** Detection score in [0, 1] (SSD MobileNet v1, or TinyFaceDetector for extractFaceCrop). */
  score: number
  /** The 68 landmarks (iBUG order) in the original image's pixels. */
  landmarks: Point[]
  /** The recognition model's unit-length descriptor (FACE_DESCRIPTOR_LENGTH values). */
  descriptor: Float32Array
}

export interface ExtractionResult {
  /** Size of the image after EXIF rotation, the frame the boxes refer to. */
  width: number
  height: number
  faces: ExtractedFace[]
}

/** The buffer is not an image sharp can decode (or is too large). Callers map it to a 400/422. */
export class FaceImageError extends Error {
  readonly code = 'invalid_image'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FaceImageError'
  }
}

export interface FaceModelsInfo {
  backend: string
  /** Which wasm binary runs: SIMD where the runtime supports it. Threads are off in Node (tfjs disables them). */
  simd: boolean
  threads: boolean
  tfjsVersion: string
  faceApiVersion: string
  loadMs: number
}

interface Runtime {
  faceapi: typeof FaceApi
  tf: typeof Tf
  info: FaceModelsInfo
}

/** Largest side fed to the detector. SSD resizes to 512x512 anyway; bigger photos only cost memory and time. */
const MAX_INPUT_SIDE = 1280
/** Refuse decompression bombs before decoding. */
const MAX_INPUT_PIXELS = 40_000_000
/** Detections under this score are dropped by the detector (the quality gates count from DEFAULT_FACE_QUALITY.countScore). */
const DETECTION_MIN_CONFIDENCE = 0.3
/** Faces kept per image by default (the strongest): each one costs a run of the recognition model. */
export const DETECTION_MAX_RESULTS = 20
/** The most faces one extraction may be asked for (ExtractOptions.maxResults): a group photo's tile. */
export const DETECTION_MAX_RESULTS_LIMIT = 100

function packageDir(name: string): string {
  return path.dirname(nodeRequire.resolve(`${name}/package.json`))
}

let runtimePromise: Promise<Runtime> | null = null

/**
 * Loads tfjs (wasm backend) and the three models once; later calls return the same promise. A failed load is not
 * memoized, so a later call can retry.
 */
export function loadFaceModels(): Promise<FaceModelsInfo> {
  return runtime().then((r) => r.info)
}

function runtime(): Promise<Runtime> {
  if (!runtimePromise) {
    runtimePromise = initRuntime().catch((err: unknown) => {
      runtimePromise = null
      throw err
    })
  }
  return runtimePromise
}

async function initRuntime(): Promise<Runtime> {
  const started = performance.now()
  // CommonJS builds through one require, so face-api, tfjs and the wasm backend share a single tfjs-core instance.
  const tf = nodeRequire('@tensorflow/tfjs') as typeof Tf
  const tfWasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof TfWasm
  const faceapi = nodeRequire('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof FaceApi

  // Local wasm files; usePlatformFetch=false: emscripten reads them with fs in Node.
  tfWasm.setWasmPaths(path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep, false)
  tf.enableProdMode()
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise')
  await tf.ready()

  const modelDir = path.join(packageDir('@vladmandic/face-api'), 'model')
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir)
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir)
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir)
  await loadEmbedder()

  const info: FaceModelsInfo = {
    backend: tf.getBackend(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    tfjsVersion: tf.version_core,
    faceApiVersion: faceapi.version,
    loadMs: performance.now() - started,
  }
  return { faceapi, tf, info }
}

interface DecodedImage {
  data: Uint8Array
  width: number
  height: number
  /** Factor from decoded (possibly downscaled) pixels back to the original image's pixels. */
  scale: number
  originalWidth: number
  originalHeight: number
}

async function decodeImage(image: Uint8Array): Promise<DecodedImage> {
  if (!(image instanceof Uint8Array) || image.byteLength === 0) throw new FaceImageError('no image data')
  try {
    const base = sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).rotate()
    const meta = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).metadata()
    const swap = (meta.orientation ?? 1) >= 5
    const originalWidth = (swap ? meta.height : meta.width) ?? 0
    const originalHeight = (swap ? meta.width : meta.height) ?? 0
    if (!originalWidth || !originalHeight) throw new Error('image has no size')
    const { data, info } = await base
      .resize({ width: MAX_INPUT_SIDE, height: MAX_INPUT_SIDE, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    let rgb: Uint8Array = data
    if (data.byteLength !== info.width * info.height * info.channels) throw new Error('unexpected pixel format')
    if (info.channels === 1) {
      rgb = new Uint8Array(info.width * info.height * 3)
      for (let i = 0, o = 0; i < data.length; i++, o += 3) rgb[o] = rgb[o + 1] = rgb[o + 2] = data[i] as number
    } else if (info.channels !== 3) {
      throw new Error(`unexpected channel count ${info.channels}`)
    }
    return { data: rgb, width: info.width, height: info.height, scale: originalWidth / info.width, originalWidth, originalHeight }
  } catch (err) {
    if (err instanceof FaceImageError) throw err
    const detail = err instanceof Error ? err.message : String(err)
    throw new FaceImageError(`not a readable image (${detail})`, { cause: err })
  }
}

// One extraction at a time: the wasm backend is single-threaded, and this bounds memory under concurrent requests.
let queue: Promise<unknown> = Promise.resolve()
function serialize<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task)
  queue = run.catch(() => undefined)
  return run
}

/**
 * Which face detector runs before the landmarks and the descriptor:
 * - 'ssd': SSD MobileNet v1 at its fixed 512x512 input, for whole photos (faces of any size anywhere);
 * - { tiny: n }: TinyFaceDetector at an n x n input (a multiple of 32), for face crops whose face fills much of the
 *   image (evidence crops): ~10x cheaper than SSD there (see server/face/evidence.ts for what was measured).
 */
export type FaceDetector = 'ssd' | { tiny: number }

/** Detects every face in an encoded image (JPEG, PNG, WebP, ...) with landmarks and descriptors (SSD MobileNet v1). */
export function extractFaces(image: Uint8Array): Promise<ExtractionResult> {
  return extractFacesWith(image, 'ssd')
}

/**
 * Which descriptor each face gets: the recognition model's (the product), or face-api's old 128-d one ('legacy', for
 * face:eval's comparison only; its net is loaded on first use).
 */
export type Recognition = 'current' | 'legacy'

let legacyLoaded: Promise<void> | null = null

export interface ExtractOptions {
  /**
   * Most faces kept (the strongest), default DETECTION_MAX_RESULTS (20), at most DETECTION_MAX_RESULTS_LIMIT: more
   * for the tiles of a group photo (server/face/group.ts), whose class may hold 60 faces.
   */
  maxResults?: number
}

/** extractFaces with a chosen detector (see FaceDetector). */
export async function extractFacesWith(
  image: Uint8Array,
  detector: FaceDetector,
  recognition: Recognition = 'current',
  extract: ExtractOptions = {},
): Promise<ExtractionResult> {
  if (detector !== 'ssd' && !(Number.isInteger(detector.tiny) && detector.tiny >= 128 && detector.tiny <= 608 && detector.tiny % 32 === 0)) {
    throw new RangeError(`TinyFaceDetector input size must be a multiple of 32 from 128 to 608, got ${String(detector.tiny)}`)
  }
  const maxResults = extract.maxResults ?? DETECTION_MAX_RESULTS
  if (!(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= DETECTION_MAX_RESULTS_LIMIT)) {
    throw new RangeError(`maxResults must be a whole number from 1 to ${DETECTION_MAX_RESULTS_LIMIT}, got ${String(maxResults)}`)
  }
  const { faceapi, tf } = await runtime()
  if (recognition === 'legacy') {
    legacyLoaded ??= faceapi.nets.faceRecognitionNet.loadFromDisk(path.join(packageDir('@vladmandic/face-api'), 'model'))
    await legacyLoaded
  }
  return serialize(async () => {
    const decoded = await decodeImage(image)
    const input = tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32')
    try {
      const options =
        detector === 'ssd'
          ? new faceapi.SsdMobilenetv1Options({ minConfidence: DETECTION_MIN_CONFIDENCE, maxResults })
          : new faceapi.TinyFaceDetectorOptions({ inputSize: detector.tiny, scoreThreshold: DETECTION_MIN_CONFIDENCE })
      const detected = faceapi.detectAllFaces(input as unknown as FaceApi.TNetInput, options).withFaceLandmarks()
      // The strongest detections only: each one costs a run of the recognition model.
      const results =
        recognition === 'legacy'
          ? (await detected.withFaceDescriptors()).map((r) => ({ ...r, legacy: Float32Array.from(r.descriptor) }))
          : (await detected).map((r) => ({ ...r, legacy: null }))
      results.sort((a, b) => b.detection.score - a.detection.score)
      const s = decoded.scale
      const pixels = { data: decoded.data, width: decoded.width, height: decoded.height, channels: 3 as const }
      const faces: ExtractedFace[] = []
      for (const r of results.slice(0, maxResults)) {
        const b = r.detection.box
        const points = r.landmarks.positions.map((p) => ({ x: p.x, y: p.y }))
        faces.push({
          box: { x: b.x * s, y: b.y * s, width: b.width * s, height: b.height * s },
          score: r.detection.score,
          landmarks: points.map((p) => ({ x: p.x * s, y: p.y * s })),
          descriptor: r.legacy ?? (await embedAligned(alignedInput(pixels, points))),
        })
      }
      return { width: decoded.originalWidth, height: decoded.originalHeight, faces }
    } finally {
      input.dispose()
    }
  })
}

export type DescribeResult =
  | { ok: true; descriptor: Float32Array; face: ExtractedFace; width: number; height: number }
  | {
    ok: false
    reason: Exclude<FaceQualityReason, 'ok'> | 'invalid_image' | 'bad_descriptor'
    message: string
    faces: number
  }

const REASON_MESSAGES: Record<Exclude<FaceQualityReason, 'ok'> | 'bad_descriptor', string> = {
  no_face: 'no face found in the photo',
  multiple_faces: 'more than one face in the photo: only one person may be in the picture',
  too_small: 'the face is too small: move closer to the camera',
  low_confidence: 'the face is not clear enough: more light, look at the camera',
  bad_descriptor: 'the face could not be described',
}

/**
 * The registration / re-verification path: extract, apply the shared quality gates (exactly one face, big enough,
 * confident enough), and return that face's descriptor, or a reason code with a message. A buffer that is not an
 * image gives reason 'invalid_image' (never a crash).
 */
export async function describeSingleFace(
  image: Uint8Array,
  quality: Partial<FaceQualityOptions> = {},
  recognition: Recognition = 'current',
): Promise<DescribeResult> {
  let extraction: ExtractionResult
  try {
    extraction = await extractFacesWith(image, 'ssd', recognition)
  } catch (err) {
    if (err instanceof FaceImageError) return { ok: false, reason: 'invalid_image', message: err.message, faces: 0 }
    throw err
  }
  const gate = checkFaceQuality(extraction.faces, extraction, quality)
  if (!gate.ok) {
    return { ok: false, reason: gate.reason, message: REASON_MESSAGES[gate.reason], faces: extraction.faces.length }
  }
  const face = extraction.faces[gate.faceIndex] as ExtractedFace
  if (recognition === 'current' && !checkDescriptor(face.descriptor).ok) {
    return { ok: false, reason: 'bad_descriptor', message: REASON_MESSAGES.bad_descriptor, faces: extraction.faces.length }
  }
  return { ok: true, descriptor: face.descriptor, face, width: extraction.width, height: extraction.height }
}
