import { and, eq, inArray, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { Db, Tx } from '../../db/client'
import { organizationMembers, users } from '../../db/schema'

// The name /api/face/verify gives a matched member, from memory (deps.faceIndex.names) after the member's first match.
// Every write of users.name must call announceRenames in its transaction and dropMemberNames after its commit: today
// the admin's member edit, the member's own profile and the Excel import. A name is a user's, so it changes in every
// organization the person belongs to.

function prepareMemberName(db: Db) {
  return db
    .select({ name: users.name })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.id, sql.placeholder('memberId')), eq(organizationMembers.organizationId, sql.placeholder('organizationId'))))
    .prepare('hadir_member_name')
}
const memberNameStatements = new WeakMap<Db, ReturnType<typeof prepareMemberName>>()

/** The statement, prepared once per database (not planned again on every first match). */
function memberNameStatement(db: Db): ReturnType<typeof prepareMemberName> {
  let statement = memberNameStatements.get(db)
  if (!statement) {
    statement = prepareMemberName(db)
    memberNameStatements.set(db, statement)
  }
  return statement
}

/** A matched member's name, of that organization only: kept in memory, read on a member's first match. */
export function matchedMemberName(deps: AppDeps, organizationId: number, memberId: number): Promise<string | null> {
  return deps.faceIndex.names.get(organizationId, memberId, async () => {
    const [m] = await memberNameStatement(deps.database.db).execute({ memberId, organizationId })
    return m?.name ?? null
  })
}

export const MEMBER_NAMES_CHANNEL = 'hadir_member_names'

/**
 * Part of a transaction that renames these users: finds the organizations they are members of and tells every server
 * instance on the database to drop those organizations' names (NOTIFY, delivered at the commit and only if it commits).
 * Answers the organizations, for dropMemberNames on this instance once the transaction has committed.
 */
export async function announceRenames(tx: Tx, userIds: readonly number[]): Promise<number[]> {
  if (userIds.length === 0) return []
  const rows = await tx
    .selectDistinct({ id: organizationMembers.organizationId })
    .from(organizationMembers)
    .where(inArray(organizationMembers.userId, [...new Set(userIds)]))
  for (const { id } of rows) await tx.execute(sql`select pg_notify(${MEMBER_NAMES_CHANNEL}, ${String(id)})`)
  return rows.map((r) => r.id)
}

/**
 * After the rename's commit (before it, a verify could read the old name meanwhile and keep it): drops the
 * organizations' names on this instance, so its very next verify reads them afresh. Other instances drop them when the
 * transaction's notification reaches them (subscribeMemberNames), as for the face index.
 */
export function dropMemberNames(deps: AppDeps, organizationIds: Iterable<number>): void {
  for (const organizationId of organizationIds) deps.faceIndex.names.invalidate(organizationId)
}

/** Listens for the renames of every instance (this one's included: dropped twice, harmlessly). */
export async function subscribeMemberNames(deps: AppDeps): Promise<void> {
  await deps.database.listen(MEMBER_NAMES_CHANNEL, (payload) => {
    const id = Number(payload)
    if (Number.isInteger(id) && id > 0) deps.faceIndex.names.invalidate(id)
  })
}
