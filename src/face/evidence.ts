// The evidence of one capture (shared/attendance/evidence.ts): which frames of a liveness challenge are kept, where
// each frame's face crop is cut, and how the kept crops become what the outbox stores and the server receives.
// Pure (no DOM): the face worker cuts and encodes the crops (pipeline.ts), the camera loops decide which to keep.
import { EVIDENCE_CROP_SCALE, EVIDENCE_CROP_SIZE, EVIDENCE_MAX_FRAMES } from '@shared/attendance/evidence'
import type { LivenessState } from '@shared/face/liveness'
import type { FaceBox } from '@shared/face/quality'

export * from './evidence-store'

/** JPEG quality of an evidence crop: ~10-20 KB at 256 px, sharp enough for the server's landmarks. */
export const EVIDENCE_JPEG_QUALITY = 0.85

export interface CropRect {
  /** Source rectangle in frame pixels (integers, inside the frame). */
  sx: number
  sy: number
  sw: number
  sh: number
  /** Output size in pixels: the source scaled down so its longer side is at most EVIDENCE_CROP_SIZE (never up). */
  dw: number
  dh: number
}

/**
 * Where to cut a frame's evidence crop: the face box grown by `scale` around its centre, clamped to the frame, then
 * scaled so the longer side is at most `size`. Null when nothing of the box lies in the frame.
 */
export function evidenceCrop(box: FaceBox, frame: { width: number; height: number }, scale = EVIDENCE_CROP_SCALE, size = EVIDENCE_CROP_SIZE): CropRect | null {
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  const halfW = (box.width * scale) / 2
  const halfH = (box.height * scale) / 2
  const left = Math.max(0, Math.floor(cx - halfW))
  const top = Math.max(0, Math.floor(cy - halfH))
  const right = Math.min(frame.width, Math.ceil(cx + halfW))
  const bottom = Math.min(frame.height, Math.ceil(cy + halfH))
  const sw = right - left
  const sh = bottom - top
  if (!(sw > 0 && sh > 0)) return null
  const factor = Math.min(1, size / Math.max(sw, sh))
  return { sx: left, sy: top, sw, sh, dw: Math.max(1, Math.round(sw * factor)), dh: Math.max(1, Math.round(sh * factor)) }
}

/** Why a frame was kept: the held frontal start, each held turn, each held return, and the frontal frames after. */
export type EvidenceMoment = 'start' | 'turn' | 'return' | 'after'

export interface KeptFrame<I> {
  /** ms since the first kept frame. */
  t: number
  image: I
  moment: EvidenceMoment
}

/** Which key moment a liveness transition is, if any (the frame that completed a held pose). */
export function keyMoment(before: Pick<LivenessState, 'phase' | 'step' | 'status'> | null, after: Pick<LivenessState, 'phase' | 'step' | 'status'>): EvidenceMoment | null {
  if (!before || before.status !== 'pending' || after.status === 'failed') return null
  if (before.phase === 'center' && after.phase === 'turn') return 'start'
  if (before.phase === 'turn' && after.phase === 'return') return 'turn'
  if (before.phase === 'return' && (after.step > before.step || after.status === 'passed')) return 'return'
  return null
}

export interface RecorderOptions {
  /** Frontal frames to keep after the challenge passed (2-3). */
  after: number
  /** Those frames must be at least this far apart (ms), so they are not the same frame twice. */
  afterGapMs: number
  max: number
}

export const DEFAULT_RECORDER_OPTIONS: Readonly<RecorderOptions> = Object.freeze({ after: 3, afterGapMs: 200, max: EVIDENCE_MAX_FRAMES })

/**
 * Keeps the key frames of one run of a liveness challenge, then a few good frontal frames once it passed. The camera
 * loop calls `observe` with each frame's liveness transition while the challenge runs and `offerAfter` with each good
 * frontal frame after it passed; `reset` when the challenge starts over.
 */
export class EvidenceRecorder<I> {
  readonly options: Readonly<RecorderOptions>
  private kept: { at: number; image: I; moment: EvidenceMoment }[] = []
  private afterCount = 0
  /** A 'move' step: the frames at the low and high ends of the span of held poses so far. */
  private ends: { low?: { at: number; image: I }; high?: { at: number; image: I } } = {}

  constructor(options: Partial<RecorderOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_RECORDER_OPTIONS, ...options })
  }

  reset(): void {
    this.kept = []
    this.afterCount = 0
    this.ends = {}
  }

  get count(): number {
    return this.kept.length
  }

  /** Frames kept after the challenge passed. */
  get afterKept(): number {
    return this.afterCount
  }

  /** Enough frontal frames after the pass (or no room left for more). */
  get complete(): boolean {
    return this.afterCount >= this.options.after || (this.afterCount > 0 && this.kept.length >= this.options.max)
  }

  /**
   * A frame while the challenge runs: kept when it completed a held pose. Returns the moment it was kept for. A 'move'
   * step keeps the frames at both ends of the span of held poses as they widen, and adds them (in time order, as
   * 'start' and 'turn') when the step passes: the server measures the same span on them.
   */
  observe(t: number, image: I | null, before: LivenessState | null, after: LivenessState): EvidenceMoment | null {
    if (after.extreme && image !== null) {
      const end = { at: t, image }
      if (after.extreme === 'both') this.ends = { low: end, high: end }
      else this.ends[after.extreme] = end
    }
    if (after.steps[0] === 'move') {
      const { low, high } = this.ends
      if (after.status !== 'passed' || !low || !high || low === high) return null
      this.ends = {}
      for (const [i, end] of [low, high].sort((a, b) => a.at - b.at).entries()) {
        if (this.kept.length < this.options.max) this.kept.push({ ...end, moment: i === 0 ? 'start' : 'turn' })
      }
      return 'turn'
    }
    const moment = keyMoment(before, after)
    if (!moment || image === null || this.kept.length >= this.options.max) return null
    this.kept.push({ at: t, image, moment })
    return moment
  }

  /** A good frontal frame after the pass: kept when far enough from the previous one. */
  offerAfter(t: number, image: I | null): 'kept' | 'too_soon' | 'complete' {
    if (this.complete) return 'complete'
    if (image === null) return 'too_soon'
    const last = this.kept[this.kept.length - 1]
    if (last && t - last.at < this.options.afterGapMs) return 'too_soon'
    this.kept.push({ at: t, image, moment: 'after' })
    this.afterCount++
    return this.complete ? 'complete' : 'kept'
  }

  /** The kept frames in order, timed from the first (integer ms, never decreasing). */
  frames(): KeptFrame<I>[] {
    const first = this.kept[0]?.at ?? 0
    let previous = 0
    return this.kept.map((k) => {
      const t = Math.max(previous, Math.round(k.at - first))
      previous = t
      return { t, image: k.image, moment: k.moment }
    })
  }
}
