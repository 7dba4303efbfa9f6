import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Attempt counters shared by every server instance (server/auth/rate-limit.ts): per-minute allowances of sign-in, PIN,
 * invitation and enrolment tries per client address or tablet, and lockouts of a client after repeated wrong answers
 * (a tablet's enrolment code). Keyed by what is limited (`rate:login:<ip>`, `lock:enrol:<ip>`); not tenant data (no
 * organization, no RLS). Rows of past windows are pruned by the hourly maintenance.
 */
export const attemptCounters = pgTable('attempt_counters', {
  key: text('key').primaryKey(),
  /** Start of the current one-minute window (rate) / time of the last claimed try (lock). */
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull(),
  /** A lockout's end; null while the client is not locked. */
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
})

/**
 * Periodic work that must run once across all instances (the hourly maintenance): the instance that moves `started_at`
 * forward runs it; the others, finding it recent, skip (server/jobs/once.ts).
 */
export const scheduledRuns = pgTable('scheduled_runs', {
  name: text('name').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
})
