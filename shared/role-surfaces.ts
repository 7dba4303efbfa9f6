// Which permissions a custom role may hold, by where it signs in. A dashboard (web) role may hold only what the
// system dashboard roles hold (admin, support, manager); a mobile role only what the system mobile roles hold
// (petugas, member). `attendance:record:view` is on both lists: petugas see the records they capture.
import { PERMISSIONS, SYSTEM_ROLES, type Permission, type Surface } from './permissions'

function union(surface: Surface): readonly Permission[] {
  const held = new Set(SYSTEM_ROLES.filter((r) => r.surface === surface).flatMap((r) => r.permissions))
  // Catalogue order, so every list of permissions reads the same everywhere.
  return PERMISSIONS.filter((p) => held.has(p))
}

export const SURFACE_PERMISSIONS: Readonly<Record<Surface, readonly Permission[]>> = {
  web: union('web'),
  mobile: union('mobile'),
}

export function allowedOnSurface(surface: Surface, permission: string): boolean {
  return (SURFACE_PERMISSIONS[surface] as readonly string[]).includes(permission)
}

/** Keys of the system roles: a custom role may not take one, so nobody mistakes one for the other. */
export const RESERVED_ROLE_KEYS: readonly string[] = SYSTEM_ROLES.map((r) => r.key)

/** Names a custom role may not have (compared in lower case): the system roles as the interface shows them in either language. */
export const RESERVED_ROLE_NAMES: readonly string[] = [...RESERVED_ROLE_KEYS, 'anggota', 'manajer']
