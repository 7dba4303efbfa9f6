// A pool of worker threads for server-side face inference, so image analysis (evidence checks, registrations) uses
// every core and never blocks the event loop. Each worker loads tfjs (wasm backend) and the face models once,
// with the same code as the main thread (server/face/inference.ts: face.worker.ts calls its extractFaces), and runs
// one extraction at a time (the wasm backend is single-threaded): N workers = N images at once.
//
// - Size: HADIR_FACE_WORKERS, else os.availableParallelism(). Workers start when there is work for them (each costs
//   ~1-4 s of model loading and ~170 MB, growing to ~400 MB once it has run inference: wasm memory never shrinks), and
//   a worker idle for idleMs (default 5 minutes) is stopped to give that memory back; `warm()` starts them all ahead.
// - Requests queue (FIFO) when every worker is busy.
// - A worker that dies (crash, uncaught error, out of memory) or overruns the request timeout is replaced: the request
//   it was running fails with FacePoolError (never a hang) and a new worker takes its place for the next one. One that
//   overran is not terminated while it still runs: ending a thread in the middle of native inference (onnxruntime-node)
//   can abort the whole process ("terminate called recursively", seen in a loaded CI's test process). It is ended once
//   it answers, and never keeps the process alive meanwhile. close() likewise lets a running analysis finish first
//   (within the request timeout).
// - Which file a worker runs: from the production bundle (dist/server/index.js, plain node) the bundle's own entry
//   dist/server/face-worker.js (scripts/build-server.mjs); from the TypeScript sources (tsx, vitest, the bench)
//   face-worker.dev.mjs, which registers tsx's loader in the thread and imports face.worker.ts.
// - Idle workers do not keep the process alive (unref); call closeFacePool() on shutdown anyway.
import fs from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { FaceImageError, type ExtractionResult, type ExtractOptions, type FaceDetector } from './inference'
import { FacePoolError, type FaceExtraction, type FacePoolOptions, type FacePoolStats, type FaceWorkerReply, type FaceWorkerRequest } from './pool.types'

export { FacePoolError } from './pool.types'
export type { FaceExtraction, FacePoolOptions, FacePoolStats, FaceWorkerReply, FaceWorkerRequest } from './pool.types'

// ------------------------------------------------------------------ the pool

interface Job {
  request: FaceWorkerRequest
  resolve: (value: FaceExtraction) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | null
}

interface Slot {
  worker: Worker
  job: Job | null
  /** Set once the worker is being torn down (exit handler must not double-fail its job). */
  gone: boolean
  idleTimer: NodeJS.Timeout | null
  /** Called when the worker answers its running request or exits (close() waits for it). */
  whenIdle?: () => void
}

export function defaultFacePoolSize(): number {
  const raw = process.env.HADIR_FACE_WORKERS
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`HADIR_FACE_WORKERS must be a whole number from 1 to 256, got "${raw}"`)
    return n
  }
  return Math.max(1, os.availableParallelism())
}

/** The worker's entry file: the bundle's face-worker.js beside this code when bundled, else the TypeScript dev entry. */
export function faceWorkerEntry(): { url: URL; bundled: boolean } {
  const here = import.meta.url
  if (here.endsWith('.js')) {
    const bundled = new URL('./face-worker.js', here)
    if (fs.existsSync(fileURLToPath(bundled))) return { url: bundled, bundled: true }
  }
  return { url: new URL('./face-worker.dev.mjs', here), bundled: false }
}

const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_IDLE_MS = 5 * 60_000

export class FacePool {
  readonly size: number
  readonly timeoutMs: number
  readonly idleMs: number
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  private closed = false
  private readonly counters = { started: 0, crashed: 0, endedAfterTimeout: 0, completed: 0, failed: 0, maxBusy: 0 }
  private readonly threads = new Set<number>()
  private readonly loadMs: number[] = []
  private readonly entry = faceWorkerEntry()

