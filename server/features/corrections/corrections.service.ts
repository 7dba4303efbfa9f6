import { and, count, desc, eq, gte, ilike, lte, or, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Tx } from '../../db/client'
import type { CORRECTION_STATUSES } from '../../db/schema'
import { attendanceRecords, correctionRequests, departments, organizationMembers, organizations, users } from '../../db/schema'
import { toLocal } from '../../../shared/attendance/rules'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { audit } from '../../audit'
import type { ServiceContext } from '../../lib/service-context'
import { applyCorrection } from '../attendance/admin/attendance-manage'
import { memberSchedule, organizationRules } from '../attendance/attendance.schedule'
import { addDays } from '../../../shared/calendar'
import { publishAttendanceChange } from '../attendance/admin/attendance-live'
import { checkDate, checkTimes, correctionLimits, correctionRemarks, kindsOverlap, wantsCheckIn, wantsCheckOut, type CorrectionKind, type CorrectionProblem } from './corrections.rules'

type CorrectionRow = typeof correctionRequests.$inferSelect
export type CorrectionStatus = (typeof CORRECTION_STATUSES)[number]

/** The context of a member acting for themselves (a mobile member session always has a membership). */
export type MemberContext = ServiceContext & { memberId: number }

/** The organization's local date and time now ("YYYY-MM-DD", "HH:MM:SS"). */
/**
 * The times of a member's day checked against their record and the clock, by the day's hours (their shift: a night's
 * check-out is the next morning's): checkTimes with the schedule and the time now when the day is today or yesterday.
 */
async function timesProblem(tx: Tx, organizationId: number, memberId: number, date: string, kind: CorrectionKind, times: { checkIn: string | null; checkOut: string | null }, local: { date: string; time: string }): Promise<CorrectionProblem | null> {
  const rules = await organizationRules(tx, organizationId)
  const hours = await memberSchedule(tx, organizationId, memberId, rules.defaultSchedule, date)
  const daysAgo = date === local.date ? 0 : addDays(date, 1) === local.date ? 1 : null
  return checkTimes(kind, times, await dayRecord(tx, organizationId, memberId, date), daysAgo === null ? null : local.time, hours, daysAgo ?? 0)
}

async function organizationNow(tx: Tx, organizationId: number, now: Date): Promise<{ date: string; time: string }> {
  const [org] = await tx.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, organizationId))
  const local = toLocal(now, org?.timezone ?? 'Asia/Jakarta')
  return { date: local.date, time: local.time }
}

function refuse(problem: CorrectionProblem): never {
  throw new ValidationError(problem.message, [{ path: problem.path, message: problem.message, code: problem.code, ...(problem.limit !== undefined && { limit: problem.limit }) }], problem.code)
}

const decider = alias(users, 'correction_decider')

