// The notifications nobody's action causes, only the clock: the members' check-in and check-out reminders, the admins'
// "records waiting for review" and their daily digest. One scan every few minutes, run by one instance
// (runOnceAcrossInstances); each notification is queued once per person, kind and day (the outbox's unique key), so a
// scan repeated on another instance, after a crash or at the next tick sends nothing twice.
import { and, count, eq, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { attendanceRecords, correctionRequests, leaveRequests, memberRoles, organizationMembers, organizations, rolePermissions } from '../../db/schema'
import { endMinute, minutesOf, scheduleOn, toLocal } from '../../../shared/attendance/rules'
import { addDays } from '../../../shared/calendar'
import { runOnceAcrossInstances } from '../../jobs/once'
import { attendanceTrend, everyonesDay } from '../attendance/admin/attendance-today'
import { settingsOf } from '../../../shared/organization/settings'
import { queueNotification } from './notifications.service'

/** How often every instance ticks the scan (server/index.ts). */
export const REMINDERS_EVERY_MS = 5 * 60_000
/** A member still checked in this long after their hours ended is reminded to check out. */
export const CHECKOUT_GRACE_MINUTES = 30
/** The admins' digest of yesterday goes out from this local time. */
export const DIGEST_AT_MINUTES = 7 * 60

export async function runScheduledReminders(deps: AppDeps, now = new Date()) {
  return runOnceAcrossInstances(deps.database.db, 'notification-reminders', REMINDERS_EVERY_MS - 30_000, () => runReminders(deps, now), now)
}

/** Every organization's reminders at `now` (the clock is a parameter so tests choose the moment). Safe to repeat. */
export async function runReminders(deps: AppDeps, now = new Date()) {
  if (!deps.notify) return { queued: 0 }
  const orgs = await deps.database.db.select({ id: organizations.id, name: organizations.name, settings: organizations.settings }).from(organizations)
  let queued = 0
  for (const org of orgs) {
    queued += await memberReminders(deps, org.id, settingsOf(org).checkin_reminder_time, now)
    queued += await adminNotices(deps, org, now)
  }
  return { queued }
}

async function memberReminders(deps: AppDeps, organizationId: number, checkinAt: string | null, now: Date): Promise<number> {
  const { local, days } = await everyonesDay(deps.database.db, organizationId, now)
  const users = await userIds(deps, organizationId, days.map((d) => d.person.id))
  let queued = 0
  for (const { person, record, schedule, day } of days) {
    const userId = users.get(person.id)
    if (userId === undefined) continue
    const hours = scheduleOn(schedule, local.weekday)
    // Not checked in by the organization's time, on a day they are due (not a day off, a holiday or on leave).
    if (checkinAt && !record && day === 'not_yet' && local.minutes >= minutesOf(checkinAt) && local.minutes < endMinute(hours)) {
      const id = await queueNotification(deps, { organizationId, userId, kind: 'checkin_reminder', dedupeKey: local.date, url: '/m/checkin', params: { time: checkinAt } })
      if (id !== null) queued++
    }
    // Checked in, not out, and their hours (of a day shift: a night shift's are looked at the next morning, below)
    // ended a while ago.
    const end = endMinute(hours)
    if (record?.checkIn && !record.checkOut && end < 24 * 60 && local.minutes >= end + CHECKOUT_GRACE_MINUTES) {
      const id = await queueNotification(deps, { organizationId, userId, kind: 'checkout_reminder', dedupeKey: local.date, url: '/m/checkin', params: { end: hours.endTime.slice(0, 5) } })
      if (id !== null) queued++
    }
  }
  return queued + (await nightShiftReminders(deps, organizationId, now))
}

/**
 * The night shifts that began yesterday (hours past midnight, e.g. 22:00-06:00): checked in, not out, and the hours
 * ended a while ago this morning. The reminder is for the night's own day (the day its record and its check-out
 * belong to), so it is sent once, and never mixed up with today's.
 */
async function nightShiftReminders(deps: AppDeps, organizationId: number, now: Date): Promise<number> {
  const { local: yesterday, days } = await everyonesDay(deps.database.db, organizationId, new Date(now.getTime() - 24 * 3600_000))
  const open = days.filter((d) => d.record?.checkIn && !d.record.checkOut)
  if (open.length === 0) return 0
  const minutesToday = yesterday.minutes // the same wall-clock minute, a day later
  const users = await userIds(deps, organizationId, open.map((d) => d.person.id))
  let queued = 0
  for (const { person, schedule } of open) {
    const userId = users.get(person.id)
    const hours = scheduleOn(schedule, yesterday.weekday)
    const end = endMinute(hours)
    if (userId === undefined || end < 24 * 60 || minutesToday < end - 24 * 60 + CHECKOUT_GRACE_MINUTES) continue
    const id = await queueNotification(deps, { organizationId, userId, kind: 'checkout_reminder', dedupeKey: yesterday.date, url: '/m/checkin', params: { end: hours.endTime.slice(0, 5) } })
    if (id !== null) queued++
  }
  return queued
}

/** The accounts of the members (membership id -> user id). */
async function userIds(deps: AppDeps, organizationId: number, memberIds: number[]): Promise<Map<number, number>> {
  if (memberIds.length === 0) return new Map()
  const rows = await deps.database.db
    .select({ id: organizationMembers.id, userId: organizationMembers.userId })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), sql`${organizationMembers.id} in ${memberIds}`))
  return new Map(rows.map((r) => [r.id, r.userId]))
}