  constructor(options: FacePoolOptions = {}) {
    this.size = options.size ?? defaultFacePoolSize()
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`face pool size must be a positive integer, got ${this.size}`)
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS
  }

  /** Every face in an encoded image, computed in a worker. Rejects with FaceImageError for a non-image, FacePoolError otherwise. */
  async extractFaces(image: Uint8Array): Promise<ExtractionResult> {
    return (await this.extractTraced(image)).result
  }

  /**
   * extractFaces, with which worker ran it and how long it took there. `detector` (inference.ts FaceDetector): 'ssd'
   * (default) for whole photos; { tiny: n } for face crops (evidence frames, server/face/evidence.ts). `options`
   * (inference.ts ExtractOptions): e.g. more faces than the default 20 for the tiles of a group photo
   * (server/face/group.ts).
   */
  extractTraced(image: Uint8Array, detector: FaceDetector = 'ssd', options?: ExtractOptions): Promise<FaceExtraction> {
    if (!(image instanceof Uint8Array)) return Promise.reject(new FaceImageError('no image data'))
    // A copy: the caller's buffer stays usable (evidence crops are ~10-20 KB).
    return this.submit({ id: this.nextId++, kind: 'extract', image: image.slice(), detector, ...(options ? { options } : {}) })
  }

  /** Starts every worker and waits until each has loaded the models (readiness for benchmarks and servers). */
  async warm(): Promise<void> {
    this.assertOpen()
    while (this.slots.length < this.size) this.spawn()
    await Promise.all(this.slots.map((slot) => this.readyOf(slot)))
  }

  /** Test hook: the next free worker dies while running this request (the promise rejects with worker_crashed). */
  crashOneWorkerForTests(): Promise<FaceExtraction> {
    return this.submit({ id: this.nextId++, kind: 'crash' })
  }

  stats(): FacePoolStats {
    return {
      size: this.size,
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.length,
      ...this.counters,
      threadIds: [...this.threads].sort((a, b) => a - b),
      loadMs: [...this.loadMs],
    }
  }

  /** Fails queued and running requests with FacePoolError('closed') and terminates every worker. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const error = () => new FacePoolError('closed', 'the face pool was closed')
    for (const job of this.queue.splice(0)) this.settle(job, error())
    const slots = this.slots.splice(0)
    await Promise.all(
      slots.map(async (slot) => {
        slot.gone = true
        this.clearIdle(slot)
        if (slot.job) {
          this.settle(slot.job, error())
          // Not ended in the middle of an analysis (see the top of this file), unless it overruns the request timeout.
          await new Promise<void>((resolve) => {
            slot.whenIdle = resolve
            setTimeout(resolve, this.timeoutMs).unref()
          })
        }
        slot.job = null
        await slot.worker.terminate()
      }),
    )
  }

  // ---------------------------------------------------------------- internals

  private readonly ready = new WeakMap<Slot, Promise<void>>()

  private readyOf(slot: Slot): Promise<void> {
    return this.ready.get(slot) ?? Promise.resolve()
  }

  private assertOpen(): void {
    if (this.closed) throw new FacePoolError('closed', 'the face pool is closed')
  }

  private submit(request: FaceWorkerRequest): Promise<FaceExtraction> {
    if (this.closed) return Promise.reject(new FacePoolError('closed', 'the face pool is closed'))
    return new Promise<FaceExtraction>((resolve, reject) => {
      this.queue.push({ request, resolve, reject, timer: null })
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job && !s.gone)
      if (!slot && this.slots.length < this.size) slot = this.spawn()
      if (!slot) return
      const job = this.queue.shift() as Job
      this.clearIdle(slot)
      slot.job = job
      slot.worker.ref()
      job.timer = setTimeout(() => this.timeout(slot as Slot, job), this.timeoutMs)
      const busy = this.slots.filter((s) => s.job).length
      if (busy > this.counters.maxBusy) this.counters.maxBusy = busy
      slot.worker.postMessage(job.request)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry.url, {
      name: 'hadir-face',
      // The dev entry registers tsx itself; a parent's tsx flags would register it twice.
      ...(this.entry.bundled ? {} : { execArgv: [] }),
    })
    const slot: Slot = { worker, job: null, gone: false, idleTimer: null }
    this.slots.push(slot)
    this.counters.started++
    worker.unref()
    let markReady: () => void = () => undefined
    this.ready.set(
      slot,
      new Promise<void>((resolve) => {
        markReady = resolve
      }),
    )
    let loaded = false
    worker.on('message', (reply: FaceWorkerReply) => {
      if (reply.id === 0) {
        // The start-up report: models loaded (or not; then every request of this worker fails with inference_failed).
        if (reply.ok && reply.kind === 'ready') {
          loaded = true
          this.loadMs.push(reply.ms)
        }
        markReady()
        if (!slot.job) this.startIdle(slot)
        return
      }
      const job = slot.job
      if (!job || job.request.id !== reply.id) return
      slot.job = null
      worker.unref()
      slot.whenIdle?.()
      if (slot.gone) {
        // Retired after it overran its request (already failed), or the pool is closing: no native work runs now.
        if (!this.closed) this.counters.endedAfterTimeout++
        void worker.terminate()
        return
      }
      if (reply.ok && reply.kind === 'extract') {
        this.threads.add(reply.threadId)
        this.counters.completed++
        this.settle(job, null, { result: reply.result, threadId: reply.threadId, ms: reply.ms })
      } else if (!reply.ok) {
        this.threads.add(reply.threadId)
        this.counters.failed++
        this.settle(job, reply.error.code === 'invalid_image' ? new FaceImageError(reply.error.message) : new FacePoolError('inference_failed', reply.error.message))
      }
      this.dispatch()
      if (!slot.job) this.startIdle(slot)
    })
    worker.on('error', () => {
      // An uncaught error kills the thread; 'exit' follows and does the bookkeeping.
    })
    worker.on('exit', (code) => {
      markReady()
      slot.whenIdle?.()
      this.clearIdle(slot)
      this.remove(slot)
      if (slot.gone) return
      slot.gone = true
      this.counters.crashed++
      const job = slot.job
      slot.job = null
      if (job) {
        this.counters.failed++
        this.settle(job, new FacePoolError('worker_crashed', `the face worker stopped (exit code ${code}) while analysing an image`))
      }
      // A worker that had loaded its models is replaced at once (warm again for the next request); one that died
      // starting up is replaced only when there is work, so a broken install cannot spin.
      if (loaded && !this.closed && this.slots.length < this.size) this.spawn()
      this.dispatch()
    })
    return slot
  }

  private timeout(slot: Slot, job: Job): void {
    if (slot.job !== job || slot.gone) return
    slot.gone = true
    // slot.job stays: the message handler knows the late answer by it, and ends the worker then.
    this.remove(slot)
    this.counters.crashed++
    this.counters.failed++
    this.settle(job, new FacePoolError('timeout', `face analysis took longer than ${this.timeoutMs} ms; the worker was replaced`))
    // Ended once it answers (the message handler), not now (see the top of this file); it never holds the process.
    slot.worker.unref()
    if (!this.closed && this.slots.length < this.size) this.spawn()
    this.dispatch()
  }

  private startIdle(slot: Slot): void {
    this.clearIdle(slot)
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = null
      if (slot.job || slot.gone) return
      // Not a crash: the worker simply goes (the exit handler sees `gone`).
      slot.gone = true
      this.remove(slot)
      void slot.worker.terminate()
    }, this.idleMs)
    slot.idleTimer.unref()
  }

  private clearIdle(slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer)
    slot.idleTimer = null
  }

  private remove(slot: Slot): void {
    const at = this.slots.indexOf(slot)
    if (at >= 0) this.slots.splice(at, 1)
  }

  private settle(job: Job, error: Error | null, value?: FaceExtraction): void {
    if (job.timer) clearTimeout(job.timer)
    job.timer = null
    if (error) job.reject(error)
    else job.resolve(value as FaceExtraction)
  }
}

// ------------------------------------------------------------------ the process-wide pool

let shared: FacePool | null = null

/** The process's face pool (created on first use, sized by HADIR_FACE_WORKERS or the core count). */
export function facePool(): FacePool {
  shared ??= new FacePool()
  return shared
}

/** extractFaces (server/face/inference.ts) in the process's pool: same result, off the main thread. */
export function extractFacesInPool(image: Uint8Array): Promise<ExtractionResult> {
  return facePool().extractFaces(image)
}

/** Shuts the process's pool down (server shutdown, end of tests). A later call to facePool() makes a new one. */
export async function closeFacePool(): Promise<void> {
  const pool = shared
  shared = null
  await pool?.close()
}
