import { and, asc, count, eq, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { organizationMembers, positions } from '../../db/schema'
import { ConflictError, NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import type { positionInput, positionPatch } from './positions.schemas'

/** The organization's positions with how many members hold each, by name. */
export function listPositions(ctx: ServiceContext) {
  return ctx.deps.database.db
    .select({
      id: positions.id,
      name: positions.name,
      members: sql<number>`(select count(*)::int from ${organizationMembers} om where om.position_id = "positions"."id" and om.organization_id = ${ctx.organizationId})`,
    })
    .from(positions)
    .where(eq(positions.organizationId, ctx.organizationId))
    .orderBy(asc(positions.name))
}

export function createPosition(ctx: ServiceContext, input: z.infer<typeof positionInput>) {
  return transaction(ctx, async (tx) => {
    await assertNameFree(tx, ctx.organizationId, input.name)
    const [created] = await tx.insert(positions).values({ organizationId: ctx.organizationId, name: input.name }).returning({ id: positions.id, name: positions.name })
    await auditBy(tx, ctx, { action: 'position.create', entityType: 'position', entityId: created!.id })
    return created!
  })
}

export function renamePosition(ctx: ServiceContext, id: number, input: z.infer<typeof positionPatch>) {
  return transaction(ctx, async (tx) => {
    await assertNameFree(tx, ctx.organizationId, input.name, id)
    const [updated] = await tx
      .update(positions)
      .set({ name: input.name, updatedAt: new Date() })
      .where(and(eq(positions.id, id), eq(positions.organizationId, ctx.organizationId)))
      .returning({ id: positions.id, name: positions.name })
    if (!updated) throw new NotFoundError('Position')
    await auditBy(tx, ctx, { action: 'position.update', entityType: 'position', entityId: id, details: input })
    return updated
  })
}

/** A position members still hold is refused (409 IN_USE). */
export function deletePosition(ctx: ServiceContext, id: number) {
  return transaction(ctx, async (tx) => {
    const [row] = await tx.select({ id: positions.id, name: positions.name }).from(positions).where(and(eq(positions.id, id), eq(positions.organizationId, ctx.organizationId)))
    if (!row) throw new NotFoundError('Position')
    const [used] = await tx.select({ n: count() }).from(organizationMembers).where(and(eq(organizationMembers.organizationId, ctx.organizationId), eq(organizationMembers.positionId, id)))
    const n = used?.n ?? 0
    if (n > 0) throw new ConflictError(`${n} member(s) hold this position: change it first`, 'IN_USE', { members: n })
    await tx.delete(positions).where(and(eq(positions.id, id), eq(positions.organizationId, ctx.organizationId)))
    await auditBy(tx, ctx, { action: 'position.delete', entityType: 'position', entityId: id, details: { name: row.name } })
    return { deleted: true }
  })
}

async function assertNameFree(tx: Tx, organizationId: number, name: string, exceptId?: number): Promise<void> {
  const [dup] = await tx
    .select({ id: positions.id })
    .from(positions)
    .where(and(eq(positions.organizationId, organizationId), sql`lower(${positions.name}) = lower(${name})`, exceptId === undefined ? undefined : sql`${positions.id} <> ${exceptId}`))
  if (dup) throw new ConflictError('A position with this name exists', 'DUPLICATE_NAME', { field: 'name' })
}
