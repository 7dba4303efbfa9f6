import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { attemptCounters } from '../db/schema'
import { TooManyRequestsError } from '../errors'

/** A timestamp parameter (both drivers: postgres.js and PGlite). */
const at = (d: Date) => sql`${d.toISOString()}::timestamptz`

/**
 * Counts attempts per key (a client address) in a one-minute window, in the database (attempt_counters), so every
 * server instance counts against the same allowance. Accounts also lock in the database after repeated failures; this
 * limit stops one client from trying many accounts. One statement per hit (an upsert: concurrent hits of one key are
 * serialized on its row, none is lost).
 */
export class AttemptLimiter {
  constructor(
    private readonly db: Db,
    private readonly perMinute: number,
    /** What a refusal says (API tokens have an allowance of their own, server/features/tokens). */
    private readonly refusal: { code: 'TOO_MANY_ATTEMPTS' | 'RATE_LIMITED'; message: string } = { code: 'TOO_MANY_ATTEMPTS', message: 'Too many sign-in attempts. Wait a minute and try again.' },
  ) {}

  async hit(key: string, now = new Date(Date.now())): Promise<void> {
    const edge = new Date(now.getTime() - 60_000)
    const expired = sql`${attemptCounters.windowStart} <= ${at(edge)}`
    const [row] = await this.db
      .insert(attemptCounters)
      .values({ key: `rate:${key}`, windowStart: now, count: 1 })
      .onConflictDoUpdate({
        target: attemptCounters.key,
        set: {
          count: sql`case when ${expired} then 1 else ${attemptCounters.count} + 1 end`,
          windowStart: sql`case when ${expired} then ${at(now)} else ${attemptCounters.windowStart} end`,
        },
      })
      .returning({ windowStart: attemptCounters.windowStart, count: attemptCounters.count })
    if (row!.count > this.perMinute) {
      const retry = Math.max(1, Math.ceil((row!.windowStart.getTime() + 60_000 - now.getTime()) / 1000))
      throw new TooManyRequestsError(this.refusal.message, this.refusal.code, retry)
    }
  }
}

export const MAX_FAILED_ATTEMPTS = 5
export const LOCK_MINUTES = 15

/**
 * Locks a client (an address) out of one kind of guess after MAX_FAILED_ATTEMPTS wrong answers, for LOCK_MINUTES:
 * for secrets that belong to no account, such as a tablet's one-time enrolment code, where there is no account row to
 * lock. Like `claimAttempt` for accounts, the attempt is claimed BEFORE the secret is checked, in one statement on the
 * client's row (attempt_counters), so 20 guesses arriving at once, at any instances, cannot all be checked: at most
 * MAX_FAILED_ATTEMPTS are. Failures older than the lock period are forgotten. `failed` and `succeeded` write to the
 * database: call them outside any open transaction (PGlite runs one statement at a time).
 */
export class ClientLockout {
  constructor(
    private readonly db: Db,
    /** The 429's code (a literal: the OpenAPI document lists it, tools/openapi/error-codes.ts). */
    private readonly code: 'ENROL_LOCKED',
    private readonly maxFailures = MAX_FAILED_ATTEMPTS,
    private readonly lockMs = LOCK_MINUTES * 60_000,
  ) {}

  /** Takes one attempt; throws 429 (this lockout's code, with retry_after_seconds) while the client is locked. */
  async claim(key: string, now = new Date(Date.now())): Promise<{ succeeded: () => Promise<void>; failed: () => Promise<void> }> {
    const id = `lock:${key}`
    const c = attemptCounters
    const locked = sql`${c.lockedUntil} > ${at(now)}`
    // A new count when the last lock is over or the last try is older than the lock period.
    const fresh = sql`(${c.lockedUntil} is not null or ${c.windowStart} <= ${at(new Date(now.getTime() - this.lockMs))})`
    const until = new Date(now.getTime() + this.lockMs)
    const [row] = await this.db
      .insert(c)
      .values({ key: id, windowStart: now, count: 1, lockedUntil: this.maxFailures < 1 ? until : null })
      .onConflictDoUpdate({
        target: c.key,
        set: {
          count: sql`case when ${locked} then ${c.count} when ${fresh} then 1 else ${c.count} + 1 end`,
          lockedUntil: sql`case when ${locked} then ${c.lockedUntil} when ${fresh} then ${this.maxFailures < 1 ? at(until) : sql`null`} when ${c.count} + 1 > ${this.maxFailures} then ${at(until)} else null end`,
          windowStart: sql`case when ${locked} then ${c.windowStart} else ${at(now)} end`,
        },
      })
      .returning({ count: c.count, lockedUntil: c.lockedUntil })
    if (row!.lockedUntil && row!.lockedUntil > now) this.refuse(row!.lockedUntil, now)
    const claimed = row!.count
    return {
      succeeded: async () => {
        await this.db.update(c).set({ count: 0 }).where(and(eq(c.key, id), isNull(c.lockedUntil)))
      },
      failed: async () => {
        if (claimed < this.maxFailures) return
        const [set] = await this.db
          .update(c)
          .set({ lockedUntil: until })
          .where(and(eq(c.key, id), or(isNull(c.lockedUntil), lt(c.lockedUntil, until))))
          .returning({ lockedUntil: c.lockedUntil })
        this.refuse(set?.lockedUntil ?? until, now)
      },
    }
  }

  private refuse(until: Date, now: Date): never {
    const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))
    throw new TooManyRequestsError(`Too many wrong attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, this.code, seconds)
  }
}

/** Forgets counters no limit needs any more (windows and locks long over); the hourly maintenance calls it. */
export async function pruneAttemptCounters(db: Db, now = new Date()): Promise<number> {
  const day = new Date(now.getTime() - 24 * 3600_000)
  const gone = await db
    .delete(attemptCounters)
    .where(and(lt(attemptCounters.windowStart, day), or(isNull(attemptCounters.lockedUntil), lt(attemptCounters.lockedUntil, now))))
    .returning({ key: attemptCounters.key })
  return gone.length
}
