// Member import, applying a plan in the caller's transaction.
import { and, eq, inArray } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, memberRoles, organizationMembers, positions, sessions, users } from '../../db/schema'
import { systemRoleId } from '../roles/roles.service'
import { inviteAccount } from '../invitations/membership-invitations.service'
import { chunks, lower, namedRows, type ImportPlan } from './import.plan'

export interface ApplyResult {
  created: number
  /** Rows whose email has an account of its own: invited, not added (they accept first). */
  invited: number
  updated: number
  unchanged: number
  skipped: number
  departments_created: string[]
  positions_created: string[]
  created_ids: number[]
  updated_ids: number[]
}

export type Progress = (done: number, total: number) => Promise<void> | void

async function ensureNamed(tx: Tx, table: typeof departments | typeof positions, organizationId: number, names: string[]) {
  const map = await namedRows(tx, table, organizationId)
  const missing = names.filter((n) => !map.has(lower(n)))
  if (missing.length > 0) {
    const created = await tx
      .insert(table)
      .values(missing.map((name) => ({ organizationId, name })))
      .returning({ id: table.id, name: table.name })
    for (const c of created) map.set(lower(c.name), c)
  }
  return { map, created: missing }
}

/**
 * Applies a plan inside the caller's transaction (the caller re-plans inside that same transaction, so the plan
 * matches the data it changes). Departments and positions named in the file are created as needed.
 */
export async function applyPlan(tx: Tx, organizationId: number, plan: ImportPlan, progress?: Progress, invitedBy: number | null = null): Promise<ApplyResult> {
  const total = plan.creates.length + plan.invites.length + plan.updates.length
  let done = 0
  const wanted = (key: 'department' | 'position') => [
    ...new Map([...plan.creates, ...plan.invites, ...plan.updates].filter((op) => op.values[key]).map((op) => [lower(op.values[key]), op.values[key]])).values(),
  ]
  const depts = await ensureNamed(tx, departments, organizationId, wanted('department'))
  const poss = await ensureNamed(tx, positions, organizationId, wanted('position'))
  const roleId = { member: await systemRoleId(tx, 'member'), petugas: await systemRoleId(tx, 'petugas') }
  const createdIds: number[] = []

  for (const part of chunks(plan.creates, 500)) {
    const fresh = part.filter((op) => op.userId === null)
    if (fresh.length > 0) {
      // PostgreSQL returns the rows of a multi-row INSERT in the order given.
      const ids = await tx
        .insert(users)
        .values(fresh.map((op) => ({ name: op.values.name, email: op.values.email || null, phone: op.values.phone || null })))
        .returning({ id: users.id })
      fresh.forEach((op, i) => (op.userId = ids[i]!.id))
    }
    const inserted = await tx
      .insert(organizationMembers)
      .values(
        part.map((op) => ({
          organizationId,
          userId: op.userId!,
          memberNumber: op.values.member_number || null,
          departmentId: op.values.department ? depts.map.get(lower(op.values.department))!.id : null,
          positionId: op.values.position ? poss.map.get(lower(op.values.position))!.id : null,
        })),
      )
      .returning({ id: organizationMembers.id })
    await tx.insert(memberRoles).values(part.map((op, i) => ({ organizationId, organizationMemberId: inserted[i]!.id, roleId: roleId[op.values.role || 'member'] })))
    createdIds.push(...inserted.map((r) => r.id))
    done += part.length
    await progress?.(done, total)
  }

  for (const op of plan.invites) {
    await inviteAccount(tx, {
      organizationId,
      userId: op.userId,
      kind: 'member',
      roleId: roleId[op.values.role || 'member'],
      name: op.values.name,
      email: op.values.email,
      memberNumber: op.values.member_number || null,
      departmentId: op.values.department ? depts.map.get(lower(op.values.department))!.id : null,
      positionId: op.values.position ? poss.map.get(lower(op.values.position))!.id : null,
      createdBy: invitedBy,
    })
    done++
    if (done % 100 === 0 || done === total) await progress?.(done, total)
  }

  for (const op of plan.updates) {
    const c = op.changes
    if (c.name || c.email || c.phone) {
      await tx
        .update(users)
        .set({ name: c.name?.to, email: c.email?.to, phone: c.phone?.to, updatedAt: new Date() })
        .where(eq(users.id, op.userId))
    }
    if (c.member_number || c.department || c.position) {
      await tx
        .update(organizationMembers)
        .set({
          memberNumber: c.member_number?.to,
          departmentId: c.department ? depts.map.get(lower(op.values.department))!.id : undefined,
          positionId: c.position ? poss.map.get(lower(op.values.position))!.id : undefined,
          updatedAt: new Date(),
        })
        .where(and(eq(organizationMembers.id, op.memberId), eq(organizationMembers.organizationId, organizationId)))
    }
    if (c.role && op.values.role) {
      await tx
        .delete(memberRoles)
        .where(and(eq(memberRoles.organizationMemberId, op.memberId), inArray(memberRoles.roleId, [roleId.member, roleId.petugas])))
      await tx.insert(memberRoles).values({ organizationId, organizationMemberId: op.memberId, roleId: roleId[op.values.role] })
      // A new role means signing in again.
      await tx.delete(sessions).where(eq(sessions.organizationMemberId, op.memberId))
    }
    done++
    if (done % 100 === 0 || done === total) await progress?.(done, total)
  }
  return {
    created: plan.creates.length,
    invited: plan.invites.length,
    updated: plan.updates.length,
    unchanged: plan.counts.unchanged,
    skipped: plan.counts.error,
    departments_created: depts.created,
    positions_created: poss.created,
    created_ids: createdIds,
    updated_ids: plan.updates.map((u) => u.memberId),
  }
}
