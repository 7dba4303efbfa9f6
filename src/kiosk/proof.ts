// The kiosk's liveness, one person at a time: while the tablet finds out who is in front of it (1:N or 1:1, the
// tracker), the same frames run that person's liveness challenge (../face/challenge-run.ts: the kiosk's is natural
// movement, a 'move' step, so stepping in is often enough) and keep its evidence. The record is made when both are
// done. Another face (a
// different member, or a frontal face too far from the run's first one: someone nobody registered, stepping in
// without a gap), or no face for a while (the tracker says idle), starts over with nothing kept: the evidence must
// show one person, or the server refuses it. Pure (tested alone).
import { l2Distance } from '@shared/face/match'
import { ChallengeRun, type RunFrame, type RunState } from '~/face/challenge-run'
import type { CaptureChallenge, KeptFrame } from '~/face/evidence'

export interface ProofFrame<I> extends RunFrame<I> {
  /** Whom this frame's face matched: a member, nobody (null), or not known for this frame (undefined). */
  memberId: number | null | undefined
  /** The face's descriptor when the frame is frontal (turned faces' descriptors drift too far to compare). */
  descriptor?: Float32Array | null
}

/**
 * Frontal frames of one person a moment apart measure ~0.1-0.3 from each other, different people 0.5 and more; the
 * server holds a capture's frontal frames to SAME_PERSON_FRONTAL_MAX (server/face/evidence.ts), so the kiosk does too.
 */
export const SAME_PERSON_MAX = 0.45

export interface Proof<I> {
  memberId: number
  challenge: CaptureChallenge
  frames: KeptFrame<I>[]
}

export class KioskProof<I> {
  private run: ChallengeRun<I> | null = null
  private challenge: CaptureChallenge | null = null
  private owner: number | null = null
  /** The first frontal descriptor of the current run: every later frontal frame must be the same person. */
  private anchor: Float32Array | null = null

  constructor(private readonly options: { after?: number; timeoutMs?: number } = {}) {}

  /** The member whose frames the current run holds, if known. */
  get memberId(): number | null {
    return this.owner
  }

  get state(): RunState | null {
    return this.run?.state ?? null
  }

  get current(): CaptureChallenge | null {
    return this.challenge
  }

  reset(): void {
    this.run = null
    this.challenge = null
    this.owner = null
    this.anchor = null
  }

  private begin(challenge: CaptureChallenge | null): void {
    this.challenge = challenge
    this.anchor = null
    this.run = challenge
      ? new ChallengeRun<I>(challenge.steps, {
          recorder: { after: this.options.after ?? 2 },
          liveness: this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {},
        })
      : null
  }

  /**
   * One analysed frame. `ready` is the kiosk's challenge for the next answer (null while it has none): when it is not
   * the one this run answers (that one was used by a record, or replaced), the run starts again on the new one.
   */
  feed(frame: ProofFrame<I>, ready: CaptureChallenge | null): RunState | null {
    if (typeof frame.memberId === 'number') {
      // Someone else now: what was kept shows another person.
      if (this.owner !== null && frame.memberId !== this.owner) this.run = null
      this.owner = frame.memberId
    }
    if (frame.descriptor && this.anchor && l2Distance(this.anchor, frame.descriptor) > SAME_PERSON_MAX) {
      // A different face, even one nobody registered: start over, and whoever it is must be matched again.
      this.run = null
      if (typeof frame.memberId !== 'number') this.owner = null
    }
    if (ready !== this.challenge) this.run = null
    // A run that timed out (someone standing there without moving) starts again, silently.
    if (!this.run || this.run.state.stage === 'failed') {
      if (frame.faceLost) return null
      this.begin(ready)
    }
    if (frame.descriptor && this.run) this.anchor ??= frame.descriptor
    return this.run ? this.run.feed(frame) : null
  }

  /** The finished evidence of this member, or null while their challenge is not answered yet. */
  proofOf(memberId: number): Proof<I> | null {
    if (this.owner !== memberId || !this.run || !this.challenge || this.run.state.stage !== 'done') return null
    return { memberId, challenge: this.challenge, frames: this.run.frames() }
  }
}
