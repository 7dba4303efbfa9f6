import { and, asc, count, eq } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { departments, workSchedules } from '../../db/schema'
import { ConflictError, NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { dayHoursFrom, dayHoursJson, type DayHoursJson } from '../../../shared/attendance/rules'
import type { scheduleInput, schedulePatch } from './schedules.schemas'

export function presentSchedule(s: typeof workSchedules.$inferSelect) {
  const dayHours = dayHoursJson({ dayHours: dayHoursFrom(s.dayHours) })
  return { id: s.id, name: s.name, work_days: s.workDays, start_time: s.startTime.slice(0, 5), end_time: s.endTime.slice(0, 5), late_tolerance_minutes: s.lateToleranceMinutes, day_hours: dayHours }
}

/** Day hours kept only for the schedule's working days (a day taken out of the week drops its own hours). */
function ownDayHours(dayHours: DayHoursJson, workDays: readonly number[]): DayHoursJson {
  return Object.fromEntries(Object.entries(dayHours).filter(([day, h]) => h && workDays.includes(Number(day))))
}

/** The organization's work schedules in the order they were made. */
export async function listSchedules(db: Tx, organizationId: number) {
  const rows = await db.select().from(workSchedules).where(eq(workSchedules.organizationId, organizationId)).orderBy(asc(workSchedules.id))
  return rows.map(presentSchedule)
}

export async function createSchedule(ctx: ServiceContext, input: z.infer<typeof scheduleInput>) {
  const row = await transaction(ctx, async (tx) => {
    const [created] = await tx
      .insert(workSchedules)
      .values({
        organizationId: ctx.organizationId,
        name: input.name,
        workDays: [...new Set(input.work_days)].sort(),
        startTime: input.start_time,
        endTime: input.end_time,
        lateToleranceMinutes: input.late_tolerance_minutes,
        dayHours: ownDayHours(input.day_hours, input.work_days),
      })
      .returning()
    await auditBy(tx, ctx, { action: 'schedule.create', entityType: 'schedule', entityId: created!.id })
    return created!
  })
  return presentSchedule(row)
}

export async function updateSchedule(ctx: ServiceContext, id: number, input: z.infer<typeof schedulePatch>) {
  const row = await transaction(ctx, async (tx) => {
    // New day hours, or new working days, keep the day hours of the working days only.
    let dayHours: DayHoursJson | undefined
    if (input.day_hours !== undefined || input.work_days !== undefined) {
      const [current] = await tx.select({ workDays: workSchedules.workDays, dayHours: workSchedules.dayHours }).from(workSchedules).where(and(eq(workSchedules.id, id), eq(workSchedules.organizationId, ctx.organizationId)))
      if (!current) throw new NotFoundError('Schedule')
      dayHours = ownDayHours(input.day_hours ?? current.dayHours, input.work_days ?? current.workDays)
    }
    const [updated] = await tx
      .update(workSchedules)
      .set({
        name: input.name,
        workDays: input.work_days ? [...new Set(input.work_days)].sort() : undefined,
        dayHours,
        startTime: input.start_time,
        endTime: input.end_time,
        lateToleranceMinutes: input.late_tolerance_minutes,
        updatedAt: new Date(),
      })
      .where(and(eq(workSchedules.id, id), eq(workSchedules.organizationId, ctx.organizationId)))
      .returning()
    if (!updated) throw new NotFoundError('Schedule')
    await auditBy(tx, ctx, { action: 'schedule.update', entityType: 'schedule', entityId: updated.id, details: input })
    return updated
  })
  return presentSchedule(row)
}

/** A schedule that departments follow is refused (409 IN_USE): deleting it would silently change their hours. */
export function deleteSchedule(ctx: ServiceContext, id: number) {
  return transaction(ctx, async (tx) => {
    const [row] = await tx.select({ id: workSchedules.id, name: workSchedules.name }).from(workSchedules).where(and(eq(workSchedules.id, id), eq(workSchedules.organizationId, ctx.organizationId)))
    if (!row) throw new NotFoundError('Schedule')
    const [used] = await tx.select({ n: count() }).from(departments).where(and(eq(departments.organizationId, ctx.organizationId), eq(departments.workScheduleId, id)))
    if ((used?.n ?? 0) > 0) throw new ConflictError(`${used!.n} department(s) follow this schedule: give them another first`, 'IN_USE', { departments: used!.n })
    await tx.delete(workSchedules).where(and(eq(workSchedules.id, id), eq(workSchedules.organizationId, ctx.organizationId)))
    await auditBy(tx, ctx, { action: 'schedule.delete', entityType: 'schedule', entityId: id, details: { name: row.name } })
    return { deleted: true }
  })
}

/** The context's organization's work schedules. */
export function organizationSchedules(ctx: ServiceContext) {
  return listSchedules(ctx.deps.database.db, ctx.organizationId)
}
