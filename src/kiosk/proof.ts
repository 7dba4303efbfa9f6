// The kiosk's liveness, one person at a time: while the tablet finds out who is in front of it (1:N or 1:1, the
// tracker), the same frames run that person's one-turn challenge (../face/challenge-run.ts) and keep its evidence.
// The turn is asked for once the member is recognised; the record is made when both are done. A different member's
// face, or no face for a while (the tracker says idle), starts over with nothing kept. Pure (tested alone).
import { ChallengeRun, type RunFrame, type RunState } from '~/face/challenge-run'
import type { CaptureChallenge, KeptFrame } from '~/face/evidence'

export interface ProofFrame<I> extends RunFrame<I> {
  /** Whom this frame's face matched: a member, nobody (null), or not known for this frame (undefined). */
  memberId: number | null | undefined
}

export interface Proof<I> {
  memberId: number
  challenge: CaptureChallenge
  frames: KeptFrame<I>[]
}

export class KioskProof<I> {
  private run: ChallengeRun<I> | null = null
  private challenge: CaptureChallenge | null = null
  private owner: number | null = null

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
  }

  private begin(challenge: CaptureChallenge | null): void {
    this.challenge = challenge
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
    if (ready !== this.challenge) this.run = null
    // A run that timed out (someone standing there without turning) starts again, silently.
    if (!this.run || this.run.state.stage === 'failed') {
      if (frame.faceLost) return null
      this.begin(ready)
    }
    return this.run ? this.run.feed(frame) : null
  }

  /** The finished evidence of this member, or null while their challenge is not answered yet. */
  proofOf(memberId: number): Proof<I> | null {
    if (this.owner !== memberId || !this.run || !this.challenge || this.run.state.stage !== 'done') return null
    return { memberId, challenge: this.challenge, frames: this.run.frames() }
  }
}
