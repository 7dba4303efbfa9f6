// Randomized active liveness challenge on 68-point landmark sequences (plain TypeScript: no DOM, no Node).
//
// The member is asked to turn the head left or right (a random sequence) and back. Head yaw is estimated from the
// landmarks of each frame; the challenge passes only when, for every step, the face starts near frontal, the yaw
// crosses a threshold in the asked direction, and the face comes back near frontal. A still image never changes its
// yaw and fails (timeout). Because the yaw is a ratio of positions along the eye line, tilting or rotating a flat
// printed photo barely changes it either. Known limit: a replayed video of the right head turns passes.
//
// The kiosk's step, 'move' (issue 18: a pupil stepping in front of a staffed gate is not asked to do anything): no
// direction is asked for. It passes once the held poses seen so far span at least `moveYaw` of yaw (the head looked
// aside and at the tablet, in either order: what stepping in and looking at the screen does) and one of them was
// frontal. A photo held up, moved closer, tilted or rotated keeps its yaw and never passes. What it gives up against
// a turn: the direction nobody could know in advance, so a replayed video of the member moving passes too (the
// petugas at the gate is the defence there; phones always get turns, and the server refuses 'move' from a phone).
//
// The logic is pure: feed it frames ({ t, landmarks }) from the camera, or a recorded sequence in tests.

export interface Point {
  x: number
  y: number
}

export type LivenessDirection = 'turn_left' | 'turn_right'
/** What one step of a challenge asks: a head turn one way, or (the kiosk) any natural movement of the head. */
export type LivenessAction = LivenessDirection | 'move'

// iBUG 68-point indices (face-api's FaceLandmarks68 order).
const JAW_FIRST = 0 // jaw contour end on the image's left
const JAW_LAST = 16 // jaw contour end on the image's right
const NOSE_TIP = 30
const EYE_OUTER_IMAGE_LEFT = 36
const EYE_OUTER_IMAGE_RIGHT = 45
export const LANDMARK_COUNT = 68

/**
 * Head yaw estimate from 68 landmarks: where the nose tip sits between the jaw ends and between the outer eye corners,
 * measured along the eye line (so head roll does not matter), mapped to [-1, 1] and averaged. 0 is frontal; casual
 * portraits (../shared/faces/people) measure within about ±0.25; roughly 0.2 per 10° of head turn for small angles.
 *
 * Sign: positive = the nose moved towards the image's right, which in an un-mirrored camera frame means the person
 * turned to THEIR left. Pass `mirrored: true` when the landmarks come from a horizontally flipped frame.
 * Returns null when the landmarks are unusable (wrong count, degenerate geometry).
 */
export function estimateYaw(landmarks: readonly Point[], mirrored = false): number | null {
  if (landmarks.length !== LANDMARK_COUNT) return null
  const a = landmarks[EYE_OUTER_IMAGE_LEFT] as Point
  const b = landmarks[EYE_OUTER_IMAGE_RIGHT] as Point
  let ux = b.x - a.x
  let uy = b.y - a.y
  const len = Math.hypot(ux, uy)
  if (!(len > 0) || !Number.isFinite(len)) return null
  ux /= len
  uy /= len
  const along = (p: Point, origin: Point): number => (p.x - origin.x) * ux + (p.y - origin.y) * uy
  const nose = landmarks[NOSE_TIP] as Point
  const jawL = landmarks[JAW_FIRST] as Point
  const jawR = landmarks[JAW_LAST] as Point
  const jawWidth = along(jawR, jawL)
  const eyeWidth = along(b, a) // = len
  if (!(jawWidth > 0) || !(eyeWidth > 0)) return null
  const jawYaw = (2 * along(nose, jawL)) / jawWidth - 1
  const eyeYaw = (2 * along(nose, a)) / eyeWidth - 1
  const yaw = Math.max(-1, Math.min(1, (jawYaw + eyeYaw) / 2))
  if (!Number.isFinite(yaw)) return null
  return mirrored ? -yaw : yaw
}

/** The sign of estimateYaw that a turn in this direction produces (un-mirrored frames). */
export function directionSign(direction: LivenessDirection): 1 | -1 {
  return direction === 'turn_left' ? 1 : -1
}

/** Picks a random sequence of head turns; `random` returns numbers in [0, 1) (inject a seeded one in tests). */
export function chooseChallenge(random: () => number, steps = 2): LivenessDirection[] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('a liveness challenge needs at least one step')
  return Array.from({ length: steps }, () => (random() < 0.5 ? 'turn_left' : 'turn_right'))
}

