// Shift types and the roster: who works which shift on which day (shared/attendance/shifts.ts). A member's shift of a
// day takes the place of their department's schedule in every rule about that day (the sync, an admin's record, the
// forgotten check-out job, the reports).
import { and, asc, count, eq, gte, inArray, lte, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { departments, organizationMembers, shiftAssignments, shiftTypes, users } from '../../db/schema'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { patternCells, type rosterCellsInput, type rosterPatternInput, type ShiftType, type shiftTypeInput, type shiftTypePatch } from '../../../shared/attendance/shifts'
import { datesBetween, daysInclusive } from '../../../shared/calendar'
import { intArray, rowsOf, textArray } from '../../db/raw'

type ShiftRow = typeof shiftTypes.$inferSelect

export function shiftTypeOf(row: Pick<ShiftRow, 'id' | 'name' | 'code' | 'startTime' | 'endTime' | 'lateToleranceMinutes'>): ShiftType {
  return { id: row.id, name: row.name, code: row.code, startTime: row.startTime, endTime: row.endTime, lateToleranceMinutes: row.lateToleranceMinutes }
}

export function presentShiftType(row: ShiftRow) {
  const overnight = row.endTime <= row.startTime
  return { id: row.id, name: row.name, code: row.code, start_time: row.startTime.slice(0, 5), end_time: row.endTime.slice(0, 5), late_tolerance_minutes: row.lateToleranceMinutes, overnight }
}

export async function listShiftTypes(ctx: ServiceContext) {
  const rows = await ctx.deps.database.db.select().from(shiftTypes).where(eq(shiftTypes.organizationId, ctx.organizationId)).orderBy(asc(shiftTypes.startTime), asc(shiftTypes.id))
  return rows.map(presentShiftType)
}

export async function createShiftType(ctx: ServiceContext, input: z.infer<typeof shiftTypeInput>) {
  const row = await transaction(ctx, async (tx) => {
    const [created] = await tx
      .insert(shiftTypes)
      .values({ organizationId: ctx.organizationId, name: input.name, code: input.code, startTime: input.start_time, endTime: input.end_time, lateToleranceMinutes: input.late_tolerance_minutes })
      .returning()
    await auditBy(tx, ctx, { action: 'shift_type.create', entityType: 'shift_type', entityId: created!.id, details: { name: input.name } })
    return created!
  })
  return presentShiftType(row)
}

export async function updateShiftType(ctx: ServiceContext, id: number, input: z.infer<typeof shiftTypePatch>) {
  const row = await transaction(ctx, async (tx) => {
    const [current] = await tx.select().from(shiftTypes).where(and(eq(shiftTypes.id, id), eq(shiftTypes.organizationId, ctx.organizationId)))
    if (!current) throw new NotFoundError('Shift type')
    const start = input.start_time ?? current.startTime
    const end = input.end_time ?? current.endTime
    if (start.slice(0, 5) === end.slice(0, 5)) throw new ValidationError('The shift ends at another time than it starts', [{ path: 'end_time', message: 'The shift ends at another time than it starts', code: 'custom', reason: 'same_start_end' }])
    const [updated] = await tx
      .update(shiftTypes)
      .set({ name: input.name, code: input.code, startTime: input.start_time, endTime: input.end_time, lateToleranceMinutes: input.late_tolerance_minutes, updatedAt: new Date() })
      .where(and(eq(shiftTypes.id, id), eq(shiftTypes.organizationId, ctx.organizationId)))
      .returning()
    await auditBy(tx, ctx, { action: 'shift_type.update', entityType: 'shift_type', entityId: id, details: input })
    return updated!
  })
  return presentShiftType(row)
}

/** A shift type on the roster is refused (409 IN_USE): the days it fills would lose their hours. */
export function deleteShiftType(ctx: ServiceContext, id: number) {
  return transaction(ctx, async (tx) => {
    const [row] = await tx.select({ name: shiftTypes.name }).from(shiftTypes).where(and(eq(shiftTypes.id, id), eq(shiftTypes.organizationId, ctx.organizationId)))
    if (!row) throw new NotFoundError('Shift type')
    const [used] = await tx.select({ n: count() }).from(shiftAssignments).where(and(eq(shiftAssignments.organizationId, ctx.organizationId), eq(shiftAssignments.shiftTypeId, id)))
    if ((used?.n ?? 0) > 0) throw new ConflictError(`${used!.n} roster day(s) use this shift: change them first`, 'IN_USE', { days: used!.n })
    await tx.delete(shiftTypes).where(and(eq(shiftTypes.id, id), eq(shiftTypes.organizationId, ctx.organizationId)))
    await auditBy(tx, ctx, { action: 'shift_type.delete', entityType: 'shift_type', entityId: id, details: { name: row.name } })
    return { deleted: true }
  })
}

/** Roster rows in [start, end] with their shift types (null: a day off), of one member or everyone. */
async function rosterRows(tx: Tx, organizationId: number, start: string, end: string, memberId?: number) {
  const rows = await tx
    .select({ memberId: shiftAssignments.organizationMemberId, date: shiftAssignments.date, id: shiftTypes.id, name: shiftTypes.name, code: shiftTypes.code, startTime: shiftTypes.startTime, endTime: shiftTypes.endTime, lateToleranceMinutes: shiftTypes.lateToleranceMinutes })
    .from(shiftAssignments)
    .leftJoin(shiftTypes, and(eq(shiftTypes.id, shiftAssignments.shiftTypeId), eq(shiftTypes.organizationId, organizationId)))
    .where(and(eq(shiftAssignments.organizationId, organizationId), memberId === undefined ? undefined : eq(shiftAssignments.organizationMemberId, memberId), gte(shiftAssignments.date, start), lte(shiftAssignments.date, end)))
  return rows.map((r) => ({ memberId: r.memberId, date: r.date, shift: r.id === null ? null : shiftTypeOf({ id: r.id, name: r.name!, code: r.code!, startTime: r.startTime!, endTime: r.endTime!, lateToleranceMinutes: r.lateToleranceMinutes! }) }))
}

/**
 * A member's shift days in [start, end] (by date): a shift, or null for a day off; a date without an entry follows
 * the department's schedule.
 */
export async function memberShiftDays(tx: Tx, organizationId: number, memberId: number, start: string, end: string): Promise<Map<string, ShiftType | null>> {
  return new Map((await rosterRows(tx, organizationId, start, end, memberId)).map((r) => [r.date, r.shift]))
}

/** Every roster day of the organization in [start, end], by `${memberId}|${date}`: a shift, or null for a day off. */
export async function rosterBetween(tx: Tx, organizationId: number, start: string, end: string): Promise<Map<string, ShiftType | null>> {
  return new Map((await rosterRows(tx, organizationId, start, end)).map((r) => [`${r.memberId}|${r.date}`, r.shift]))
}

export interface RosterQuery {
  start: string
  end: string
  department_id?: number
}

/**
 * The roster of [start, end]: the members who record their own attendance (of one department, or all), each with
 * their department's name and their days (date -> shift type id, or null for a day off); the shift types.
 */
export async function rosterOf(ctx: ServiceContext, q: RosterQuery) {
  const db = ctx.deps.database.db
  const members = await db
    .select({ id: organizationMembers.id, name: users.name, member_number: organizationMembers.memberNumber, department_id: organizationMembers.departmentId, department: departments.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .leftJoin(departments, and(eq(departments.id, organizationMembers.departmentId), eq(departments.organizationId, ctx.organizationId)))
    .where(
      and(
        eq(organizationMembers.organizationId, ctx.organizationId),
        eq(organizationMembers.status, 'active'),
        q.department_id ? eq(organizationMembers.departmentId, q.department_id) : undefined,
        sql`exists (select 1 from member_roles mr join role_permissions rp on rp.role_id = mr.role_id
          where mr.organization_member_id = ${organizationMembers.id} and rp.permission = 'attendance:record:submit')`,
      ),
    )
    .orderBy(asc(departments.name), asc(users.name), asc(organizationMembers.id))
  const ids = members.map((m) => m.id)
  const cells = ids.length
    ? await db
        .select({ member_id: shiftAssignments.organizationMemberId, date: shiftAssignments.date, shift_type_id: shiftAssignments.shiftTypeId })
        .from(shiftAssignments)
        .where(and(eq(shiftAssignments.organizationId, ctx.organizationId), inArray(shiftAssignments.organizationMemberId, ids), gte(shiftAssignments.date, q.start), lte(shiftAssignments.date, q.end)))
    : []
  const byMember = new Map<number, Record<string, number | null>>()
  for (const c of cells) {
    const days = byMember.get(c.member_id) ?? {}
    days[c.date] = c.shift_type_id
    byMember.set(c.member_id, days)
  }
  return {
    start: q.start,
    end: q.end,
    dates: datesBetween(q.start, q.end),
    shift_types: await listShiftTypes(ctx),
    members: members.map((m) => ({ ...m, days: byMember.get(m.id) ?? {} })),
  }
}

interface Cell {
  member_id: number
  date: string
  /** A shift type id, or null for a day off. */
  shift_type_id: number | null
  /** Gives the day back to the department's schedule. */
  clear?: boolean
}

/** Members and shift types of the cells all belong to the organization, else 422 naming what does not. */
async function checkCells(tx: Tx, organizationId: number, cells: readonly Cell[]): Promise<void> {
  const memberIds = [...new Set(cells.map((c) => c.member_id))]
  const typeIds = [...new Set(cells.flatMap((c) => (c.shift_type_id === null || c.clear ? [] : [c.shift_type_id])))]
  const known = await tx.select({ id: organizationMembers.id }).from(organizationMembers).where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, memberIds)))
  const missingMembers = memberIds.filter((id) => !known.some((k) => k.id === id))
  if (missingMembers.length) throw new ValidationError('No such member in this organization', [{ path: 'member_id', message: `Unknown member(s): ${missingMembers.join(', ')}`, code: 'custom', reason: 'unknown_member' }])
  if (typeIds.length) {
    const types = await tx.select({ id: shiftTypes.id }).from(shiftTypes).where(and(eq(shiftTypes.organizationId, organizationId), inArray(shiftTypes.id, typeIds)))
    const missing = typeIds.filter((id) => !types.some((t) => t.id === id))
    if (missing.length) throw new ValidationError('No such shift type in this organization', [{ path: 'shift_type_id', message: `Unknown shift type(s): ${missing.join(', ')}`, code: 'custom', reason: 'unknown_shift_type' }])
  }
}

