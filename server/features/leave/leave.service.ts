import { and, count, desc, eq, gte, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Tx } from '../../db/client'
import type { LEAVE_KINDS, LEAVE_STATUSES } from '../../db/schema'
import { attendanceRecordHistory, attendanceRecords, departments, leaveRequests, organizationMembers, organizations, users } from '../../db/schema'
import { toLocal } from '../../../shared/attendance/rules'
import { memberSchedule, organizationRules } from '../attendance/attendance.schedule'
import { holidayCalendar } from '../holidays/holidays.service'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { audit } from '../../audit'
import { queueDeliveries, stageEvent } from '../webhooks/webhooks.outbox'
import type { ServiceContext } from '../../lib/service-context'
import { checkRange, daysInclusive, excuseRemarks, planExcuse, rangeLimits, type ExcusePlan, type LeaveKind } from './leave.rules'

type LeaveRow = typeof leaveRequests.$inferSelect
export type LeaveStatus = (typeof LEAVE_STATUSES)[number]

/** The context of a member acting for themselves (a mobile member session always has a membership). */
export type MemberContext = ServiceContext & { memberId: number }

/** The organization's calendar date today. */
export async function organizationToday(tx: Tx, organizationId: number, now = new Date()): Promise<string> {
  const [org] = await tx.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, organizationId))
  return toLocal(now, org?.timezone ?? 'Asia/Jakarta').date
}

const decider = alias(users, 'leave_decider')

