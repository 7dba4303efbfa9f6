import { and, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { attendanceRecords, organizations } from '../../db/schema'
import { closeForgottenCheckout, isOvernight, overnightBoundary, toLocal } from '../../../shared/attendance/rules'
import { addDays } from '../../../shared/calendar'
import { audit } from '../../audit'
import { memberSchedule, organizationRules } from './attendance.schedule'
import { capturedBefore, unlinkEvidenceFrames } from './evidence.store'
import { purgeChallenges } from './challenges'
import { requeueStuck } from './attendance.verify'
import { pruneAttemptCounters } from '../../auth/rate-limit'
import { runOnceAcrossInstances } from '../../jobs/once'
import { deletePhotos } from '../../storage/deletes'
import { requeuePendingDeliveries } from '../webhooks/webhooks.outbox'

/** How often the server runs the maintenance (server/index.ts ticks this often on every instance). */
export const MAINTENANCE_EVERY_MS = 60 * 60 * 1000

/**
 * The hourly maintenance, run by one instance only: every instance ticks hourly (and at start), the first to claim the
 * hour runs it, the others skip (runOnceAcrossInstances). A claim a little under the hour keeps ticks a few seconds
 * apart from skipping each other's hour.
 */
export async function runScheduledMaintenance(deps: AppDeps, now = new Date()) {
  return runOnceAcrossInstances(deps.database.db, 'maintenance', MAINTENANCE_EVERY_MS - 5 * 60_000, () => runMaintenance(deps, now), now)
}

/** Runs the periodic jobs for every organization; safe to run as often as you like. */
export async function runMaintenance(deps: AppDeps, now = new Date()) {
  const orgs = await deps.database.db.select({ id: organizations.id }).from(organizations)
  let closed = 0
  let purged = 0
  for (const { id } of orgs) {
    closed += await closeForgottenCheckouts(deps, id, now)
    purged += await purgeOldPhotos(deps, id, now)
  }
  const challenges = await purgeChallenges(deps.database.db, now)
  // Captures whose check was lost (queued while the process died): queued again; the job is idempotent.
  const requeued = await requeueStuck(deps)
  const counters = await pruneAttemptCounters(deps.database.db, now)
  // Webhook deliveries whose job was lost: queued again (a job still queued or waiting to retry is not doubled).
  const webhooks = await requeuePendingDeliveries(deps)
  return { closed, purged, challenges, requeued, counters, webhooks }
}

/**
 * Days that ended with a check-in and no check-out are closed by the organization's rule (at the end of the member's
 * schedule, flagged `auto_closed`), or left open. Today is never touched: the member may still check out; nor is
 * last night's shift before its morning is over (shiftMinute's boundary).
 */
export async function closeForgottenCheckouts(deps: AppDeps, organizationId: number, now = new Date()): Promise<number> {
  const { db } = deps.database
  const rules = await organizationRules(db, organizationId)
  if (rules.settings.forgotten_checkout_rule === 'leave_open') return 0
  const local = toLocal(now, rules.timezone)
  const today = local.date
  const open = await db
    .select({ id: attendanceRecords.id, memberId: attendanceRecords.organizationMemberId, date: attendanceRecords.attendanceDate, checkIn: attendanceRecords.checkInTime, flags: attendanceRecords.flags })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), isNotNull(attendanceRecords.checkInTime), isNull(attendanceRecords.checkOutTime), lt(attendanceRecords.attendanceDate, today)))
  let closed = 0
  for (const r of open) {
    const schedule = await memberSchedule(db, organizationId, r.memberId, rules.defaultSchedule, r.date)
    if (isOvernight(schedule) && addDays(r.date, 1) === today && local.minutes < overnightBoundary(schedule)) continue
    const close = closeForgottenCheckout(schedule, r.checkIn!, rules.settings.forgotten_checkout_rule)
    if (!close) continue
    await db
      .update(attendanceRecords)
      .set({ checkOutTime: close.checkOutTime, flags: [...new Set([...r.flags, close.flag])].sort(), updatedAt: new Date() })
      .where(and(eq(attendanceRecords.id, r.id), isNull(attendanceRecords.checkOutTime)))
    closed++
  }
  return closed
}

/** Attendance photos older than the organization's retention period are unlinked, then deleted from storage. */
export async function purgeOldPhotos(deps: AppDeps, organizationId: number, now = new Date()): Promise<number> {
  const { db } = deps.database
  const rules = await organizationRules(db, organizationId)
  const cutoff = toLocal(new Date(now.getTime() - rules.settings.photo_retention_days * 86_400_000), rules.timezone).date
  const old = await db
    .select({ id: attendanceRecords.id, url: attendanceRecords.faceImageUrl })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), isNotNull(attendanceRecords.faceImageUrl), lt(attendanceRecords.attendanceDate, cutoff)))
  const frames = await db.transaction(async (tx) => {
    // Evidence frames of captures made before the cutoff day (the day starts at the organization's midnight at most
    // 14 hours before UTC midnight; a day's slack keeps a frame of the last retained day).
    const keys = await unlinkEvidenceFrames(tx, organizationId, capturedBefore(new Date(new Date(`${cutoff}T00:00:00Z`).getTime() - 86_400_000)))
    if (old.length > 0) await tx.update(attendanceRecords).set({ faceImageUrl: null }).where(inArray(attendanceRecords.id, old.map((o) => o.id)))
    if (old.length > 0 || keys.length > 0) await audit(tx, { organizationId, action: 'retention.purge_photos', details: { photos: old.length, evidence_frames: keys.length, before: cutoff } })
    return keys
  })
  await deletePhotos(deps, [...old.map((o) => o.url!), ...frames])
  return old.length + frames.length
}