/** Writes roster cells (set or clear) in two statements whatever their number; the last cell of a (member, day) wins. */
async function writeCells(tx: Tx, organizationId: number, cells: readonly Cell[]): Promise<{ set: number; cleared: number }> {
  const last = new Map<string, Cell>()
  for (const c of cells) last.set(`${c.member_id}|${c.date}`, c)
  const unique = [...last.values()]
  const clear = unique.filter((c) => c.clear)
  const set = unique.filter((c) => !c.clear)
  if (clear.length) {
    await tx.execute(sql`delete from shift_assignments s using unnest(${intArray(clear.map((c) => c.member_id))}::int[], ${textArray(clear.map((c) => c.date))}::date[]) as v(member_id, day)
      where s.organization_id = ${organizationId} and s.organization_member_id = v.member_id and s.date = v.day`)
  }
  if (set.length) {
    rowsOf(
      await tx.execute(sql`insert into shift_assignments (organization_id, organization_member_id, date, shift_type_id)
        select ${organizationId}::integer, v.member_id, v.day, v.shift_type_id
        from unnest(${intArray(set.map((c) => c.member_id))}::int[], ${textArray(set.map((c) => c.date))}::date[], ${intArray(set.map((c) => c.shift_type_id))}::int[]) as v(member_id, day, shift_type_id)
        on conflict (organization_member_id, date) do update set shift_type_id = excluded.shift_type_id, updated_at = now()`),
    )
  }
  return { set: set.length, cleared: clear.length }
}

