// The kiosk keeps one liveness challenge ready for the next person, so nobody waits for the server in the queue: a
// challenge the server issued (one turn, purpose 'kiosk'), fetched again as soon as one is used or when it nears its
// expiry; without a network (or when the server refuses), one the tablet draws itself, marked offline, and a fresh
// issued one again once the server answers. Pure apart from the request it is given (tested alone).
import type { IssuedChallenge } from '@shared/attendance/evidence'
import { type CaptureChallenge, issuedChallenge, offlineChallenge } from '~/face/challenge'

export interface KeeperOptions {
  issue: () => Promise<IssuedChallenge>
  now?: () => number
  random?: () => number
  /** An issued challenge closer than this to its expiry is replaced (a person needs a few seconds to answer it). */
  marginMs?: number
  /** While on the tablet's own challenge, how often to try the server again. */
  retryMs?: number
}

export class ChallengeKeeper {
  private ready: CaptureChallenge | null = null
  private fetching: Promise<void> | null = null
  private lastTry = Number.NEGATIVE_INFINITY
  private readonly now: () => number
  private readonly marginMs: number
  private readonly retryMs: number

  constructor(private readonly options: KeeperOptions) {
    this.now = options.now ?? Date.now
    this.marginMs = options.marginMs ?? 60_000
    this.retryMs = options.retryMs ?? 30_000
  }

  private answerable(c: CaptureChallenge | null): c is CaptureChallenge {
    return c !== null && (c.expiresAt === null || c.expiresAt - this.now() > this.marginMs)
  }

  /** The challenge for the next person, or null while the first one is being fetched. Keeps the supply going. */
  current(): CaptureChallenge | null {
    void this.ensure()
    return this.answerable(this.ready) ? this.ready : null
  }

  /** A capture answered this challenge: never use it again, and fetch the next one now. */
  consume(challenge: CaptureChallenge): void {
    if (this.ready === challenge) this.ready = null
    this.lastTry = Number.NEGATIVE_INFINITY
    void this.ensure()
  }

  /** Fetches a new challenge when there is none, it nears its expiry, or it is the tablet's own and a retry is due. */
  ensure(): Promise<void> {
    if (this.fetching) return this.fetching
    const due = !this.answerable(this.ready) || (this.ready.mode === 'offline' && this.now() - this.lastTry >= this.retryMs)
    if (!due) return Promise.resolve()
    this.lastTry = this.now()
    this.fetching = (async () => {
      try {
        this.ready = issuedChallenge(await this.options.issue())
      } catch {
        // No server (or it refused): the tablet's own, so the queue keeps moving; its records say so.
        if (!this.answerable(this.ready)) this.ready = offlineChallenge('kiosk', this.options.random)
      } finally {
        this.fetching = null
      }
    })()
    return this.fetching
  }
}
