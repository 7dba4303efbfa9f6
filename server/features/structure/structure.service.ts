import { and, count, eq, getTableName, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, organizationMembers, positions } from '../../db/schema'
import { ConflictError, NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'

/**
 * What departments and positions share: a named row of the organization that members point at (one column of
 * organization_members each). Their services keep what differs (a department's code and schedule).
 */
export interface StructureUnit {
  table: typeof departments | typeof positions
  /** The organization_members column that points at the unit. */
  memberColumn: typeof organizationMembers.departmentId | typeof organizationMembers.positionId
  /** The audit entity type, and the noun of the messages. */
  entityType: 'department' | 'position'
  /** NotFoundError's thing ("Department"). */
  label: string
  /** Why a unit members still point at cannot be deleted. */
  inUseMessage: (members: number) => string
}

export const departmentUnit: StructureUnit = {
  table: departments,
  memberColumn: organizationMembers.departmentId,
  entityType: 'department',
  label: 'Department',
  inUseMessage: (n) => `${n} member(s) are in this department: move them first`,
}

export const positionUnit: StructureUnit = {
  table: positions,
  memberColumn: organizationMembers.positionId,
  entityType: 'position',
  label: 'Position',
  inUseMessage: (n) => `${n} member(s) hold this position: change it first`,
}

/** For a list's select: how many of the organization's members point at the row. */
export function memberCount(unit: StructureUnit, organizationId: number) {
  const table = sql.raw(`"${getTableName(unit.table)}"`)
  const column = sql.raw(`om.${unit.memberColumn.name}`)
  return sql<number>`(select count(*)::int from ${organizationMembers} om where ${column} = ${table}."id" and om.organization_id = ${organizationId})`
}

/** Names are unique in the organization, compared without case (409 DUPLICATE_NAME). */
export async function assertNameFree(tx: Tx, unit: StructureUnit, organizationId: number, name: string, exceptId?: number): Promise<void> {
  const { table } = unit
  const [dup] = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.organizationId, organizationId), sql`lower(${table.name}) = lower(${name})`, exceptId === undefined ? undefined : sql`${table.id} <> ${exceptId}`))
  if (dup) throw new ConflictError(`A ${unit.entityType} with this name exists`, 'DUPLICATE_NAME', { field: 'name' })
}

/** Deletes a unit no member points at; one still in use is refused (409 IN_USE): its members would silently lose it. */
export function deleteUnused(ctx: ServiceContext, unit: StructureUnit, id: number) {
  const { table } = unit
  return transaction(ctx, async (tx) => {
    const [row] = await tx.select({ id: table.id, name: table.name }).from(table).where(and(eq(table.id, id), eq(table.organizationId, ctx.organizationId)))
    if (!row) throw new NotFoundError(unit.label)
    const [used] = await tx.select({ n: count() }).from(organizationMembers).where(and(eq(organizationMembers.organizationId, ctx.organizationId), eq(unit.memberColumn, id)))
    const n = used?.n ?? 0
    if (n > 0) throw new ConflictError(unit.inUseMessage(n), 'IN_USE', { members: n })
    await tx.delete(table).where(and(eq(table.id, id), eq(table.organizationId, ctx.organizationId)))
    await auditBy(tx, ctx, { action: `${unit.entityType}.delete`, entityType: unit.entityType, entityId: id, details: { name: row.name } })
    return { deleted: true }
  })
}
