// What the face pool (pool.ts) and its workers (face.worker.ts) say to each other, and what the pool's callers see:
// its options, answers, statistics and its one error.
import type { ExtractionResult, ExtractOptions, FaceDetector, FaceModelsInfo } from './inference'

// ------------------------------------------------------------------ the messages (shared with face.worker.ts)

export type FaceWorkerRequest =
  | { id: number; kind: 'extract'; image: Uint8Array; detector: FaceDetector; options?: ExtractOptions }
  | { id: number; kind: 'crash' }

export type FaceWorkerReply =
  | { id: number; ok: true; kind: 'extract'; result: ExtractionResult; threadId: number; ms: number }
  | { id: number; ok: true; kind: 'ready'; info: FaceModelsInfo; threadId: number; ms: number }
  | { id: number; ok: false; error: { code: 'invalid_image' | 'inference_failed'; message: string }; threadId: number; ms: number }

// ------------------------------------------------------------------ errors

/**
 * The pool could not answer: the worker died with the request (worker_crashed), the request overran the timeout
 * (timeout), the pool was closed (closed), or inference itself failed (inference_failed, e.g. the models did not load).
 * A buffer that is not an image is not a pool error: it rejects with inference.ts's FaceImageError, as extractFaces does.
 */
export class FacePoolError extends Error {
  constructor(
    readonly code: 'worker_crashed' | 'timeout' | 'closed' | 'inference_failed',
    message: string,
  ) {
    super(message)
    this.name = 'FacePoolError'
  }
}

// ------------------------------------------------------------------ what the pool offers

export interface FacePoolOptions {
  /** Worker threads (default: HADIR_FACE_WORKERS, else os.availableParallelism()). */
  size?: number
  /** A request running longer than this fails and its worker is replaced (default 60 s; the first request of a worker includes model loading). */
  timeoutMs?: number
  /** A worker idle this long is stopped (its memory returned); the next request starts one again. Default 5 minutes. */
  idleMs?: number
}

export interface FaceExtraction {
  result: ExtractionResult
  /** threadId of the worker that ran it. */
  threadId: number
  /** Time spent in the worker (decode + detection + landmarks + descriptors), ms. */
  ms: number
}

export interface FacePoolStats {
  size: number
  /** Workers alive now. */
  workers: number
  busy: number
  queued: number
  /** Workers started since the pool was made (replacements included). */
  started: number
  /** Workers that died or were replaced for a timeout. */
  crashed: number
  /**
   * Workers replaced for a timeout that answered later, and were ended then (not in the middle of their analysis:
   * ending a thread inside native inference can abort the process).
   */
  endedAfterTimeout: number
  completed: number
  failed: number
  /** Most workers busy at the same time. */
  maxBusy: number
  /** Threads that completed at least one request. */
  threadIds: number[]
  /** Model load time per worker start, ms. */
  loadMs: number[]
}
