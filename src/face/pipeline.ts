// Face inference with @vladmandic/face-api on a loaded runtime (./faceapi-load.ts): one frame's detection → landmarks
// → (optional) descriptor. Runs in the face worker, or on the page when workers fail, in which case `pause` yields to
// the browser between the stages so the preview keeps drawing.
//
// The stages: TinyFaceDetector boxes, 68 landmarks of each box's crop shifted back into the frame (face-api), and,
// when asked (the kiosk), the recognition model's descriptor of the main face, cut by the shared 5-point alignment
// (src/face/recognizer.ts, the same model and crop as the server).
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.esm.js'
import { checkFaceQuality, type FaceBox } from '@shared/face/quality'
import { evidenceCrop, EVIDENCE_JPEG_QUALITY } from './evidence'
import { DETECTOR_INPUT_SIZE, DETECTOR_MIN_SCORE, type FaceApiModule, loadFaceApi, type TfRuntime } from './faceapi-load'
import { findGroupFaces, GROUP_MIN_DESCRIBED_PX } from './group'
import { RgbBuffers, rgbOf } from './pixels'
import { describeFace } from './recognizer'
import type { DetectedFace, DetectOptions, EngineInfo, FaceBackend, FrameResult, GroupFace, GroupOptions, GroupProgress, GroupResult, LoadProgress } from './protocol'

/** The reference photo's longer side, px, and JPEG quality: a registration photo well under 100 KB. */
export const PHOTO_MAX_SIDE = 480
export const PHOTO_QUALITY = 0.8

export type Pause = () => Promise<void>
export const noPause: Pause = () => Promise.resolve()

export interface FacePipeline {
  info: Omit<EngineInfo, 'worker'>
  detect: (frame: ImageBitmap, options: DetectOptions, pause?: Pause) => Promise<FrameResult>
  /** Every face of a still photo with its descriptor (roll-call, src/face/group.ts); the bitmap is closed. */
  detectGroup: (frame: ImageBitmap, options: GroupOptions, onProgress?: (progress: GroupProgress) => void, pause?: Pause) => Promise<GroupResult>
}

/** Loads face-api (./faceapi-load.ts) and answers frames and still photos with it. */
export async function createPipeline(
  faceapi: FaceApiModule,
  options: { baseUrl: string; preferred: FaceBackend | null; onProgress?: (p: LoadProgress) => void },
): Promise<FacePipeline> {
  const { tf, info } = await loadFaceApi(faceapi, options)
  const baseUrl = options.baseUrl
  return {
    info,
    detect: (frame, detectOptions, pause = noPause) => detectFrame(faceapi, tf, baseUrl, frame, detectOptions, pause),
    detectGroup: (frame, groupOptions, onProgress, pause = noPause) => detectGroupFrame(faceapi, tf, baseUrl, frame, groupOptions, onProgress ?? (() => {}), pause),
  }
}

let scratch: OffscreenCanvas | null = null
/** The camera frames' detector input, reused frame after frame (./pixels.ts). */
const frameRgb = new RgbBuffers()

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

/** The 68 landmarks of each region's crop, shifted back into the frame by the region's box (`boxes[i]`). */
async function landmarksOf(
  faceapi: FaceApiModule,
  input: FaceApi.tf.Tensor3D,
  regions: Array<FaceApi.FaceDetection | FaceApi.Rect>,
  boxes: Array<{ x: number; y: number }>,
): Promise<FaceApi.FaceLandmarks68[]> {
  const landmarks: FaceApi.FaceLandmarks68[] = []
  const crops = await faceapi.extractFaceTensors(input, regions)
  try {
    for (const [i, crop] of crops.entries()) {
      const raw = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop)) as FaceApi.FaceLandmarks68
      const box = boxes[i] as { x: number; y: number }
      landmarks.push(raw.shiftBy<FaceApi.FaceLandmarks68>(box.x, box.y))
    }
  } finally {
    for (const crop of crops) crop.dispose()
  }
  return landmarks
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
  // On WASM, fromPixels would allocate a new 3.7 MB buffer for every frame (./pixels.ts). WebGL has a kernel of its own
  // that uploads the pixels to a texture as they are: it keeps it.
  const rgb = tf.getBackend() === 'wasm' ? frameRgb.take(pixels.width, pixels.height) : null
  const input = rgb ? tf.tensor3d(rgbOf(pixels.data, rgb), [pixels.height, pixels.width, 3], 'int32') : tf.browser.fromPixels(pixels)
  try {
    const detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: DETECTOR_INPUT_SIZE, scoreThreshold: DETECTOR_MIN_SCORE })
    const detections = await faceapi.detectAllFaces(input, detectorOptions)
    await pause()

    const landmarks = await landmarksOf(faceapi, input, detections, detections.map((d) => d.box))
    const faces: DetectedFace[] = detections.map((d, i) => ({
      box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
      score: d.score,
      landmarks: (landmarks[i] as FaceApi.FaceLandmarks68).positions.map((p) => ({ x: p.x, y: p.y })),
    }))

    let descriptor: Float32Array | null = null
    let descriptorFace: number | null = null
    let photo: Blob | null = null
    const quality = checkFaceQuality(faces, { width, height }, options.quality)
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
    if (rgb) frameRgb.give(rgb)
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

    const regions = found.map((f) => new faceapi.Rect(f.box.x, f.box.y, f.box.width, f.box.height))
    const landmarks = await landmarksOf(faceapi, input, regions, found.map((f) => f.box))
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
