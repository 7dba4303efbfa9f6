// Liveness challenges the server issues: a random sequence of head turns (for a kiosk: one 'move' step, natural
// movement, shared/attendance/evidence.ts challengeSteps) and a nonce that answers once, within a
// short expiry. A device asks for one before a capture (online); the capture's evidence names it; the server checks
// that the frames follow exactly these turns and marks the nonce used by that capture. A recording of an earlier
// session carries an earlier, used (or expired) nonce, or the wrong turns for a new one.
import crypto from 'node:crypto'
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { livenessChallenges } from '../../db/schema'
import { AppError, ForbiddenError } from '../../errors'
import type { ServiceContext } from '../../lib/service-context'
import { CHALLENGE_TTL_MS, challengeSteps, type ChallengePurpose, type IssuedChallenge, type LivenessStep } from '../../../shared/attendance/evidence'

/** Unanswered, unexpired challenges one member or tablet may hold at once (a loop asking for more gets 429). */
const MAX_OPEN_CHALLENGES = 20
/** A capture may claim to have been made this much before its challenge was issued or after it expired (clock jitter). */
export const CHALLENGE_WINDOW_SLACK_MS = 60_000

/** A new challenge's steps for `purpose` (shared/attendance/evidence.ts challengeSteps), drawn with crypto's random. */
export function randomSteps(purpose: ChallengePurpose): LivenessStep[] {
  return challengeSteps(purpose, () => crypto.randomInt(1 << 30) / (1 << 30))
}

function present(row: typeof livenessChallenges.$inferSelect): IssuedChallenge {
  return {
    challenge_id: row.id,
    purpose: row.purpose,
    steps: row.steps as LivenessStep[],
    issued_at: row.issuedAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
  }
}

/** Issues a challenge to a member (phone, registration, sign-in) or to an enrolled tablet (kiosk). */
export async function issueChallenge(
  db: Tx,
  input: { organizationId: number; purpose: ChallengePurpose; memberId: number | null; deviceId: number | null; now?: Date },
): Promise<IssuedChallenge> {
  const now = input.now ?? new Date()
  const holder = input.deviceId !== null && input.purpose === 'kiosk' ? eq(livenessChallenges.deviceId, input.deviceId) : input.memberId !== null ? eq(livenessChallenges.organizationMemberId, input.memberId) : null
  if (holder) {
    const [open] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(livenessChallenges)
      .where(and(eq(livenessChallenges.organizationId, input.organizationId), holder, isNull(livenessChallenges.usedAt), gt(livenessChallenges.expiresAt, now)))
    if ((open?.n ?? 0) >= MAX_OPEN_CHALLENGES) {
      throw new AppError(429, 'TOO_MANY_CHALLENGES', 'Too many open challenges. Finish or wait for the current one.')
    }
  }
  const [row] = await db
    .insert(livenessChallenges)
    .values({
      id: crypto.randomUUID(),
      organizationId: input.organizationId,
      purpose: input.purpose,
      steps: randomSteps(input.purpose),
      organizationMemberId: input.purpose === 'kiosk' ? null : input.memberId,
      deviceId: input.deviceId,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS[input.purpose]),
    })
    .returning()
  return present(row!)
}

/** A challenge that is never stored (sign-in for a member who does not exist): it looks the same and never answers. */
export function decoyChallenge(purpose: ChallengePurpose, now = new Date()): IssuedChallenge {
  return {
    challenge_id: crypto.randomUUID(),
    purpose,
    steps: randomSteps(purpose),
    issued_at: now.toISOString(),
    expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS[purpose]).toISOString(),
  }
}

export type ChallengeOutcome =
  | { ok: true; steps: LivenessStep[]; issuedAt: Date; expiresAt: Date; inWindow: boolean }
  | { ok: false; code: 'challenge_unknown' | 'challenge_reused' | 'outside_window' }

