// An organization's days off (issue 17 item 1): the national days it keeps or opts out of, and its own days for the
// whole organization or some departments. The rules are in shared/holidays; `holidayCalendar` is what reports, today
// at a glance, leave and check-in ask.
import { and, asc, eq, gte, inArray, lte } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, holidays, nationalHolidayOptOuts, organizations } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { toLocal } from '../../../shared/attendance/rules'
import { daysOff, HolidayCalendar, type HolidayInput, type OwnHoliday } from '../../../shared/holidays/holidays'
import { NATIONAL_HOLIDAYS, nationalHolidaysBetween } from '../../../shared/holidays/national'
import type { ImportRow } from './holidays.sheet'

const ownColumns = { id: holidays.id, name: holidays.name, start_date: holidays.startDate, end_date: holidays.endDate, department_ids: holidays.departmentIds }

/** The organization's own entries that touch [start, end]. */
function ownBetween(db: Tx, organizationId: number, start: string, end: string): Promise<OwnHoliday[]> {
  return db
    .select(ownColumns)
    .from(holidays)
    .where(and(eq(holidays.organizationId, organizationId), gte(holidays.endDate, start), lte(holidays.startDate, end)))
    .orderBy(asc(holidays.startDate), asc(holidays.id))
}

async function optedOutBetween(db: Tx, organizationId: number, start: string, end: string): Promise<string[]> {
  const rows = await db
    .select({ date: nationalHolidayOptOuts.date })
    .from(nationalHolidayOptOuts)
    .where(and(eq(nationalHolidayOptOuts.organizationId, organizationId), gte(nationalHolidayOptOuts.date, start), lte(nationalHolidayOptOuts.date, end)))
  return rows.map((r) => r.date)
}

/** The organization's days off from `start` to `end`: what every rule about working days asks. */
export async function holidayCalendar(db: Tx, organizationId: number, start: string, end: string): Promise<HolidayCalendar> {
  const [own, optedOut] = await Promise.all([ownBetween(db, organizationId, start, end), optedOutBetween(db, organizationId, start, end)])
  return new HolidayCalendar(daysOff({ start, end, optedOut, own }))
}

/** The organization's current year (its zone's). */
export async function currentYear(db: Tx, organizationId: number, now = new Date()): Promise<number> {
  const [org] = await db.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, organizationId))
  if (!org) throw new NotFoundError('Organization')
  return Number(toLocal(now, org.timezone).date.slice(0, 4))
}

/** A year as the dashboard shows it: the national days (kept or not) and the organization's own entries. */
export async function holidaysOfYear(ctx: ServiceContext, year?: number) {
  const { db } = ctx.deps.database
  const y = year ?? (await currentYear(db, ctx.organizationId))
  const start = `${y}-01-01`
  const end = `${y}-12-31`
  const [own, optedOut] = await Promise.all([ownBetween(db, ctx.organizationId, start, end), optedOutBetween(db, ctx.organizationId, start, end)])
  const off = new Set(optedOut)
  return {
    year: y,
    /** Whether Hadir ships the national days of this year. */
    national_known: NATIONAL_HOLIDAYS.some((h) => h.date.startsWith(`${y}-`)),
    national: nationalHolidaysBetween(start, end).map((h) => ({ ...h, observed: !off.has(h.date) })),
    own,
  }
}

/** Every department named must be the organization's own (422 UNKNOWN_DEPARTMENT names the ones that are not). */
async function checkDepartments(tx: Tx, organizationId: number, ids: readonly number[] | null | undefined): Promise<number[] | null> {
  if (!ids || ids.length === 0) return null
  const unique = [...new Set(ids)].sort((a, b) => a - b)
  const found = await tx
    .select({ id: departments.id })
    .from(departments)
    .where(and(eq(departments.organizationId, organizationId), inArray(departments.id, unique)))
  const known = new Set(found.map((d) => d.id))
  const unknown = unique.filter((id) => !known.has(id))
  if (unknown.length > 0) throw new ValidationError('Some departments do not exist', [{ path: 'department_ids', message: `Unknown: ${unknown.join(', ')}` }], 'UNKNOWN_DEPARTMENT')
  return unique
}

export function createHoliday(ctx: ServiceContext, input: HolidayInput): Promise<OwnHoliday> {
  return transaction(ctx, async (tx) => {
    const departmentIds = await checkDepartments(tx, ctx.organizationId, input.department_ids)
    const [row] = await tx
      .insert(holidays)
      .values({ organizationId: ctx.organizationId, name: input.name, startDate: input.start_date, endDate: input.end_date, departmentIds })
      .returning(ownColumns)
    await auditBy(tx, ctx, { action: 'holiday.create', entityType: 'holiday', entityId: row!.id, details: { name: input.name, start_date: input.start_date, end_date: input.end_date, department_ids: departmentIds } })
    return row!
  })
}

