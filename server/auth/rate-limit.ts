import { TooManyRequestsError } from '../errors'

/**
 * Counts attempts per key (a client address) in a one-minute window, in memory. Accounts also lock in the database
 * after repeated failures; this limit stops one client from trying many accounts.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(private readonly perMinute: number) {}

  hit(key: string, now = Date.now()): void {
    const w = this.windows.get(key)
    if (!w || now - w.start >= 60_000) {
      this.windows.set(key, { start: now, count: 1 })
      if (this.windows.size > 10_000) this.prune(now)
      return
    }
    w.count++
    if (w.count > this.perMinute) {
      const retry = Math.ceil((w.start + 60_000 - now) / 1000)
      throw new TooManyRequestsError('Too many sign-in attempts. Wait a minute and try again.', 'TOO_MANY_ATTEMPTS', retry)
    }
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key)
  }
}

export const MAX_FAILED_ATTEMPTS = 5
export const LOCK_MINUTES = 15

/**
 * Locks a client (an address) out of one kind of guess after MAX_FAILED_ATTEMPTS wrong answers, for LOCK_MINUTES:
 * for secrets that belong to no account, such as a tablet's one-time enrolment code, where there is no account row to
 * lock. Like `claimAttempt` for accounts, the attempt is claimed BEFORE the secret is checked, synchronously (no await
 * between reading and counting), so 20 guesses arriving at once cannot all be checked: at most MAX_FAILED_ATTEMPTS are.
 * Failures older than the lock period are forgotten. In memory, per server instance, like AttemptLimiter.
 */
export class ClientLockout {
  private readonly clients = new Map<string, { claimed: number; last: number; lockedUntil: number }>()

  constructor(
    private readonly code: string,
    private readonly maxFailures = MAX_FAILED_ATTEMPTS,
    private readonly lockMs = LOCK_MINUTES * 60_000,
  ) {}

  /** Takes one attempt; throws 429 (this lockout's code, with retry_after_seconds) while the client is locked. */
  claim(key: string, now = Date.now()): { succeeded: () => void; failed: () => void } {
    let entry = this.clients.get(key)
    if (entry && entry.lockedUntil > now) this.refuse(entry.lockedUntil, now)
    if (!entry || entry.lockedUntil !== 0 || now - entry.last >= this.lockMs) {
      entry = { claimed: 0, last: now, lockedUntil: 0 }
      this.clients.set(key, entry)
      if (this.clients.size > 10_000) this.prune(now)
    }
    const e = entry
    e.claimed++
    e.last = now
    const claimed = e.claimed
    const lock = () => {
      e.lockedUntil = now + this.lockMs
      this.refuse(e.lockedUntil, now)
    }
    if (claimed > this.maxFailures) lock()
    return {
      succeeded: () => {
        if (e.lockedUntil === 0) e.claimed = 0
      },
      failed: () => {
        if (claimed >= this.maxFailures) lock()
      },
    }
  }

  private refuse(until: number, now: number): never {
    const seconds = Math.max(1, Math.ceil((until - now) / 1000))
    throw new TooManyRequestsError(`Too many wrong attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, this.code, seconds)
  }

  private prune(now: number): void {
    for (const [key, e] of this.clients) if (e.lockedUntil <= now && now - e.last >= this.lockMs) this.clients.delete(key)
  }
}
