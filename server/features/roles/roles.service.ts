import { and, eq, inArray, isNull, or } from 'drizzle-orm'
import type { Db, Tx } from '../../db/client'
import { memberRoles, rolePermissions, roles } from '../../db/schema'
import { SYSTEM_ROLES, type SystemRoleKey } from '../../../shared/permissions'

const ROLE_NAMES: Record<SystemRoleKey, string> = {
  petugas: 'Petugas',
  member: 'Member',
  admin: 'Admin',
  support: 'Support',
  manager: 'Manager',
}

/** Makes the system roles and their permission sets match shared/permissions.ts. Safe to run at every start. */
export async function ensureSystemRoles(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    for (const def of SYSTEM_ROLES) {
      await tx
        .insert(roles)
        .values({ key: def.key, name: ROLE_NAMES[def.key], surface: def.surface, isSystem: true })
        .onConflictDoNothing()
      const [row] = await tx
        .select({ id: roles.id })
        .from(roles)
        .where(and(isNull(roles.organizationId), eq(roles.key, def.key)))
      if (!row) throw new Error(`system role ${def.key} missing`)
      await tx.delete(rolePermissions).where(eq(rolePermissions.roleId, row.id))
      await tx.insert(rolePermissions).values(def.permissions.map((permission) => ({ roleId: row.id, permission })))
    }
  })
}

export async function systemRoleId(tx: Tx, key: SystemRoleKey): Promise<number> {
  const [row] = await tx
    .select({ id: roles.id })
    .from(roles)
    .where(and(isNull(roles.organizationId), eq(roles.key, key)))
  if (!row) throw new Error(`system role ${key} missing: ensureSystemRoles did not run`)
  return row.id
}

/** Roles usable in an organization: the system ones and the organization's own. */
export function rolesVisibleIn(organizationId: number) {
  return or(isNull(roles.organizationId), eq(roles.organizationId, organizationId))
}

export async function grantRole(tx: Tx, organizationId: number, memberId: number, roleId: number): Promise<void> {
  await tx.insert(memberRoles).values({ organizationId, organizationMemberId: memberId, roleId }).onConflictDoNothing()
}

export async function permissionsOfRole(tx: Tx, roleId: number): Promise<string[]> {
  const rows = await tx.select({ p: rolePermissions.permission }).from(rolePermissions).where(eq(rolePermissions.roleId, roleId))
  return rows.map((r) => r.p)
}

export async function listRolesWithPermissions(tx: Tx, organizationId: number) {
  const list = await tx.select().from(roles).where(rolesVisibleIn(organizationId)).orderBy(roles.id)
  const perms = list.length
    ? await tx.select().from(rolePermissions).where(inArray(rolePermissions.roleId, list.map((r) => r.id)))
    : []
  return list.map((r) => ({
    id: r.id,
    key: r.key,
    name: r.name,
    surface: r.surface,
    is_system: r.isSystem,
    permissions: perms.filter((p) => p.roleId === r.id).map((p) => p.permission).sort(),
  }))
}
