import { and, asc, eq } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { departments, workSchedules } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { assertNameFree, deleteUnused, departmentUnit, memberCount } from '../structure/structure.service'
import type { departmentInput, departmentPatch } from './departments.schemas'

/** The organization's departments with how many members each holds, by name. */
export function listDepartments(ctx: ServiceContext) {
  return ctx.deps.database.db
    .select({
      id: departments.id,
      name: departments.name,
      code: departments.code,
      work_schedule_id: departments.workScheduleId,
      members: memberCount(departmentUnit, ctx.organizationId),
    })
    .from(departments)
    .where(eq(departments.organizationId, ctx.organizationId))
    .orderBy(asc(departments.name))
}

export function createDepartment(ctx: ServiceContext, input: z.infer<typeof departmentInput>) {
  return transaction(ctx, async (tx) => {
    await assertNameFree(tx, departmentUnit, ctx.organizationId, input.name)
    if (input.work_schedule_id) await assertSchedule(tx, ctx.organizationId, input.work_schedule_id)
    const [created] = await tx
      .insert(departments)
      .values({ organizationId: ctx.organizationId, name: input.name, code: input.code, workScheduleId: input.work_schedule_id ?? null })
      .returning({ id: departments.id, name: departments.name, code: departments.code, work_schedule_id: departments.workScheduleId })
    await auditBy(tx, ctx, { action: 'department.create', entityType: 'department', entityId: created!.id })
    return created!
  })
}

export function updateDepartment(ctx: ServiceContext, id: number, input: z.infer<typeof departmentPatch>) {
  return transaction(ctx, async (tx) => {
    if (input.name) await assertNameFree(tx, departmentUnit, ctx.organizationId, input.name, id)
    if (input.work_schedule_id) await assertSchedule(tx, ctx.organizationId, input.work_schedule_id)
    const [updated] = await tx
      .update(departments)
      .set({ name: input.name, code: input.code === undefined ? undefined : input.code || null, workScheduleId: input.work_schedule_id, updatedAt: new Date() })
      .where(and(eq(departments.id, id), eq(departments.organizationId, ctx.organizationId)))
      .returning()
    if (!updated) throw new NotFoundError('Department')
    await auditBy(tx, ctx, { action: 'department.update', entityType: 'department', entityId: updated.id, details: input })
    return { id: updated.id, name: updated.name, code: updated.code, work_schedule_id: updated.workScheduleId }
  })
}

/** A department that still has members is refused (409 IN_USE): they would silently lose it. */
export function deleteDepartment(ctx: ServiceContext, id: number) {
  return deleteUnused(ctx, departmentUnit, id)
}

async function assertSchedule(tx: Tx, organizationId: number, scheduleId: number): Promise<void> {
  const [s] = await tx.select({ id: workSchedules.id }).from(workSchedules).where(and(eq(workSchedules.id, scheduleId), eq(workSchedules.organizationId, organizationId)))
  if (!s) throw new ValidationError('Unknown schedule', [{ path: 'work_schedule_id', message: 'Unknown schedule' }])
}