export function updateHoliday(ctx: ServiceContext, id: number, input: HolidayInput): Promise<OwnHoliday> {
  return transaction(ctx, async (tx) => {
    const departmentIds = await checkDepartments(tx, ctx.organizationId, input.department_ids)
    const [row] = await tx
      .update(holidays)
      .set({ name: input.name, startDate: input.start_date, endDate: input.end_date, departmentIds, updatedAt: new Date() })
      .where(and(eq(holidays.id, id), eq(holidays.organizationId, ctx.organizationId)))
      .returning(ownColumns)
    if (!row) throw new NotFoundError('Holiday')
    await auditBy(tx, ctx, { action: 'holiday.update', entityType: 'holiday', entityId: id, details: { name: input.name, start_date: input.start_date, end_date: input.end_date, department_ids: departmentIds } })
    return row
  })
}

export function deleteHoliday(ctx: ServiceContext, id: number): Promise<{ deleted: true }> {
  return transaction(ctx, async (tx) => {
    const [row] = await tx
      .delete(holidays)
      .where(and(eq(holidays.id, id), eq(holidays.organizationId, ctx.organizationId)))
      .returning({ name: holidays.name, start_date: holidays.startDate, end_date: holidays.endDate })
    if (!row) throw new NotFoundError('Holiday')
    await auditBy(tx, ctx, { action: 'holiday.delete', entityType: 'holiday', entityId: id, details: row })
    return { deleted: true as const }
  })
}

/** Keeps a national day as a day off (the default) or makes it a working day in this organization. */
export function setNationalObserved(ctx: ServiceContext, input: { date: string; observed: boolean }) {
  const day = NATIONAL_HOLIDAYS.find((h) => h.date === input.date)
  if (!day) throw new NotFoundError('National holiday', 'NOT_A_NATIONAL_HOLIDAY')
  return transaction(ctx, async (tx) => {
    if (input.observed) {
      await tx.delete(nationalHolidayOptOuts).where(and(eq(nationalHolidayOptOuts.organizationId, ctx.organizationId), eq(nationalHolidayOptOuts.date, input.date)))
    } else {
      await tx.insert(nationalHolidayOptOuts).values({ organizationId: ctx.organizationId, date: input.date }).onConflictDoNothing()
    }
    await auditBy(tx, ctx, { action: input.observed ? 'holiday.national_observe' : 'holiday.national_work', entityType: 'holiday', entityId: input.date, details: { name: day.name } })
    return { ...day, observed: input.observed }
  })
}

/** The organization's departments by id (the export names them; the import reads names back). */
export async function departmentNames(db: Tx, organizationId: number): Promise<Map<number, string>> {
  const rows = await db.select({ id: departments.id, name: departments.name }).from(departments).where(eq(departments.organizationId, organizationId))
  return new Map(rows.map((r) => [r.id, r.name]))
}

const sameDays = (a: { name: string; start_date: string; end_date: string; department_ids: number[] | null }, b: typeof a) =>
  a.name === b.name && a.start_date === b.start_date && a.end_date === b.end_date && (a.department_ids ?? []).join(',') === (b.department_ids ?? []).join(',')

/**
 * Imports checked rows (holidays.sheet.ts): a row equal to an entry the organization has (or to an earlier row) is
 * left as it is; the rest are created in one transaction, and only when no row has an error and it is not a dry run.
 */
export async function importHolidays(ctx: ServiceContext, rows: ImportRow[], options: { dryRun: boolean; filename: string }) {
  const { db } = ctx.deps.database
  const existing = await db.select(ownColumns).from(holidays).where(eq(holidays.organizationId, ctx.organizationId))
  const seen = existing.map((e) => ({ ...e, department_ids: e.department_ids ? [...e.department_ids].sort((a, b) => a - b) : null }))
  const planned = rows.map((r) => {
    if (!r.input) return { row: r.row, status: 'invalid' as const, errors: r.errors, holiday: null }
    const holiday = { name: r.input.name, start_date: r.input.start_date, end_date: r.input.end_date, department_ids: r.input.department_ids ? [...new Set(r.input.department_ids)].sort((a, b) => a - b) : null }
    if (seen.some((e) => sameDays(e, holiday))) return { row: r.row, status: 'unchanged' as const, errors: [], holiday }
    seen.push({ id: 0, ...holiday })
    return { row: r.row, status: 'create' as const, errors: [], holiday }
  })
  const counts = { create: 0, unchanged: 0, invalid: 0 }
  for (const p of planned) counts[p.status]++
  const apply = !options.dryRun && counts.invalid === 0 && counts.create > 0
  if (apply) {
    await transaction(ctx, async (tx) => {
      const values = planned.filter((p) => p.status === 'create').map((p) => ({ organizationId: ctx.organizationId, name: p.holiday!.name, startDate: p.holiday!.start_date, endDate: p.holiday!.end_date, departmentIds: p.holiday!.department_ids }))
      await tx.insert(holidays).values(values)
      await auditBy(tx, ctx, { action: 'holiday.import', entityType: 'holiday', details: { filename: options.filename, created: counts.create, unchanged: counts.unchanged } })
    })
  }
  return { applied: apply, counts, rows: planned }
}
