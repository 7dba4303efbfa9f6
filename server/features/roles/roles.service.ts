import { and, count, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm'
import type { Db, Tx } from '../../db/client'
import { memberRoles, rolePermissions, roles, sessions } from '../../db/schema'
import { PERMISSIONS, SYSTEM_ROLES, type Permission, type Surface, type SystemRoleKey } from '../../../shared/permissions'
import { allowedOnSurface, RESERVED_ROLE_KEYS, RESERVED_ROLE_NAMES } from '../../../shared/role-surfaces'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { slugify } from '../../lib/slug'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'

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
    // Instances starting together (a scaled deployment) rewrite the same rows: one at a time, or they collide.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended('hadir:system-roles', 0))`)
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

export async function listRolesWithPermissions(tx: Tx, organizationId: number): Promise<RoleView[]> {
  const list = await tx.select().from(roles).where(rolesVisibleIn(organizationId)).orderBy(roles.id)
  const perms = list.length
    ? await tx.select().from(rolePermissions).where(inArray(rolePermissions.roleId, list.map((r) => r.id)))
    : []
  const holders = await holderCounts(tx, organizationId, list.map((r) => r.id))
  return list.map((r) => ({
    id: r.id,
    key: r.key,
    name: r.name,
    surface: r.surface,
    is_system: r.isSystem,
    permissions: sortPermissions(perms.filter((p) => p.roleId === r.id).map((p) => p.permission)),
    holders: holders.get(r.id) ?? 0,
  }))
}

// ---------------------------------------------------------------------------------------------------------------
// Custom roles (settings:manage): an organization's own permission sets, on one surface each.

export interface RoleView {
  id: number
  key: string
  name: string
  surface: Surface
  is_system: boolean
  permissions: string[]
  holders: number
}

type RoleRow = typeof roles.$inferSelect

/** A role the organization may use (a system role or its own), or 404: another organization's role is not found. */
export async function roleInOrganization(tx: Tx, organizationId: number, roleId: number): Promise<RoleRow> {
  const [row] = await tx.select().from(roles).where(and(eq(roles.id, roleId), rolesVisibleIn(organizationId)))
  if (!row) throw new NotFoundError('Role')
  return row
}

/** The organization's own role, for a change; system roles are read-only (409 SYSTEM_ROLE). */
async function customRole(tx: Tx, organizationId: number, roleId: number): Promise<RoleRow> {
  const row = await roleInOrganization(tx, organizationId, roleId)
  if (row.isSystem || row.organizationId === null) {
    throw new ConflictError('System roles cannot be changed; create a custom role instead', 'SYSTEM_ROLE')
  }
  return row
}

/** How many people of the organization hold each role. */
async function holderCounts(tx: Tx, organizationId: number, roleIds: number[]): Promise<Map<number, number>> {
  if (roleIds.length === 0) return new Map()
  const rows = await tx
    .select({ roleId: memberRoles.roleId, n: count() })
    .from(memberRoles)
    .where(and(eq(memberRoles.organizationId, organizationId), inArray(memberRoles.roleId, roleIds)))
    .groupBy(memberRoles.roleId)
  return new Map(rows.map((r) => [r.roleId, Number(r.n)]))
}

export async function presentRole(tx: Tx, organizationId: number, row: RoleRow): Promise<RoleView> {
  const holders = await holderCounts(tx, organizationId, [row.id])
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    surface: row.surface,
    is_system: row.isSystem,
    permissions: sortPermissions(await permissionsOfRole(tx, row.id)),
    holders: holders.get(row.id) ?? 0,
  }
}

function sortPermissions(list: readonly string[]): string[] {
  const order = (p: string) => (PERMISSIONS as readonly string[]).indexOf(p)
  return [...new Set(list)].sort((a, b) => order(a) - order(b))
}

/** Refuses a permission the role's surface cannot use: a dashboard role cannot capture, a phone cannot approve. */
function checkSurface(surface: Surface, permissions: readonly string[]): void {
  const wrong = permissions
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !allowedOnSurface(surface, p))
  if (wrong.length > 0) {
    throw new ValidationError(
      `A ${surface === 'web' ? 'dashboard' : 'mobile'} role cannot hold ${wrong.map((w) => w.p).join(', ')}`,
      wrong.map(({ p, i }) => ({ path: `permissions.${i}`, message: `Not allowed on ${surface}`, code: 'permission_not_allowed', permission: p })),
      'PERMISSION_NOT_ALLOWED',
    )
  }
}

/** A name no other role of the organization (nor a system role) has, compared without case. */
async function assertNameFree(tx: Tx, organizationId: number, name: string, exceptId?: number): Promise<void> {
  const wanted = name.trim().toLowerCase()
  const clash = RESERVED_ROLE_NAMES.includes(wanted)
    ? [{ id: -1 }]
    : await tx
        .select({ id: roles.id })
        .from(roles)
        .where(and(rolesVisibleIn(organizationId), eq(sql`lower(${roles.name})`, wanted), exceptId ? ne(roles.id, exceptId) : undefined))
  if (clash.length > 0) throw new ConflictError('A role with this name already exists', 'DUPLICATE_NAME', { field: 'name' })
}

