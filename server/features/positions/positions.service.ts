import { and, asc, eq } from 'drizzle-orm'
import type { z } from 'zod'
import { positions } from '../../db/schema'
import { NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { assertNameFree, deleteUnused, memberCount, positionUnit } from '../structure/structure.service'
import type { positionInput, positionPatch } from './positions.schemas'

/** The organization's positions with how many members hold each, by name. */
export function listPositions(ctx: ServiceContext) {
  return ctx.deps.database.db
    .select({
      id: positions.id,
      name: positions.name,
      members: memberCount(positionUnit, ctx.organizationId),
    })
    .from(positions)
    .where(eq(positions.organizationId, ctx.organizationId))
    .orderBy(asc(positions.name))
}

export function createPosition(ctx: ServiceContext, input: z.infer<typeof positionInput>) {
  return transaction(ctx, async (tx) => {
    await assertNameFree(tx, positionUnit, ctx.organizationId, input.name)
    const [created] = await tx.insert(positions).values({ organizationId: ctx.organizationId, name: input.name }).returning({ id: positions.id, name: positions.name })
    await auditBy(tx, ctx, { action: 'position.create', entityType: 'position', entityId: created!.id })
    return created!
  })
}

export function renamePosition(ctx: ServiceContext, id: number, input: z.infer<typeof positionPatch>) {
  return transaction(ctx, async (tx) => {
    await assertNameFree(tx, positionUnit, ctx.organizationId, input.name, id)
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
  return deleteUnused(ctx, positionUnit, id)
}