/** The active people whose role lets them review attendance (the dashboard users the admins' notices are for). */
async function reviewers(deps: AppDeps, organizationId: number): Promise<number[]> {
  const rows = await deps.database.db
    .selectDistinct({ userId: organizationMembers.userId })
    .from(organizationMembers)
    .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.status, 'active'), eq(rolePermissions.permission, 'attendance:record:approve')))
  return rows.map((r) => r.userId)
}

async function pendingCount(deps: AppDeps, organizationId: number) {
  const { db } = deps.database
  const [records] = await db.select({ n: count() }).from(attendanceRecords).where(and(eq(attendanceRecords.organizationId, organizationId), eq(attendanceRecords.approvalStatus, 'pending')))
  const [leave] = await db.select({ n: count() }).from(leaveRequests).where(and(eq(leaveRequests.organizationId, organizationId), eq(leaveRequests.status, 'pending')))
  const [corrections] = await db.select({ n: count() }).from(correctionRequests).where(and(eq(correctionRequests.organizationId, organizationId), eq(correctionRequests.status, 'pending')))
  return { records: records?.n ?? 0, leave: leave?.n ?? 0, corrections: corrections?.n ?? 0 }
}

async function adminNotices(deps: AppDeps, org: { id: number; name: string }, now: Date): Promise<number> {
  const admins = await reviewers(deps, org.id)
  if (admins.length === 0) return 0
  const pending = await pendingCount(deps, org.id)
  const trend = await attendanceTrend(deps.database.db, org.id, 2, now)
  const local = toLocal(now, trend.timezone)
  const yesterday = trend.days.find((d) => d.date === addDays(trend.today, -1))
  let queued = 0
  for (const userId of admins) {
    // Records waiting: once a day at most, while some wait.
    if (pending.records > 0) {
      const id = await queueNotification(deps, { organizationId: org.id, userId, kind: 'review_waiting', dedupeKey: trend.today, url: '/admin/attendance', params: { count: pending.records } })
      if (id !== null) queued++
    }
    if (local.minutes >= DIGEST_AT_MINUTES && yesterday) {
      const id = await queueNotification(deps, {
        organizationId: org.id,
        userId,
        kind: 'daily_digest',
        dedupeKey: yesterday.date,
        url: `${deps.notify?.publicUrl ?? ''}/admin`,
        params: {
          organization: org.name,
          date: yesterday.date,
          present: yesterday.present + yesterday.late,
          late: yesterday.late,
          excused: yesterday.excused,
          waitingReview: pending.records,
          pendingLeave: pending.leave,
          pendingCorrections: pending.corrections,
        },
      })
      if (id !== null) queued++
    }
  }
  return queued
}
