// Collects the registration captures once the liveness challenge has passed: at least three descriptors from
// separate good frames of the same face, and the reference photo of the first one. Pure (no DOM), tested alone.
import { checkDescriptor } from '@shared/face/descriptor'
import { l2Distance } from '@shared/face/match'

export interface Capture {
  t: number
  descriptor: Float32Array
  photo: Blob | null
}

export interface CaptureOptions {
  /** Captures to collect (the server wants 3 to 10). */
  needed: number
  /** Captures must be at least this far apart in time, so they are not the same frame twice. */
  minGapMs: number
  /**
   * A capture further than this (L2) from the first one is not the same face: start again. Frames of one person a
   * moment apart measure ~0.1–0.3; different people 0.5 and more.
   */
  maxDistance: number
}

export const DEFAULT_CAPTURE_OPTIONS: Readonly<CaptureOptions> = Object.freeze({ needed: 3, minGapMs: 250, maxDistance: 0.45 })

export type CaptureVerdict = 'accepted' | 'complete' | 'too_soon' | 'invalid' | 'no_photo' | 'inconsistent'

export class CaptureCollector {
  readonly options: Readonly<CaptureOptions>
  private list: Capture[] = []

  constructor(options: Partial<CaptureOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_CAPTURE_OPTIONS, ...options })
  }

  get captures(): readonly Capture[] {
    return this.list
  }

  get count(): number {
    return this.list.length
  }

  get complete(): boolean {
    return this.list.length >= this.options.needed
  }

  /** The first capture must bring the reference photo; later ones need not. */
  get wantsPhoto(): boolean {
    return this.list.length === 0
  }

  reset(): void {
    this.list = []
  }

  offer(capture: Capture): CaptureVerdict {
    if (this.complete) return 'complete'
    if (!checkDescriptor(capture.descriptor).ok) return 'invalid'
    const first = this.list[0]
    if (!first) {
      if (!capture.photo) return 'no_photo'
      this.list.push(capture)
      return this.complete ? 'complete' : 'accepted'
    }
    const last = this.list[this.list.length - 1] as Capture
    if (capture.t - last.t < this.options.minGapMs) return 'too_soon'
    if (l2Distance(first.descriptor, capture.descriptor) > this.options.maxDistance) {
      // Someone else (or something else) is in front of the camera now: do not mix two faces in one registration.
      this.list = []
      return 'inconsistent'
    }
    this.list.push(capture)
    return this.complete ? 'complete' : 'accepted'
  }
}
