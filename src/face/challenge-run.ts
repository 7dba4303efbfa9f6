// One person answering one liveness challenge, frame by frame, and the evidence it leaves: the challenge's state
// machine (shared/face/liveness.ts) on the frames' landmarks, the key frames kept as they happen, then a few steady
// frontal frames. Pure: the phone's camera screen (useFaceScanner) and the kiosk (useKioskFaces) feed it.
//
// The steps are fixed for the run (the server issued them, or the device drew them offline): a turn the wrong way
// starts the same steps again rather than drawing new ones, since an issued challenge is the server's to choose.
import type { LivenessStep } from '@shared/attendance/evidence'
import { LivenessChallenge, type LivenessOptions, type LivenessState, type Point } from '@shared/face/liveness'
import { EvidenceRecorder, type KeptFrame, type RecorderOptions } from './evidence'

export interface RunFrame<I> {
  /** Frame time, ms (any origin, non-decreasing). */
  t: number
  /** The one face's landmarks when the challenge may use them (hints.ts livenessLandmarks), else null. */
  landmarks: readonly Point[] | null
  /** The crop of the frame's main face, or null when the frame has none. */
  image: I | null
  /** Good enough to be one of the frontal frames after the pass: quality gates pass, looking straight, not moving. */
  steady: boolean
  /** No face, or more than one, in view. */
  faceLost: boolean
}

export type RunStage = 'liveness' | 'after' | 'done' | 'failed'
export type RunNotice = 'wrong_way' | 'restarted'

export interface RunState {
  stage: RunStage
  liveness: LivenessState
  /** Set on the frame that started the challenge over, and why. */
  notice: RunNotice | null
  /** Frontal frames kept after the pass so far. */
  after: number
}

export interface RunOptions {
  recorder: Partial<RecorderOptions>
  liveness: Partial<LivenessOptions>
  /** After the pass, the face must stay in view; gone longer than this and the challenge starts over. */
  lostRestartMs: number
}

export class ChallengeRun<I> {
  readonly steps: readonly LivenessStep[]
  private readonly options: RunOptions
  private challenge: LivenessChallenge
  private readonly recorder: EvidenceRecorder<I>
  private stage: RunStage = 'liveness'
  private lostSince: number | null = null

  constructor(steps: readonly LivenessStep[], options: Partial<RunOptions> = {}) {
    this.steps = Object.freeze([...steps])
    this.options = { recorder: {}, liveness: {}, lostRestartMs: 1500, ...options }
    this.challenge = new LivenessChallenge(this.steps, this.options.liveness)
    this.recorder = new EvidenceRecorder<I>(this.options.recorder)
  }

  get state(): RunState {
    return { stage: this.stage, liveness: this.challenge.state, notice: null, after: this.recorder.afterKept }
  }

  /** The same steps again from the start, nothing kept. */
  restart(): void {
    this.challenge = new LivenessChallenge(this.steps, this.options.liveness)
    this.recorder.reset()
    this.stage = 'liveness'
    this.lostSince = null
  }

  feed(frame: RunFrame<I>): RunState {
    if (this.stage === 'done' || this.stage === 'failed') return this.state
    if (this.stage === 'liveness') {
      const before = this.challenge.state
      const after = this.challenge.feed({ t: frame.t, landmarks: frame.landmarks })
      this.recorder.observe(frame.t, frame.image, before, after)
      if (after.status === 'passed') {
        this.stage = 'after'
      } else if (after.status === 'failed') {
        if (after.reason === 'wrong_direction') {
          this.restart()
          return { ...this.state, notice: 'wrong_way' }
        }
        this.stage = 'failed'
      }
      return this.state
    }
    // After the pass: a few steady frontal frames of the same, still present, face.
    if (frame.faceLost) {
      this.lostSince ??= frame.t
      if (frame.t - this.lostSince > this.options.lostRestartMs) {
        // Someone could swap the live face for a photo after the challenge: losing the face means starting over.
        this.restart()
        return { ...this.state, notice: 'restarted' }
      }
      return this.state
    }
    this.lostSince = null
    if (frame.steady && this.recorder.offerAfter(frame.t, frame.image) === 'complete') this.stage = 'done'
    return this.state
  }

  /** The kept frames (start, turns, returns, frontal frames after), timed from the first. */
  frames(): KeptFrame<I>[] {
    return this.recorder.frames()
  }
}