/** Sets roster cells one by one (the admin's roster grid). */
export function setRosterCells(ctx: ServiceContext, input: z.infer<typeof rosterCellsInput>) {
  const cells: Cell[] = input.cells.map((c) => ({ member_id: c.member_id, date: c.date, shift_type_id: c.shift_type_id ?? null, clear: c.clear === true }))
  return transaction(ctx, async (tx) => {
    await checkCells(tx, ctx.organizationId, cells)
    const written = await writeCells(tx, ctx.organizationId, cells)
    const dates = cells.map((c) => c.date).sort()
    await auditBy(tx, ctx, { action: 'roster.update', entityType: 'roster', details: { ...written, members: new Set(cells.map((c) => c.member_id)).size, from: dates[0], to: dates.at(-1) } })
    return written
  })
}

/** Lays a repeating pattern over members and days ("2 mornings, 2 nights, 2 off"). */
export function applyRosterPattern(ctx: ServiceContext, input: z.infer<typeof rosterPatternInput>) {
  const cells: Cell[] = patternCells(input)
  return transaction(ctx, async (tx) => {
    await checkCells(tx, ctx.organizationId, cells)
    const written = await writeCells(tx, ctx.organizationId, cells)
    await auditBy(tx, ctx, { action: 'roster.pattern', entityType: 'roster', details: { ...written, members: input.member_ids.length, from: input.start_date, to: input.end_date, days: daysInclusive(input.start_date, input.end_date), pattern: input.pattern } })
    return written
  })
}
