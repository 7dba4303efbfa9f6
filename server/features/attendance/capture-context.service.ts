import { asc, eq } from 'drizzle-orm'
import { departments, organizations } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import type { ServiceContext } from '../../lib/service-context'
import type { z } from 'zod'
import type { memberListQuery } from '../members/members.schemas'
import { describeMembers, listMembers, type MemberView } from '../members/members.queries'
import { listLocations } from '../locations/locations.service'
import { listSchedules } from '../schedules/schedules.service'
import { makeQrToken, readQrToken } from './qr'
import { memberSchedule, organizationRules } from './attendance.schedule'
import { dayHoursJson, toLocal } from '../../../shared/attendance/rules'
import { addDays } from '../../../shared/calendar'
import { memberShiftDays } from '../shifts/shifts.service'

/** What a phone or kiosk needs to capture attendance: the organization's rules, places, and its departments. */
export async function captureContext(ctx: ServiceContext) {
  const { db } = ctx.deps.database
  const [org] = await db.select().from(organizations).where(eq(organizations.id, ctx.organizationId))
  const locs = await listLocations(db, ctx.organizationId)
  const depts = await db.select({ id: departments.id, name: departments.name, work_schedule_id: departments.workScheduleId }).from(departments).where(eq(departments.organizationId, ctx.organizationId)).orderBy(asc(departments.name))
  const schedules = await listSchedules(db, ctx.organizationId)
  const rules = await organizationRules(db, ctx.organizationId)
  // The caller's own schedule (a member's phone shows "on time" or "late" before the server answers).
  const own = ctx.memberId ? await memberSchedule(db, ctx.organizationId, ctx.memberId, rules.defaultSchedule) : rules.defaultSchedule
  // The caller's shifts from yesterday (a night that ends this morning) to a week ahead: a shift, or null for a day off.
  const today = toLocal(new Date(), rules.timezone).date
  const shiftDays = ctx.memberId ? await memberShiftDays(db, ctx.organizationId, ctx.memberId, addDays(today, -1), addDays(today, 7)) : new Map()
  const shifts = [...shiftDays].sort(([a], [b]) => a.localeCompare(b)).map(([date, s]) => ({ date, shift: s ? { name: s.name, code: s.code, start_time: s.startTime.slice(0, 5), end_time: s.endTime.slice(0, 5), late_tolerance_minutes: s.lateToleranceMinutes } : null }))
  return {
    organization: { id: org!.id, name: org!.name, timezone: org!.timezone, work_start_time: org!.workStartTime.slice(0, 5), work_end_time: org!.workEndTime.slice(0, 5), late_tolerance_minutes: org!.lateToleranceMinutes },
    face: { threshold: rules.settings.face_threshold, margin: rules.settings.face_margin, kiosk_gallery: rules.settings.kiosk_gallery },
    shifts,
    schedule: { work_days: own.workDays, start_time: own.startTime.slice(0, 5), end_time: own.endTime.slice(0, 5), late_tolerance_minutes: own.lateToleranceMinutes, day_hours: dayHoursJson(own) },
    default_schedule: { work_days: rules.defaultSchedule.workDays, start_time: rules.defaultSchedule.startTime.slice(0, 5), end_time: rules.defaultSchedule.endTime.slice(0, 5), late_tolerance_minutes: rules.defaultSchedule.lateToleranceMinutes, day_hours: dayHoursJson(rules.defaultSchedule) },
    schedules,
    locations: locs,
    departments: depts,
    geofence_policy: rules.settings.geofence_policy,
  }
}

// A kiosk needs to find and name people, not their contact details.
function kioskView(m: MemberView) {
  return { id: m.id, name: m.name, member_number: m.member_number, department: m.department, department_id: m.department_id, face_registered: m.face_registered }
}

/** Active members a petugas can find by name or number. */
export async function findMembersToRecord(ctx: ServiceContext, query: z.infer<typeof memberListQuery>) {
  const { members, total } = await listMembers(ctx.deps.database.db, ctx.organizationId, { ...query, status: 'active' })
  return { members: members.map(kioskView), total }
}

/** The signed QR code the member's own phone shows a kiosk. */
export function memberQr(ctx: ServiceContext) {
  const { token, expiresAt } = makeQrToken(ctx.deps.secret, ctx.organizationId, ctx.memberId!)
  return { token, expires_at: expiresAt.toISOString() }
}

/** The member a scanned QR code names: only a valid, unexpired code of this organization for an active member. */
export async function resolveQr(ctx: ServiceContext, token: string) {
  const check = readQrToken(ctx.deps.secret, token)
  if (!check.ok) {
    throw new ValidationError(check.code === 'QR_EXPIRED' ? 'This QR code has expired. Ask the member to open it again.' : 'This is not a Hadir member QR code.', undefined, check.code)
  }
  if (check.organizationId !== ctx.organizationId) throw new NotFoundError('Member')
  const [m] = await describeMembers(ctx.deps.database.db, ctx.organizationId, [check.memberId])
  if (!m || m.status !== 'active') throw new NotFoundError('Member')
  return { member: kioskView(m) }
}