function selectRequests(tx: Tx) {
  return tx
    .select({ r: correctionRequests, memberName: users.name, memberNumber: organizationMembers.memberNumber, department: departments.name, deciderName: decider.name })
    .from(correctionRequests)
    .innerJoin(organizationMembers, eq(organizationMembers.id, correctionRequests.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(decider, eq(decider.id, correctionRequests.decidedByUserId))
}

type Selected = Awaited<ReturnType<ReturnType<typeof selectRequests>['execute']>>[number]

function present(row: Selected) {
  const r = row.r
  return {
    id: r.id,
    member: { id: r.organizationMemberId, name: row.memberName, member_number: row.memberNumber, department: row.department },
    attendance_date: r.attendanceDate,
    kind: r.kind,
    /** The times the member claimed (local, the organization's zone). */
    check_in_time: r.claimedCheckInTime,
    check_out_time: r.claimedCheckOutTime,
    reason: r.reason,
    status: r.status,
    /** The times an approval wrote (the claim unless the admin adjusted it). */
    approved_check_in_time: r.approvedCheckInTime,
    approved_check_out_time: r.approvedCheckOutTime,
    attendance_record_id: r.attendanceRecordId,
    decision_note: r.decisionNote,
    decided_at: r.decidedAt?.toISOString() ?? null,
    decided_by: r.decidedByUserId ? { id: r.decidedByUserId, name: row.deciderName } : null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  }
}
export type CorrectionView = ReturnType<typeof present>

async function describe(tx: Tx, organizationId: number, where: SQL | undefined, page?: { limit: number; offset: number }, pendingFirst = false) {
  let query = selectRequests(tx)
    .where(and(eq(correctionRequests.organizationId, organizationId), where))
    .orderBy(...(pendingFirst ? [desc(sql`${correctionRequests.status} = 'pending'`)] : []), desc(correctionRequests.attendanceDate), desc(correctionRequests.id))
    .$dynamic()
  if (page) query = query.limit(page.limit).offset(page.offset)
  return (await query).map(present)
}

export async function getCorrection(tx: Tx, organizationId: number, id: number): Promise<CorrectionView> {
  const [view] = await describe(tx, organizationId, eq(correctionRequests.id, id))
  if (!view) throw new NotFoundError('Correction request')
  return view
}

/** The member's own requests (newest day first) and the dates a new one may name. */
export async function ownCorrections(ctx: MemberContext, limit: number) {
  const { db } = ctx.deps.database
  const requests = await describe(db, ctx.organizationId, eq(correctionRequests.organizationMemberId, ctx.memberId), { limit, offset: 0 })
  const now = await organizationNow(db, ctx.organizationId, new Date())
  const [member] = await db.select({ startDate: organizationMembers.startDate }).from(organizationMembers).where(eq(organizationMembers.id, ctx.memberId))
  const limits = correctionLimits(now.date)
  const start = member?.startDate ?? null
  return { correction_requests: requests, rules: { ...limits, earliest_date: start && start > limits.earliest_date ? start : limits.earliest_date } }
}

export interface CorrectionListQuery {
  status?: CorrectionStatus
  member_id?: number
  q?: string
  from?: string
  to?: string
  limit: number
  offset: number
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`)
}

/** The dashboard's list: filtered, pending first, then by day (newest first); with the organization's pending count. */
export async function listCorrections(ctx: ServiceContext, query: CorrectionListQuery) {
  const tx = ctx.deps.database.db
  const organizationId = ctx.organizationId
  const where: SQL[] = []
  if (query.status) where.push(eq(correctionRequests.status, query.status))
  if (query.member_id) where.push(eq(correctionRequests.organizationMemberId, query.member_id))
  if (query.q) {
    const like = `%${escapeLike(query.q)}%`
    where.push(or(ilike(users.name, like), ilike(organizationMembers.memberNumber, like))!)
  }
  if (query.from) where.push(gte(correctionRequests.attendanceDate, query.from))
  if (query.to) where.push(lte(correctionRequests.attendanceDate, query.to))
  const cond = and(...where)
  const [total] = await tx
    .select({ n: count() })
    .from(correctionRequests)
    .innerJoin(organizationMembers, eq(organizationMembers.id, correctionRequests.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(correctionRequests.organizationId, organizationId), cond))
  const [pending] = await tx
    .select({ n: count() })
    .from(correctionRequests)
    .where(and(eq(correctionRequests.organizationId, organizationId), eq(correctionRequests.status, 'pending')))
  const requests = await describe(tx, organizationId, cond, { limit: query.limit, offset: query.offset }, true)
  return { correction_requests: requests, total: total?.n ?? 0, pending: pending?.n ?? 0 }
}

/** One change at a time per member: the same lock as sync, leave and an admin's manual record. */
async function lockMember(tx: Tx, organizationId: number, memberId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, ${memberId})`)
}

async function dayRecord(tx: Tx, organizationId: number, memberId: number, date: string) {
  const [row] = await tx
    .select({ checkIn: attendanceRecords.checkInTime, checkOut: attendanceRecords.checkOutTime, flags: attendanceRecords.flags })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), eq(attendanceRecords.organizationMemberId, memberId), eq(attendanceRecords.attendanceDate, date)))
  return row ?? null
}

export interface NewCorrection {
  attendance_date: string
  kind: CorrectionKind
  check_in_time?: string
  check_out_time?: string
  reason: string
}