export interface LivenessOptions {
  /** |yaw| at or under this counts as frontal (start and end of each step). */
  frontalYaw: number
  /** yaw must reach this in the asked direction. A turn this far the other way fails the challenge. */
  turnYaw: number
  /** Consecutive frames a pose must be held to count (filters landmark jitter). */
  holdFrames: number
  /** The whole challenge must be completed within this time (frame timestamps, ms) from the first frame. */
  timeoutMs: number
  /** Landmarks come from a horizontally flipped frame. */
  mirrored: boolean
  /** A 'move' step: the held poses' yaw must span at least this much (one of them frontal). */
  moveYaw: number
  /** A held pose: consecutive frames whose yaw stays within this of each other (a 'move' step's poses). */
  steadyYaw: number
  /** A 'move' step not passed this long after the first frontal pose asks for a small turn (prompt 'move'). */
  moveAskAfterMs: number
}

export const DEFAULT_LIVENESS_OPTIONS: Readonly<LivenessOptions> = Object.freeze({
  frontalYaw: 0.18,
  turnYaw: 0.4,
  holdFrames: 2,
  timeoutMs: 20_000,
  mirrored: false,
  // Measured with the kiosk's fake-camera videos (e2e/support/fake-camera.ts kioskStepInFrames) and the server's own
  // analysis of such captures (server/face/evidence.ts): the server's threshold sits 0.1 under this one.
  moveYaw: 0.25,
  steadyYaw: 0.08,
  moveAskAfterMs: 2500,
})

export type LivenessPhase = 'center' | 'turn' | 'return'
/** 'move': a 'move' step that natural movement has not passed for a while asks for a small turn either way. */
export type LivenessPrompt = 'look_straight' | LivenessDirection | 'move' | 'done'
export type LivenessFailure = 'timeout' | 'wrong_direction'

export interface LivenessFrame {
  /** Timestamp in ms (any origin, non-decreasing). */
  t: number
  /** 68 landmarks of the single face in the frame, or null when no (single) face was found. */
  landmarks: readonly Point[] | null
}

export interface LivenessState {
  status: 'pending' | 'passed' | 'failed'
  steps: readonly LivenessAction[]
  /** Index of the current step (steps.length once passed). */
  step: number
  phase: LivenessPhase
  /** What the UI should ask for now. */
  prompt: LivenessPrompt
  reason: LivenessFailure | null
  /** Yaw of the last frame with a usable face, or null. */
  yaw: number | null
  /**
   * A 'move' step: which end of the span of held poses this frame became ('both' for the first pose), null otherwise.
   * The evidence keeps the frames at both ends (src/face/evidence.ts), so the server sees the same span.
   */
  extreme: 'low' | 'high' | 'both' | null
}

interface HeldPose {
  t: number
  yaw: number
}

/**
 * State machine for one challenge. For each step: 'center' (hold a frontal pose) → 'turn' (hold a yaw past turnYaw in
 * the asked direction) → 'return' (hold frontal again) → next step. Passed after the last step's return.
 * Fails on timeout, or when the head turns past turnYaw the wrong way during a 'turn' phase. Once passed or failed,
 * further frames change nothing: start a new challenge (with a new random sequence) to retry.
 */
export class LivenessChallenge {
  readonly steps: readonly LivenessAction[]
  readonly options: Readonly<LivenessOptions>
  private step = 0
  private phase: LivenessPhase = 'center'
  private status: LivenessState['status'] = 'pending'
  private reason: LivenessFailure | null = null
  private held = 0
  private wrongHeld = 0
  private startedAt: number | null = null
  private lastYaw: number | null = null
  // A 'move' step: the last frames' yaw (for holding), the ends of the span of held poses, the first frontal pose.
  private recent: number[] = []
  private low: HeldPose | null = null
  private high: HeldPose | null = null
  private frontalAt: number | null = null
  private extreme: LivenessState['extreme'] = null
  /** The time of the last frame fed (for the 'move' prompt). */
  private lastT: number | null = null

  constructor(steps: readonly LivenessAction[], options: Partial<LivenessOptions> = {}) {
    if (steps.length === 0) throw new RangeError('a liveness challenge needs at least one step')
    if (steps.includes('move') && steps.length !== 1) throw new RangeError('a \'move\' step is a challenge of its own')
    this.steps = Object.freeze([...steps])
    this.options = Object.freeze({ ...DEFAULT_LIVENESS_OPTIONS, ...options })
    if (!(this.options.turnYaw > this.options.frontalYaw)) throw new RangeError('turnYaw must exceed frontalYaw')
  }

