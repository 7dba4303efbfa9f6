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
