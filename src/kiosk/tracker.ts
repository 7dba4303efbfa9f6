// Decides, frame after frame, when a face in front of the kiosk is a recognised member — never on one lucky frame,
// never a guess. Pure: the camera loop feeds one observation per analysed frame and shows the state it gets back.
//
// - A member is accepted after `confirmFrames` frames that each matched them (under the organization's threshold and
//   margin: identify() / verify() decide that), within `windowMs`.
// - Light liveness: across those matching frames the head must move a little (spread of the landmark yaw estimate of
//   at least `minMotion`). A photo or a screen held still in front of the camera never moves its yaw, so it is never
//   recorded; people turn their head slightly without thinking, and the screen asks them to when it is missing.
//   This is deliberately light (a kiosk needs throughput; the full randomized head-turn challenge is for registration):
//   a photo that is tilted or waved does not change the yaw much, but a replayed video passes. The server re-checks
//   every record's face, and the photo is stored for review.
// - A good face that matches nobody for `unknownFrames` frames in a row is "not recognised".
import type { FaceQualityReason } from '@shared/face/quality'

export interface TrackerOptions {
  confirmFrames: number
  windowMs: number
  /** Yaw spread (estimateYaw units, ~0.2 per 10° of head turn) the matching frames must show; 0 turns it off. */
  minMotion: number
  unknownFrames: number
  /** No face for this long: back to idle, and a person coming back starts over. */
  lostMs: number
  /** After this long on one member without enough movement, the screen asks for a slight head turn. */
  motionHintMs: number
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  confirmFrames: 2,
  windowMs: 4000,
  minMotion: 0.05,
  unknownFrames: 3,
  lostMs: 1000,
  motionHintMs: 1500,
})

export interface Observation<P = unknown> {
  /** Frame time, ms (any origin, non-decreasing). */
  t: number
  quality: FaceQualityReason
  /**
   * Who the frame's face matched: a member id, null when the face matched nobody, undefined when no descriptor was
   * computed for the frame (the quality gates refused it, or inference failed).
   */
  memberId: number | null | undefined
  /** L2 distance to that member's closest descriptor (for picking the best frame and the device's score). */
  distance: number | null
  yaw: number | null
  /** What the caller keeps with the best frame (its descriptor and photo). */
  payload?: P
}

export type TrackerState<P = unknown> =
  | { status: 'idle' }
  | { status: 'adjust'; reason: Exclude<FaceQualityReason, 'ok' | 'no_face'> }
  | { status: 'searching' }
  | { status: 'checking'; memberId: number; frames: number; needsMotion: boolean }
  | { status: 'unknown' }
  | { status: 'accepted'; memberId: number; distance: number; payload: P | undefined; frames: number; motion: number; elapsedMs: number }

/** Yaw spread of a set of observations (max - min), 0 when fewer than two have a yaw. */
export function yawSpread(observations: readonly Pick<Observation, 'yaw'>[]): number {
  let min = Infinity
  let max = -Infinity
  for (const o of observations) {
    if (o.yaw === null || !Number.isFinite(o.yaw)) continue
    min = Math.min(min, o.yaw)
    max = Math.max(max, o.yaw)
  }
  return max > min ? max - min : 0
}

export class FaceTracker<P = unknown> {
  readonly options: Readonly<TrackerOptions>
  private candidate: number | null = null
  private frames: Observation<P>[] = []
  private unknownStreak = 0
  private lastFaceAt: number | null = null
  private current: TrackerState<P> = { status: 'idle' }

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_TRACKER_OPTIONS, ...options })
  }

  get state(): TrackerState<P> {
    return this.current
  }

  /** Forget everything (a new person, a mode change, after a record). */
  reset(): void {
    this.candidate = null
    this.frames = []
    this.unknownStreak = 0
    this.current = { status: 'idle' }
  }

  feed(o: Observation<P>): TrackerState<P> {
    const opts = this.options
    if (o.quality === 'no_face') {
      if (this.lastFaceAt === null || o.t - this.lastFaceAt > opts.lostMs) this.reset()
      return this.current
    }
    this.lastFaceAt = o.t
    if (o.quality !== 'ok') {
      // Someone else stepped in: whatever was being checked is no longer the one person in view.
      if (o.quality === 'multiple_faces') {
        this.candidate = null
        this.frames = []
        this.unknownStreak = 0
      }
      return (this.current = { status: 'adjust', reason: o.quality })
    }
    if (o.memberId === undefined) return this.current
    if (o.memberId === null) {
      this.unknownStreak++
      if (this.unknownStreak >= opts.unknownFrames) {
        this.candidate = null
        this.frames = []
        return (this.current = { status: 'unknown' })
      }
      // A turned head may miss a frame or two; keep what was being checked.
      return this.current.status === 'checking' || this.current.status === 'unknown' ? this.current : (this.current = { status: 'searching' })
    }

    this.unknownStreak = 0
    if (this.candidate !== o.memberId) {
      this.candidate = o.memberId
      this.frames = []
    }
    this.frames = this.frames.filter((f) => o.t - f.t <= opts.windowMs)
    this.frames.push(o)
    const count = this.frames.length
    const motion = yawSpread(this.frames)
    const first = this.frames[0] as Observation<P>
    if (count >= opts.confirmFrames && motion >= opts.minMotion) {
      const best = this.frames.reduce((a, b) => ((b.distance ?? Infinity) < (a.distance ?? Infinity) ? b : a))
      const accepted: TrackerState<P> = {
        status: 'accepted',
        memberId: o.memberId,
        distance: best.distance ?? 0,
        payload: best.payload,
        frames: count,
        motion,
        elapsedMs: o.t - first.t,
      }
      // The next acceptance of anyone needs fresh frames.
      this.candidate = null
      this.frames = []
      return (this.current = accepted)
    }
    const needsMotion = opts.minMotion > 0 && count >= opts.confirmFrames && o.t - first.t >= opts.motionHintMs
    return (this.current = { status: 'checking', memberId: o.memberId, frames: count, needsMotion })
  }
}
