// What the face engine (main thread) and the face worker say to each other, and what a detection returns.
import type { FaceApiModule } from './faceapi-load'
import type { createPipeline } from './pipeline'
import type { loadRecognizer } from './recognizer'
import type { FaceQualityOptions } from '@shared/face/quality'
import type { FaceBox, Point } from './types'

export type FaceBackend = 'webgl' | 'wasm'

export interface LoadProgress {
  /** 0..1 over everything the engine downloads and prepares. */
  fraction: number
  /** 'download': the face runtime's files (src/face/runtime.ts), with `bytes`; then the worker's own stages. */
  stage: 'download' | 'backend' | 'models' | 'warmup' | 'ready'
  /** While downloading: bytes read of the total (nothing when every file was already on the device). */
  bytes?: { loaded: number; total: number }
}

export interface DetectOptions {
  /** Also compute the recognition model's descriptor of the main face (only when the frame passes the quality gates). */
  descriptor?: boolean
  /** Also encode the frame as the reference photo (JPEG) when the frame passes the quality gates. */
  photo?: boolean
  /** Also cut the main face's evidence crop (src/face/evidence.ts) and encode it as JPEG, whenever there is a main face. */
  crop?: boolean
  /** The quality gates' options (the kiosk reads the nearest of several faces: src/kiosk/observe.ts KIOSK_FACE_QUALITY). */
  quality?: Partial<FaceQualityOptions>
}

export interface DetectedFace {
  box: FaceBox
  score: number
  /** 68 landmarks (iBUG order) in frame pixels, un-mirrored. */
  landmarks: Point[]
}

export interface FrameResult {
  width: number
  height: number
  faces: DetectedFace[]
  /** Index into faces of the face the descriptor belongs to. */
  descriptorFace: number | null
  descriptor: Float32Array | null
  photo: Blob | null
  /** The main face's evidence crop (JPEG), when asked for and the frame has a main face. */
  crop: Blob | null
  /** Time spent on inference for this frame, ms. */
  inferenceMs: number
}

/** One face of a still photo (roll-call): found by the group looks (src/face/group.ts), described like the main face. */
export interface GroupFace {
  box: FaceBox
  score: number
  /** 68 landmarks (iBUG order) in the photo's pixels. */
  landmarks: Point[]
  /** The recognition model's descriptor (null for a face too small to describe). */
  descriptor: Float32Array | null
}

export interface GroupResult {
  width: number
  height: number
  /** In reading order: rows top to bottom, each left to right. */
  faces: GroupFace[]
  inferenceMs: number
}

export interface GroupProgress {
  /** 'detect': the looks over the photo; 'describe': one face after another. */
  stage: 'detect' | 'describe'
  done: number
  total: number
}

export interface GroupOptions {
  /** Faces kept at most (the strongest). */
  maxFaces?: number
}

export interface EngineInfo {
  backend: FaceBackend
  /** The renderer string of the WebGL probe, when there was one. */
  renderer: string | null
  /** Whether inference runs in a Web Worker (true) or on the page, yielding between stages (false). */
  worker: boolean
  loadMs: number
}

export type WorkerRequest =
  | { id: number; type: 'init'; baseUrl: string; preferred: FaceBackend | null }
  | { id: number; type: 'detect'; frame: ImageBitmap; options: DetectOptions }
  /** Loads the recognition model now (the kiosk, before its first face), instead of at the first descriptor. */
  | { id: number; type: 'recognizer' }
  /** Every face of one still photo, each with its descriptor (roll-call). The detect path is untouched by it. */
  | { id: number; type: 'group'; frame: ImageBitmap; options: GroupOptions }

export type WorkerResponse =
  | { id: number; type: 'progress'; progress: LoadProgress }
  | { id: number; type: 'ready'; info: Omit<EngineInfo, 'worker'> }
  | { id: number; type: 'result'; result: FrameResult }
  | { id: number; type: 'recognizer-ready' }
  | { id: number; type: 'group-progress'; progress: GroupProgress }
  | { id: number; type: 'group-result'; result: GroupResult }
  | { id: number; type: 'error'; message: string }

/**
 * What the face worker's script publishes on the page's global object (under INLINE_GLOBAL) when the page loads it as
 * a plain module instead of starting a worker with it (src/face/engine.ts startInline, where module workers are
 * unavailable): the same face-api, pipeline and recognizer the worker uses, so the build holds one copy of them.
 */
export interface InlineFaceRuntime {
  faceapi: FaceApiModule
  createPipeline: typeof createPipeline
  loadRecognizer: typeof loadRecognizer
}

/** The page global the face worker's script sets when it runs on the page (InlineFaceRuntime). */
export const INLINE_GLOBAL = '__hadirFaceRuntime'