  /** A challenge with a random sequence of `steps` turns. */
  static random(random: () => number, steps = 2, options: Partial<LivenessOptions> = {}): LivenessChallenge {
    return new LivenessChallenge(chooseChallenge(random, steps), options)
  }

  get state(): LivenessState {
    const done = this.status !== 'pending'
    let prompt: LivenessPrompt
    if (this.status === 'passed') prompt = 'done'
    else if (this.steps[0] === 'move') prompt = !done && this.asksToMove() ? 'move' : 'look_straight'
    else if (done || this.phase !== 'turn') prompt = 'look_straight'
    else prompt = this.steps[this.step] as LivenessDirection
    return {
      status: this.status,
      steps: this.steps,
      step: this.step,
      phase: this.phase,
      prompt,
      reason: this.reason,
      yaw: this.lastYaw,
      extreme: this.extreme,
    }
  }

  private asksToMove(): boolean {
    return this.frontalAt !== null && this.lastT !== null && this.lastT - this.frontalAt >= this.options.moveAskAfterMs
  }

  feed(frame: LivenessFrame): LivenessState {
    this.extreme = null
    if (this.status !== 'pending') return this.state
    if (this.startedAt === null) this.startedAt = frame.t
    this.lastT = frame.t
    if (frame.t - this.startedAt > this.options.timeoutMs) {
      this.fail('timeout')
      return this.state
    }
    const yaw = frame.landmarks ? estimateYaw(frame.landmarks, this.options.mirrored) : null
    if (yaw === null) {
      // Face lost: the current pose is not being held.
      this.held = 0
      this.wrongHeld = 0
      this.recent = []
      return this.state
    }
    this.lastYaw = yaw
    if (this.steps[0] === 'move') return this.feedMove(frame.t, yaw)
    const { frontalYaw, turnYaw, holdFrames } = this.options
    const frontal = Math.abs(yaw) <= frontalYaw

    if (this.phase === 'center' || this.phase === 'return') {
      this.held = frontal ? this.held + 1 : 0
      if (this.held >= holdFrames) {
        this.held = 0
        if (this.phase === 'center') {
          this.phase = 'turn'
        } else {
          this.step++
          if (this.step >= this.steps.length) this.status = 'passed'
          else this.phase = 'turn' // frontal already held: the next step's 'center' is satisfied
        }
      }
      return this.state
    }

    // phase 'turn'
    const signed = yaw * directionSign(this.steps[this.step] as LivenessDirection)
    this.held = signed >= turnYaw ? this.held + 1 : 0
    this.wrongHeld = signed <= -turnYaw ? this.wrongHeld + 1 : 0
    if (this.wrongHeld >= holdFrames) {
      this.fail('wrong_direction')
    } else if (this.held >= holdFrames) {
      this.held = 0
      this.wrongHeld = 0
      this.phase = 'return'
    }
    return this.state
  }

  /** A 'move' step: widen the span of held poses with this frame's, pass once it is wide enough with a frontal pose. */
  private feedMove(t: number, yaw: number): LivenessState {
    const { holdFrames, steadyYaw, frontalYaw, moveYaw } = this.options
    this.recent.push(yaw)
    if (this.recent.length > holdFrames) this.recent.shift()
    // A pose counts once held for holdFrames frames (the head still, not a landmark glitch or a frame mid-turn).
    if (this.recent.length < holdFrames || Math.max(...this.recent) - Math.min(...this.recent) > steadyYaw) return this.state
    if (Math.abs(yaw) <= frontalYaw) this.frontalAt ??= t
    const lower = !this.low || yaw < this.low.yaw
    const higher = !this.high || yaw > this.high.yaw
    if (lower) this.low = { t, yaw }
    if (higher) this.high = { t, yaw }
    this.extreme = lower && higher ? 'both' : lower ? 'low' : higher ? 'high' : null
    if (this.frontalAt !== null && (this.high as HeldPose).yaw - (this.low as HeldPose).yaw >= moveYaw) {
      this.step = 1
      this.phase = 'return'
      this.status = 'passed'
    }
    return this.state
  }

  private fail(reason: LivenessFailure): void {
    this.status = 'failed'
    this.reason = reason
  }
}

/**
 * Runs a recorded sequence through a challenge. A sequence that ends before the challenge passes is not a pass:
 * the result is then status 'pending' (the caller treats anything but 'passed' as a failure).
 */
export function runLiveness(challenge: LivenessChallenge, frames: Iterable<LivenessFrame>): LivenessState {
  let state = challenge.state
  for (const frame of frames) {
    state = challenge.feed(frame)
    if (state.status !== 'pending') break
  }
  return state
}