/** One query shape for both lists: the request, its member, and who decided it. */
function selectRequests(tx: Tx) {
  return tx
    .select({
      r: leaveRequests,
      memberName: users.name,
      memberNumber: organizationMembers.memberNumber,
      department: departments.name,
      deciderName: decider.name,
    })
    .from(leaveRequests)
    .innerJoin(organizationMembers, eq(organizationMembers.id, leaveRequests.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(decider, eq(decider.id, leaveRequests.decidedByUserId))
}

type Selected = Awaited<ReturnType<ReturnType<typeof selectRequests>['execute']>>[number]

/** How many days each approved request excused (its `excuse` history rows), for a page of requests. */
async function excusedCounts(tx: Tx, organizationId: number, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map()
  const key = sql<string>`${attendanceRecordHistory.after}->>'leave_request_id'`
  const rows = await tx
    .select({ id: key, n: count() })
    .from(attendanceRecordHistory)
    .where(and(eq(attendanceRecordHistory.organizationId, organizationId), eq(attendanceRecordHistory.action, 'excuse'), inArray(key, ids.map(String))))
    .groupBy(key)
  return new Map(rows.map((r) => [Number(r.id), r.n]))
}

function present(row: Selected, excused: Map<number, number>) {
  const r = row.r
  return {
    id: r.id,
    member: { id: r.organizationMemberId, name: row.memberName, member_number: row.memberNumber, department: row.department },
    kind: r.kind,
    start_date: r.startDate,
    end_date: r.endDate,
    days: daysInclusive(r.startDate, r.endDate),
    reason: r.reason,
    status: r.status,
    decision_note: r.decisionNote,
    decided_at: r.decidedAt?.toISOString() ?? null,
    decided_by: r.decidedByUserId ? { id: r.decidedByUserId, name: row.deciderName } : null,
    excused_days: excused.get(r.id) ?? 0,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  }
}
export type LeaveView = ReturnType<typeof present>

async function describe(tx: Tx, organizationId: number, where: SQL | undefined, page?: { limit: number; offset: number }, pendingFirst = false) {
  let query = selectRequests(tx)
    .where(and(eq(leaveRequests.organizationId, organizationId), where))
    .orderBy(...(pendingFirst ? [desc(sql`${leaveRequests.status} = 'pending'`)] : []), desc(leaveRequests.startDate), desc(leaveRequests.id))
    .$dynamic()
  if (page) query = query.limit(page.limit).offset(page.offset)
  const rows = await query
  const excused = await excusedCounts(tx, organizationId, rows.filter((r) => r.r.status === 'approved').map((r) => r.r.id))
  return rows.map((row) => present(row, excused))
}

export async function getLeave(tx: Tx, organizationId: number, id: number): Promise<LeaveView> {
  const [view] = await describe(tx, organizationId, eq(leaveRequests.id, id))
  if (!view) throw new NotFoundError('Leave request')
  return view
}

/** A member's own requests, newest first. */
export async function listOwnLeave(tx: Tx, organizationId: number, memberId: number, limit: number): Promise<LeaveView[]> {
  return describe(tx, organizationId, eq(leaveRequests.organizationMemberId, memberId), { limit, offset: 0 })
}

/** The member's own requests and the date rules a new one follows (from the organization's today). */
export async function ownLeave(ctx: MemberContext, limit: number) {
  const { db } = ctx.deps.database
  const requests = await listOwnLeave(db, ctx.organizationId, ctx.memberId, limit)
  return { leave_requests: requests, rules: rangeLimits(await organizationToday(db, ctx.organizationId)) }
}

export interface LeaveListQuery {
  status?: LeaveStatus
  kind?: (typeof LEAVE_KINDS)[number]
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

/** The dashboard's list of the context's organization (listLeave). */
export function organizationLeave(ctx: ServiceContext, query: LeaveListQuery) {
  return listLeave(ctx.deps.database.db, ctx.organizationId, query)
}

/** The dashboard's list: filtered, pending first, then by start date (newest first). Dates filter by overlap. */
export async function listLeave(tx: Tx, organizationId: number, query: LeaveListQuery) {
  const where: SQL[] = []
  if (query.status) where.push(eq(leaveRequests.status, query.status))
  if (query.kind) where.push(eq(leaveRequests.kind, query.kind))
  if (query.member_id) where.push(eq(leaveRequests.organizationMemberId, query.member_id))
  if (query.q) {
    const like = `%${escapeLike(query.q)}%`
    where.push(or(ilike(users.name, like), ilike(organizationMembers.memberNumber, like))!)
  }
  // A request is in the range when it overlaps it.
  if (query.from) where.push(gte(leaveRequests.endDate, query.from))
  if (query.to) where.push(lte(leaveRequests.startDate, query.to))
  const cond = and(...where)
  const [total] = await tx
    .select({ n: count() })
    .from(leaveRequests)
    .innerJoin(organizationMembers, eq(organizationMembers.id, leaveRequests.organizationMemberId))
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(leaveRequests.organizationId, organizationId), cond))
  const [pending] = await tx
    .select({ n: count() })
    .from(leaveRequests)
    .where(and(eq(leaveRequests.organizationId, organizationId), eq(leaveRequests.status, 'pending')))
  const requests = await describe(tx, organizationId, cond, { limit: query.limit, offset: query.offset }, true)
  return { leave_requests: requests, total: total?.n ?? 0, pending: pending?.n ?? 0 }
}

/** One request at a time per member (and never at the same time as one of their captures: the same lock as sync). */
async function lockMember(tx: Tx, organizationId: number, memberId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, ${memberId})`)
}

export interface NewLeave {
  kind: LeaveKind
  start_date: string
  end_date: string
  reason: string
}

/** A member asks for leave. Refused (422) outside the date rules, (409) when it overlaps a pending or approved one. */
export async function createLeave(ctx: MemberContext, input: NewLeave, now = new Date()): Promise<LeaveView> {
  const { db } = ctx.deps.database
  const today = await organizationToday(db, ctx.organizationId, now)
  const problem = checkRange(input.start_date, input.end_date, today)
  if (problem) {
    throw new ValidationError(problem.message, [{ path: problem.path, message: problem.message, code: problem.code, ...(problem.limit !== undefined && { limit: problem.limit }) }], problem.code)
  }
  const id = await db.transaction(async (tx) => {
    await lockMember(tx, ctx.organizationId, ctx.memberId)
    const [overlap] = await tx
      .select({ id: leaveRequests.id, start_date: leaveRequests.startDate, end_date: leaveRequests.endDate, status: leaveRequests.status })
      .from(leaveRequests)
      .where(
        and(
          eq(leaveRequests.organizationId, ctx.organizationId),
          eq(leaveRequests.organizationMemberId, ctx.memberId),
          inArray(leaveRequests.status, ['pending', 'approved']),
          lte(leaveRequests.startDate, input.end_date),
          gte(leaveRequests.endDate, input.start_date),
        ),
      )
      .limit(1)
    if (overlap) throw new ConflictError('These days overlap another request of yours that is pending or approved', 'LEAVE_OVERLAP', overlap)
    const [created] = await tx
      .insert(leaveRequests)
      .values({ organizationId: ctx.organizationId, organizationMemberId: ctx.memberId, kind: input.kind, startDate: input.start_date, endDate: input.end_date, reason: input.reason })
      .returning({ id: leaveRequests.id })
    await audit(tx, {
      organizationId: ctx.organizationId,
      actorUserId: ctx.userId,
      action: 'leave_request.create',
      entityType: 'leave_request',
      entityId: created!.id,
      details: { kind: input.kind, start_date: input.start_date, end_date: input.end_date },
      ip: ctx.ip,
    })
    return created!.id
  })
  return getLeave(db, ctx.organizationId, id)
}

/** The request, locked for a decision; another organization's (or, for a member, another member's) is not found. */
async function lockPending(tx: Tx, organizationId: number, id: number, memberId?: number): Promise<LeaveRow> {
  const [row] = await tx
    .select()
    .from(leaveRequests)
    .where(and(eq(leaveRequests.id, id), eq(leaveRequests.organizationId, organizationId), memberId === undefined ? undefined : eq(leaveRequests.organizationMemberId, memberId)))
    .for('update')
  if (!row) throw new NotFoundError('Leave request')
  if (row.status !== 'pending') {
    throw new ConflictError(`This request is already ${row.status}`, 'LEAVE_ALREADY_DECIDED', { status: row.status })
  }
  return row
}

/** The member takes back a request that is still pending. */
export async function cancelLeave(ctx: MemberContext, id: number): Promise<LeaveView> {
  const { db } = ctx.deps.database
  await db.transaction(async (tx) => {
    await lockPending(tx, ctx.organizationId, id, ctx.memberId)
    await tx.update(leaveRequests).set({ status: 'cancelled', updatedAt: new Date() }).where(eq(leaveRequests.id, id))
    await audit(tx, { organizationId: ctx.organizationId, actorUserId: ctx.userId, action: 'leave_request.cancel', entityType: 'leave_request', entityId: id, ip: ctx.ip })
  })
  return getLeave(db, ctx.organizationId, id)
}

export async function rejectLeave(ctx: ServiceContext, id: number, note: string): Promise<LeaveView> {
  const { db } = ctx.deps.database
  const { view, staged } = await db.transaction(async (tx) => {
    await lockPending(tx, ctx.organizationId, id)
    await tx.update(leaveRequests).set({ status: 'rejected', decidedByUserId: ctx.userId, decidedAt: new Date(), decisionNote: note, updatedAt: new Date() }).where(eq(leaveRequests.id, id))
    await audit(tx, { organizationId: ctx.organizationId, actorUserId: ctx.userId, action: 'leave_request.reject', entityType: 'leave_request', entityId: id, details: { note }, ip: ctx.ip })
    const view = await getLeave(tx, ctx.organizationId, id)
    return { view, staged: await stageEvent(tx, ctx.organizationId, 'leave.decided', { decision: 'rejected', leave_request: view }) }
  })
  await queueDeliveries(ctx.deps, staged)
  return view
}

/**
 * Approves a pending request and, in the same transaction, writes an `excused` record (source manual, approved, the
 * kind and reason as remarks, an `excuse` history row naming the request) for each of the member's working days in
 * the range that has no record yet. Days off and days with a record (a check-in) are left as they are.
 */
export async function approveLeave(ctx: ServiceContext, id: number, note: string | null): Promise<{ leave_request: LeaveView } & ExcusePlan> {
  const { db } = ctx.deps.database
  const { plan, view, staged } = await db.transaction(async (tx) => {
    const request = await lockPending(tx, ctx.organizationId, id)
    const memberId = request.organizationMemberId
    await lockMember(tx, ctx.organizationId, memberId)
    const rules = await organizationRules(tx, ctx.organizationId)
    const schedule = await memberSchedule(tx, ctx.organizationId, memberId, rules.defaultSchedule)
    const existing = await tx
      .select({ date: attendanceRecords.attendanceDate })
      .from(attendanceRecords)
      .where(
        and(
          eq(attendanceRecords.organizationId, ctx.organizationId),
          eq(attendanceRecords.organizationMemberId, memberId),
          gte(attendanceRecords.attendanceDate, request.startDate),
          lte(attendanceRecords.attendanceDate, request.endDate),
        ),
      )
    const [member] = await tx.select({ departmentId: organizationMembers.departmentId }).from(organizationMembers).where(eq(organizationMembers.id, memberId))
    const calendar = await holidayCalendar(tx, ctx.organizationId, request.startDate, request.endDate)
    const isHoliday = (date: string) => calendar.on(date, member?.departmentId ?? null) !== null
    const plan = planExcuse(request.startDate, request.endDate, schedule, new Set(existing.map((e) => e.date)), isHoliday)
    const remarks = excuseRemarks(request.kind, request.reason)
    if (plan.excuse.length > 0) {
      const created = await tx
        .insert(attendanceRecords)
        .values(
          plan.excuse.map((date) => ({
            organizationId: ctx.organizationId,
            organizationMemberId: memberId,
            recordedBy: ctx.memberId,
            attendanceDate: date,
            status: 'excused' as const,
            approvalStatus: 'approved' as const,
            source: 'manual' as const,
            remarks,
          })),
        )
        .returning({ id: attendanceRecords.id, date: attendanceRecords.attendanceDate })
      await tx.insert(attendanceRecordHistory).values(
        created.map((r) => ({
          organizationId: ctx.organizationId,
          attendanceRecordId: r.id,
          action: 'excuse' as const,
          changedByUserId: ctx.userId,
          reason: remarks,
          before: null,
          after: { status: 'excused', source: 'manual', approval_status: 'approved', remarks, leave_request_id: id },
        })),
      )
    }
    await tx.update(leaveRequests).set({ status: 'approved', decidedByUserId: ctx.userId, decidedAt: new Date(), decisionNote: note, updatedAt: new Date() }).where(eq(leaveRequests.id, id))
    await audit(tx, {
      organizationId: ctx.organizationId,
      actorUserId: ctx.userId,
      action: 'leave_request.approve',
      entityType: 'leave_request',
      entityId: id,
      details: { member_id: memberId, note, excused_dates: plan.excuse, skipped: plan.skipped },
      ip: ctx.ip,
    })
    const view = await getLeave(tx, ctx.organizationId, id)
    return { plan, view, staged: await stageEvent(tx, ctx.organizationId, 'leave.decided', { decision: 'approved', leave_request: view, excused_dates: plan.excuse }) }
  })
  await queueDeliveries(ctx.deps, staged)
  return { leave_request: view, ...plan }
}