/**
 * Answers a challenge with a capture: checks it was issued to this caller for one of these purposes, and marks it
 * used by `usedBy` (the same `usedBy` may answer again: a retried job). `capturedAt` is when the capture claims to
 * have been made (checked against the window: `inWindow`); `requireOpen` refuses an expired challenge outright
 * (sign-in and registration happen now, not from an outbox).
 */
export async function answerChallenge(
  db: Tx,
  input: {
    organizationId: number
    id: string
    purposes: readonly ChallengePurpose[]
    memberId: number | null
    deviceId: number | null
    usedBy: string
    capturedAt: Date
    receivedAt?: Date
    requireOpen?: boolean
  },
): Promise<ChallengeOutcome> {
  const [row] = await db
    .select()
    .from(livenessChallenges)
    .where(and(eq(livenessChallenges.id, input.id), eq(livenessChallenges.organizationId, input.organizationId)))
  if (!row || !input.purposes.includes(row.purpose)) return { ok: false, code: 'challenge_unknown' }
  // Kiosk challenges belong to the tablet; the others to the member they were issued to.
  if (row.purpose === 'kiosk' ? row.deviceId === null || row.deviceId !== input.deviceId : row.organizationMemberId !== input.memberId) {
    return { ok: false, code: 'challenge_unknown' }
  }
  const receivedAt = input.receivedAt ?? new Date()
  if (input.requireOpen && receivedAt.getTime() > row.expiresAt.getTime()) return { ok: false, code: 'outside_window' }
  const [used] = await db
    .update(livenessChallenges)
    .set({ usedAt: receivedAt, usedBy: input.usedBy })
    .where(and(eq(livenessChallenges.id, row.id), or(isNull(livenessChallenges.usedBy), eq(livenessChallenges.usedBy, input.usedBy))))
    .returning({ id: livenessChallenges.id })
  if (!used) return { ok: false, code: 'challenge_reused' }
  const at = input.capturedAt.getTime()
  const inWindow =
    at >= row.issuedAt.getTime() - CHALLENGE_WINDOW_SLACK_MS &&
    at <= row.expiresAt.getTime() + CHALLENGE_WINDOW_SLACK_MS &&
    receivedAt.getTime() >= row.issuedAt.getTime()
  return { ok: true, steps: row.steps as LivenessStep[], issuedAt: row.issuedAt, expiresAt: row.expiresAt, inWindow }
}

/** Drops challenges that expired more than a day ago (the hourly maintenance). */
export async function purgeChallenges(db: Tx, now = new Date()): Promise<number> {
  const rows = await db
    .delete(livenessChallenges)
    .where(lt(livenessChallenges.expiresAt, new Date(now.getTime() - 24 * 3600_000)))
    .returning({ id: livenessChallenges.id })
  return rows.length
}

/**
 * A liveness challenge for the capture the caller's device is about to make (random turns, a nonce answering once):
 * a kiosk's for a petugas on an enrolled tablet, a check-in's or a face registration's for the member themselves.
 */
export function challengeFor(ctx: ServiceContext, purpose: ChallengePurpose): Promise<IssuedChallenge> {
  if (purpose === 'kiosk' && (!ctx.deviceId || !ctx.permissions.has('attendance:record:create'))) {
    throw new ForbiddenError('Kiosk challenges are for a petugas on an enrolled tablet', 'NOT_ALLOWED')
  }
  if (purpose === 'attendance' && (!ctx.memberId || !ctx.permissions.has('attendance:record:submit'))) throw new ForbiddenError('Only a member checks in from their phone', 'NOT_ALLOWED')
  if (purpose === 'register' && (!ctx.memberId || !ctx.permissions.has('member:face:register'))) throw new ForbiddenError('Only a member registers their own face', 'NOT_ALLOWED')
  return issueChallenge(ctx.deps.database.db, { organizationId: ctx.organizationId, purpose, memberId: ctx.memberId, deviceId: ctx.deviceId })
}