/**
 * A member asks for a correction of one day. Refused (422, a stable code naming the field) for a day ahead, too far
 * back or outside their days, a time still to come, a time the day already has, a check-out before the check-in, or a
 * pending request of theirs that asks about the same time of the same day.
 */
export async function createCorrection(ctx: MemberContext, input: NewCorrection, now = new Date()): Promise<CorrectionView> {
  const { db } = ctx.deps.database
  const id = await db.transaction(async (tx) => {
    await lockMember(tx, ctx.organizationId, ctx.memberId)
    const local = await organizationNow(tx, ctx.organizationId, now)
    const [member] = await tx
      .select({ startDate: organizationMembers.startDate, endDate: organizationMembers.endDate, createdAt: organizationMembers.createdAt })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.id, ctx.memberId), eq(organizationMembers.organizationId, ctx.organizationId)))
    if (!member) throw new NotFoundError('Member')
    const dateProblem = checkDate(input.attendance_date, local.date, member.startDate, member.endDate)
    if (dateProblem) refuse(dateProblem)
    const times = { checkIn: input.check_in_time ?? null, checkOut: input.check_out_time ?? null }
    const timeProblem = await timesProblem(tx, ctx.organizationId, ctx.memberId, input.attendance_date, input.kind, times, local)
    if (timeProblem) refuse(timeProblem)
    const pending = await tx
      .select({ id: correctionRequests.id, kind: correctionRequests.kind })
      .from(correctionRequests)
      .where(
        and(
          eq(correctionRequests.organizationId, ctx.organizationId),
          eq(correctionRequests.organizationMemberId, ctx.memberId),
          eq(correctionRequests.attendanceDate, input.attendance_date),
          eq(correctionRequests.status, 'pending'),
        ),
      )
    const same = pending.find((p) => kindsOverlap(p.kind, input.kind))
    if (same) {
      throw new ValidationError(
        'You already asked about this day: wait for the answer, or cancel that request first',
        [{ path: 'attendance_date', message: 'A pending request asks about the same time', code: 'CORRECTION_DUPLICATE', id: same.id, kind: same.kind }],
        'CORRECTION_DUPLICATE',
      )
    }
    const [created] = await tx
      .insert(correctionRequests)
      .values({
        organizationId: ctx.organizationId,
        organizationMemberId: ctx.memberId,
        attendanceDate: input.attendance_date,
        kind: input.kind,
        claimedCheckInTime: times.checkIn,
        claimedCheckOutTime: times.checkOut,
        reason: input.reason,
      })
      .returning({ id: correctionRequests.id })
    await audit(tx, {
      organizationId: ctx.organizationId,
      actorUserId: ctx.userId,
      action: 'correction_request.create',
      entityType: 'correction_request',
      entityId: created!.id,
      details: { attendance_date: input.attendance_date, kind: input.kind, check_in_time: times.checkIn, check_out_time: times.checkOut },
      ip: ctx.ip,
    })
    return created!.id
  })
  return getCorrection(db, ctx.organizationId, id)
}

/** The request, locked for a decision; another organization's (or, for a member, another member's) is not found. */
async function lockPending(tx: Tx, organizationId: number, id: number, memberId?: number): Promise<CorrectionRow> {
  const [row] = await tx
    .select()
    .from(correctionRequests)
    .where(and(eq(correctionRequests.id, id), eq(correctionRequests.organizationId, organizationId), memberId === undefined ? undefined : eq(correctionRequests.organizationMemberId, memberId)))
    .for('update')
  if (!row) throw new NotFoundError('Correction request')
  if (row.status !== 'pending') throw new ConflictError(`This request is already ${row.status}`, 'CORRECTION_ALREADY_DECIDED', { status: row.status })
  return row
}

/** The member takes back a request that is still pending. */
export async function cancelCorrection(ctx: MemberContext, id: number): Promise<CorrectionView> {
  const { db } = ctx.deps.database
  await db.transaction(async (tx) => {
    await lockPending(tx, ctx.organizationId, id, ctx.memberId)
    await tx.update(correctionRequests).set({ status: 'cancelled', updatedAt: new Date() }).where(eq(correctionRequests.id, id))
    await audit(tx, { organizationId: ctx.organizationId, actorUserId: ctx.userId, action: 'correction_request.cancel', entityType: 'correction_request', entityId: id, ip: ctx.ip })
  })
  return getCorrection(db, ctx.organizationId, id)
}

