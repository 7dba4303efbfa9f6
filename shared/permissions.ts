// The permission catalogue: the spec's strings, the system roles, and where each role may sign in.
// Plain TypeScript so the server, the PWA and the tests share one source of truth. Routes check permissions, never
// role names.

export const PERMISSIONS = [
  'attendance:record:create',
  'attendance:record:capture',
  'attendance:record:view',
  'attendance:record:view:own',
  'attendance:record:submit',
  'attendance:record:approve',
  'member:face:view',
  'member:face:register',
  'member:face:update',
  'member:view',
  'member:manage',
  'settings:manage',
  'report:generate',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** Where a role signs in: the dashboard (website) or the PWA on a phone/tablet (mobile). */
export type Surface = 'web' | 'mobile'

export interface RoleDefinition {
  key: SystemRoleKey
  surface: Surface
  permissions: readonly Permission[]
}

export type SystemRoleKey = 'petugas' | 'member' | 'admin' | 'support' | 'manager'

/** Exactly the spec's roles and permission sets ("User Roles & Responsibilities"). */
export const SYSTEM_ROLES: readonly RoleDefinition[] = [
  {
    key: 'petugas',
    surface: 'mobile',
    permissions: ['attendance:record:create', 'attendance:record:capture', 'member:face:view', 'attendance:record:view'],
  },
  {
    key: 'member',
    surface: 'mobile',
    permissions: ['member:face:register', 'member:face:update', 'attendance:record:submit', 'attendance:record:view:own'],
  },
  {
    key: 'admin',
    surface: 'web',
    permissions: ['attendance:record:view', 'attendance:record:approve', 'member:manage', 'settings:manage', 'report:generate'],
  },
  { key: 'support', surface: 'web', permissions: ['attendance:record:view', 'report:generate', 'member:view'] },
  { key: 'manager', surface: 'web', permissions: ['attendance:record:view', 'report:generate', 'member:view'] },
]

/** A permission that includes another: managing members includes seeing them. */
const IMPLIES: Partial<Record<Permission, readonly Permission[]>> = {
  'member:manage': ['member:view'],
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

/** The full set a list of granted permissions amounts to, implications included. */
export function expandPermissions(granted: readonly string[]): Set<Permission> {
  const out = new Set<Permission>()
  for (const p of granted) {
    if (!isPermission(p)) continue
    out.add(p)
    for (const q of IMPLIES[p] ?? []) out.add(q)
  }
  return out
}

export function hasPermission(granted: readonly string[] | Set<Permission>, needed: Permission): boolean {
  const set = granted instanceof Set ? granted : expandPermissions(granted)
  return set.has(needed)
}

export function systemRole(key: SystemRoleKey): RoleDefinition {
  const role = SYSTEM_ROLES.find((r) => r.key === key)
  if (!role) throw new Error(`unknown system role ${key}`)
  return role
}