/** A stable key from the name at creation ("Ketua Kelas" -> "ketua-kelas"); never a system role's key. */
async function uniqueKey(tx: Tx, organizationId: number, name: string): Promise<string> {
  const base = slugify(name, 32, 'role')
  const taken = new Set(
    (await tx.select({ key: roles.key }).from(roles).where(rolesVisibleIn(organizationId))).map((r) => r.key),
  )
  for (const k of RESERVED_ROLE_KEYS) taken.add(k)
  if (!taken.has(base)) return base
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`
}

export interface CustomRoleInput {
  name: string
  surface: Surface
  permissions: readonly Permission[]
}

export async function createCustomRole(tx: Tx, organizationId: number, input: CustomRoleInput): Promise<RoleView> {
  checkSurface(input.surface, input.permissions)
  await assertNameFree(tx, organizationId, input.name)
  const [row] = await tx
    .insert(roles)
    .values({ organizationId, key: await uniqueKey(tx, organizationId, input.name), name: input.name.trim(), surface: input.surface, isSystem: false })
    .returning()
  await tx.insert(rolePermissions).values(sortPermissions(input.permissions).map((permission) => ({ roleId: row!.id, permission })))
  return presentRole(tx, organizationId, row!)
}

export interface RoleChange {
  before: RoleView
  after: RoleView
  added: string[]
  removed: string[]
  /** Sessions ended because the role now needs an enrolled tablet. */
  endedSessions: number
}

/**
 * Renames a custom role or replaces its permissions. Its holders' sessions read permissions on every request, so the
 * change applies to them at once; a mobile role that now records other people's attendance ends its sessions that
 * are not on an enrolled tablet (that work happens only on one).
 */
export async function updateCustomRole(
  tx: Tx,
  organizationId: number,
  roleId: number,
  patch: { name?: string; permissions?: readonly Permission[] },
): Promise<RoleChange> {
  const row = await customRole(tx, organizationId, roleId)
  const before = await presentRole(tx, organizationId, row)
  if (patch.name !== undefined && patch.name.trim().toLowerCase() !== row.name.toLowerCase()) {
    await assertNameFree(tx, organizationId, patch.name, row.id)
  }
  let added: string[] = []
  let removed: string[] = []
  let endedSessions = 0
  if (patch.permissions !== undefined) {
    checkSurface(row.surface, patch.permissions)
    const next = sortPermissions(patch.permissions)
    added = next.filter((p) => !before.permissions.includes(p))
    removed = before.permissions.filter((p) => !next.includes(p))
    await tx.delete(rolePermissions).where(eq(rolePermissions.roleId, row.id))
    await tx.insert(rolePermissions).values(next.map((permission) => ({ roleId: row.id, permission })))
    if (row.surface === 'mobile' && added.includes('attendance:record:create')) {
      const ended = await tx
        .delete(sessions)
        .where(and(eq(sessions.roleId, row.id), isNull(sessions.deviceId)))
        .returning({ id: sessions.id })
      endedSessions = ended.length
    }
  }
  const [updated] = await tx
    .update(roles)
    .set({ name: patch.name?.trim() ?? row.name, updatedAt: new Date() })
    .where(eq(roles.id, row.id))
    .returning()
  return { before, after: await presentRole(tx, organizationId, updated!), added, removed, endedSessions }
}

/** Deletes a custom role nobody holds; while anyone holds it the answer is 409 ROLE_IN_USE (take it away first). */
export async function deleteCustomRole(tx: Tx, organizationId: number, roleId: number): Promise<RoleView> {
  const row = await customRole(tx, organizationId, roleId)
  const view = await presentRole(tx, organizationId, row)
  if (view.holders > 0) {
    throw new ConflictError(`${view.holders} people still hold this role; take it away from them first`, 'ROLE_IN_USE', { holders: view.holders })
  }
  await tx.delete(roles).where(eq(roles.id, row.id))
  return view
}

/** The roles the context's organization sees (system and its own), with their permissions. */
export function organizationRoles(ctx: ServiceContext): Promise<RoleView[]> {
  return listRolesWithPermissions(ctx.deps.database.db, ctx.organizationId)
}

/** A new custom role of the context's organization, audited. */
export function createRole(ctx: ServiceContext, input: CustomRoleInput): Promise<RoleView> {
  return transaction(ctx, async (tx) => {
    const created = await createCustomRole(tx, ctx.organizationId, input)
    await auditBy(tx, ctx, { action: 'role.create', entityType: 'role', entityId: created.id, details: { name: created.name, surface: created.surface, permissions: created.permissions } })
    return created
  })
}

/** Renames a custom role or replaces its permissions (updateCustomRole), audited with what changed. */
export function updateRole(ctx: ServiceContext, roleId: number, patch: { name?: string; permissions?: readonly Permission[] }): Promise<RoleChange> {
  return transaction(ctx, async (tx) => {
    const done = await updateCustomRole(tx, ctx.organizationId, roleId, patch)
    await auditBy(tx, ctx, {
      action: 'role.update',
      entityType: 'role',
      entityId: roleId,
      details: {
        name: done.after.name,
        ...(done.before.name !== done.after.name ? { previous_name: done.before.name } : {}),
        ...(done.added.length ? { added: done.added } : {}),
        ...(done.removed.length ? { removed: done.removed } : {}),
        ...(done.endedSessions ? { ended_sessions: done.endedSessions } : {}),
      },
    })
    return done
  })
}

/** Deletes a custom role nobody holds (deleteCustomRole), audited. */
export function deleteRole(ctx: ServiceContext, roleId: number): Promise<RoleView> {
  return transaction(ctx, async (tx) => {
    const gone = await deleteCustomRole(tx, ctx.organizationId, roleId)
    await auditBy(tx, ctx, { action: 'role.delete', entityType: 'role', entityId: roleId, details: { name: gone.name, surface: gone.surface, permissions: gone.permissions } })
    return gone
  })
}