/** Refuses a pending request with a note the member reads; no record changes. */
export async function rejectCorrection(ctx: ServiceContext, id: number, note: string): Promise<CorrectionView> {
  const { db } = ctx.deps.database
  await db.transaction(async (tx) => {
    await lockPending(tx, ctx.organizationId, id)
    await tx.update(correctionRequests).set({ status: 'rejected', decidedByUserId: ctx.userId, decidedAt: new Date(), decisionNote: note, updatedAt: new Date() }).where(eq(correctionRequests.id, id))
    await audit(tx, { organizationId: ctx.organizationId, actorUserId: ctx.userId, action: 'correction_request.reject', entityType: 'correction_request', entityId: id, details: { note }, ip: ctx.ip })
  })
  return getCorrection(db, ctx.organizationId, id)
}

export interface Approval {
  note?: string
  check_in_time?: string
  check_out_time?: string
}

/**
 * Approves a pending request and, in the same transaction, writes the day: a manual record at the approved times
 * (the claim, or the admin's adjustment of it) when there is none, else those times on the day's record, with the
 * status and flags from the member's schedule of that weekday, a history row naming the request and audit entries.
 * The day is checked again as it is now (the member may have checked in meanwhile): a problem is a 422 and nothing
 * is written.
 */
export async function approveCorrection(ctx: ServiceContext, id: number, input: Approval, now = new Date()): Promise<CorrectionView> {
  const { db } = ctx.deps.database
  const recordId = await db.transaction(async (tx) => {
    const request = await lockPending(tx, ctx.organizationId, id)
    const memberId = request.organizationMemberId
    await lockMember(tx, ctx.organizationId, memberId)
    for (const [field, wanted] of [['check_in_time', wantsCheckIn(request.kind)], ['check_out_time', wantsCheckOut(request.kind)]] as const) {
      if (!wanted && input[field] !== undefined) throw new ValidationError('This request does not ask for that time', [{ path: field, message: 'Not asked for by this request' }], 'CORRECTION_NOT_ASKED')
    }
    const times = {
      checkIn: wantsCheckIn(request.kind) ? (input.check_in_time ?? request.claimedCheckInTime) : null,
      checkOut: wantsCheckOut(request.kind) ? (input.check_out_time ?? request.claimedCheckOutTime) : null,
    }
    const local = await organizationNow(tx, ctx.organizationId, now)
    const problem = await timesProblem(tx, ctx.organizationId, memberId, request.attendanceDate, request.kind, times, local)
    if (problem) refuse(problem)
    const applied = await applyCorrection(tx, ctx, {
      requestId: id,
      memberId,
      date: request.attendanceDate,
      checkIn: times.checkIn,
      checkOut: times.checkOut,
      reason: correctionRemarks(request.reason),
      remarks: correctionRemarks(request.reason),
    })
    const note = input.note || null
    await tx
      .update(correctionRequests)
      .set({
        status: 'approved',
        approvedCheckInTime: times.checkIn,
        approvedCheckOutTime: times.checkOut,
        attendanceRecordId: applied.recordId,
        decidedByUserId: ctx.userId,
        decidedAt: new Date(),
        decisionNote: note,
        updatedAt: new Date(),
      })
      .where(eq(correctionRequests.id, id))
    await audit(tx, {
      organizationId: ctx.organizationId,
      actorUserId: ctx.userId,
      action: 'correction_request.approve',
      entityType: 'correction_request',
      entityId: id,
      details: { member_id: memberId, note, record_id: applied.recordId, created: applied.created, check_in_time: times.checkIn, check_out_time: times.checkOut, adjusted: times.checkIn !== request.claimedCheckInTime || times.checkOut !== request.claimedCheckOutTime },
      ip: ctx.ip,
    })
    return { id: applied.recordId, created: applied.created }
  })
  await publishAttendanceChange(ctx.deps, ctx.organizationId, recordId.id, recordId.created ? 'created' : 'updated')
  return getCorrection(db, ctx.organizationId, id)
}
