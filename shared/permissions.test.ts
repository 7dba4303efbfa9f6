import { describe, expect, it } from 'vitest'
import { expandPermissions, hasPermission, PERMISSIONS, SYSTEM_ROLES, systemRole } from './permissions'

describe('permission catalogue', () => {
  it('holds exactly the spec roles and permission strings', () => {
    expect(Object.fromEntries(SYSTEM_ROLES.map((r) => [r.key, [...r.permissions].sort()]))).toEqual({
      petugas: ['attendance:record:capture', 'attendance:record:create', 'attendance:record:view', 'member:face:view'],
      member: ['attendance:record:submit', 'attendance:record:view:own', 'member:face:register', 'member:face:update'],
      admin: ['attendance:record:approve', 'attendance:record:view', 'member:manage', 'report:generate', 'settings:manage'],
      support: ['attendance:record:view', 'member:view', 'report:generate'],
      manager: ['attendance:record:view', 'member:view', 'report:generate'],
    })
    for (const role of SYSTEM_ROLES) for (const p of role.permissions) expect(PERMISSIONS).toContain(p)
  })

  it('signs dashboard roles in on the web and the others on mobile', () => {
    expect(SYSTEM_ROLES.filter((r) => r.surface === 'web').map((r) => r.key)).toEqual(['admin', 'support', 'manager'])
  })

  it('expands member:manage to member:view and ignores unknown strings', () => {
    const set = expandPermissions(['member:manage', 'root:everything'])
    expect([...set].sort()).toEqual(['member:manage', 'member:view'])
    expect(hasPermission(systemRole('admin').permissions, 'member:view')).toBe(true)
    expect(hasPermission(systemRole('member').permissions, 'member:view')).toBe(false)
    expect(hasPermission(systemRole('support').permissions, 'member:manage')).toBe(false)
  })
})
