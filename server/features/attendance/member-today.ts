import { and, asc, eq } from 'drizzle-orm'
import { attendanceEvents, attendanceRecords, organizationMembers } from '../../db/schema'
import { NotFoundError } from '../../errors'
import type { ServiceContext } from '../../lib/service-context'
import { toLocal } from '../../../shared/attendance/rules'
import { organizationRules } from './attendance.schedule'

export type CaptureOrigin = 'phone' | 'kiosk' | 'other'

export interface MemberTodayMark {
  /** The organization's wall clock, "07:12:05". */
  time: string
  /** Where the day's first capture of this kind came from: a member's phone, a kiosk tablet, or another way (an admin). */
  origin: CaptureOrigin
}

/**
 * Whether a member already checked in (or out) today, and from where (issue 18): a kiosk that recognises a member who
 * checked in on their phone says "already checked in 07.12 (phone)" instead of recording a second check-in. Only
 * times and where they came from: nothing about the face or the place.
 */
export async function memberToday(ctx: ServiceContext, memberId: number) {
  const { db } = ctx.deps.database
  const [member] = await db
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, ctx.organizationId), eq(organizationMembers.id, memberId)))
  if (!member) throw new NotFoundError('Member')
  const { timezone } = await organizationRules(db, ctx.organizationId)
  const date = toLocal(new Date(), timezone).date
  const [day] = await db
    .select({ id: attendanceRecords.id, checkIn: attendanceRecords.checkInTime, checkOut: attendanceRecords.checkOutTime })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, memberId), eq(attendanceRecords.attendanceDate, date)))
  if (!day) return { date, check_in: null, check_out: null }
  const events = await db
    .select({ kind: attendanceEvents.kind, origin: attendanceEvents.origin })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.organizationId, ctx.organizationId), eq(attendanceEvents.attendanceRecordId, day.id)))
    .orderBy(asc(attendanceEvents.capturedAt))
  const mark = (time: string | null, kind: 'check_in' | 'check_out'): MemberTodayMark | null =>
    time === null ? null : { time, origin: events.find((e) => e.kind === kind)?.origin ?? 'other' }
  return { date, check_in: mark(day.checkIn, 'check_in'), check_out: mark(day.checkOut, 'check_out') }
}
