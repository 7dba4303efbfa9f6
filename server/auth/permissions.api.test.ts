import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Agent, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { routeAccessTable, type Access } from './guard'
import { expandPermissions, SYSTEM_ROLES, type Permission, type SystemRoleKey } from '../../shared/permissions'
import { TOKEN_PERMISSIONS, TOKEN_READ_PERMISSIONS } from '../../shared/integrations'
import { BearerAgent, createApiToken, PEOPLE_ONLY_ROUTES } from '../../tools/test-support/api-tokens'
import { tokenSettings } from '../features/tokens/tokens.auth'

/**
 * Every API route and the access it must declare. The app's own route table is compared with this list, so a new
 * route fails here until someone decides who may call it.
 */
const EXPECTED: Record<string, string> = {
  'GET /api/health': 'public',
  'GET /api/permissions': 'public',
  'GET /api/setup/status': 'public',
  'POST /api/setup': 'public',
  'POST /api/auth/login': 'public',
  'GET /api/auth/me': 'session:web',
  'POST /api/auth/select': 'session:web',
  'POST /api/auth/logout': 'public',
  'POST /api/organizations': 'settings:manage',
  'GET /api/organizations/:id': 'attendance:record:view',
  'PATCH /api/organizations/:id': 'settings:manage',
  'GET /api/organizations/:id/members': 'member:view',
  'POST /api/organizations/:id/members': 'member:manage',
  'GET /api/organizations/:id/members/:memberId': 'member:view',
  'PATCH /api/organizations/:id/members/:memberId': 'member:manage',
  'POST /api/organizations/:id/members/:memberId/invitations': 'member:manage',
  'GET /api/organizations/:id/departments': 'member:view',
  'POST /api/organizations/:id/departments': 'member:manage',
  'GET /api/organizations/:id/positions': 'member:view',
  'POST /api/organizations/:id/positions': 'member:manage',
  'GET /api/organizations/:id/roles': 'settings:manage',
  'GET /api/organizations/:id/staff': 'settings:manage',
  'POST /api/organizations/:id/staff': 'settings:manage',
  'DELETE /api/organizations/:id/staff/:memberId/roles/:roleId': 'settings:manage',
  'GET /api/organizations/:id/devices': 'settings:manage',
  'POST /api/organizations/:id/devices': 'settings:manage',
  'DELETE /api/organizations/:id/devices/:deviceId': 'settings:manage',
  'PATCH /api/organizations/:id/settings': 'settings:manage',
  'DELETE /api/organizations/:id/members/:memberId/face': 'member:manage',
  'GET /api/organizations/:id/members/:memberId/face/photo': 'member:manage',
  'GET /api/organizations/:id/faces/confusable': 'member:manage',
  'POST /api/members/:memberId/face/consent': 'member:face:register',
  'GET /api/members/:memberId/face': 'member:face:register',
  'POST /api/members/:memberId/face/register': 'member:face:register',
  'PUT /api/members/:memberId/face/update': 'member:face:update',
  'DELETE /api/members/:memberId/face': 'member:face:update',
  'POST /api/face/verify': 'attendance:record:capture',
  'GET /api/face/gallery': 'member:face:view',
  'POST /api/mobile/login/challenge': 'public',
  'POST /api/mobile/login/face': 'public',
  'GET /api/organizations/:id/locations': 'member:view',
  'POST /api/organizations/:id/locations': 'settings:manage',
  'PATCH /api/organizations/:id/locations/:rowId': 'settings:manage',
  'GET /api/organizations/:id/schedules': 'member:view',
  'POST /api/organizations/:id/schedules': 'settings:manage',
  'GET /api/organizations/:id/holidays': 'member:view',
  'GET /api/organizations/:id/holidays/export': 'member:view',
  'POST /api/organizations/:id/holidays/import': 'settings:manage',
  'POST /api/organizations/:id/holidays': 'settings:manage',
  'PUT /api/organizations/:id/holidays/:rowId': 'settings:manage',
  'DELETE /api/organizations/:id/holidays/:rowId': 'settings:manage',
  'PUT /api/organizations/:id/national-holidays': 'settings:manage',
  'GET /api/organizations/:id/shift-types': 'member:view',
  'POST /api/organizations/:id/shift-types': 'settings:manage',
  'PATCH /api/organizations/:id/shift-types/:rowId': 'settings:manage',
  'DELETE /api/organizations/:id/shift-types/:rowId': 'settings:manage',
  'GET /api/organizations/:id/roster': 'member:view',
  'PUT /api/organizations/:id/roster': 'settings:manage',
  'POST /api/organizations/:id/roster/pattern': 'settings:manage',
  'PATCH /api/organizations/:id/departments/:rowId': 'member:manage',
  'GET /api/attendance/context': 'attendance:record:submit|attendance:record:create',
  'GET /api/attendance/members': 'attendance:record:create',
  'GET /api/attendance/members/:memberId/today': 'attendance:record:create',
  'POST /api/attendance/sync': 'attendance:record:submit|attendance:record:create',
  // --- evidence (issue 13): liveness challenges, and what the server's check of a capture concluded ---
  'POST /api/attendance/challenge': 'attendance:record:submit|attendance:record:create|member:face:register',
  'GET /api/attendance/captures/:clientId': 'attendance:record:view:own|attendance:record:create',
  'POST /api/attendance/submit': 'attendance:record:submit',
  'POST /api/attendance/record': 'attendance:record:create',
  'POST /api/attendance/roll-call': 'attendance:record:create',
  'GET /api/attendance/mine': 'attendance:record:view:own',
  'POST /api/devices/enrol': 'public',
  'GET /api/devices/me': 'device',
  'GET /api/mobile/invitations/:code': 'public',
  'POST /api/mobile/invitations/redeem': 'public',
  'POST /api/mobile/login': 'public',
  'GET /api/mobile/me': 'session:mobile',
  'GET /api/mobile/me/data': 'session:mobile',
  'PATCH /api/mobile/me': 'session:mobile',
  'GET /api/attendance/qr': 'attendance:record:submit',
  'POST /api/attendance/qr/resolve': 'attendance:record:create',
  'POST /api/mobile/logout': 'public',
  // --- dashboard attendance (server/features/attendance/admin) ---
  'GET /api/organizations/:id/attendance/stream': 'attendance:record:view',
  'GET /api/organizations/:id/attendance/today': 'attendance:record:view',
  'GET /api/organizations/:id/attendance/trend': 'attendance:record:view',
  'GET /api/organizations/:id/attendance/options': 'attendance:record:view',
  'GET /api/organizations/:id/attendance': 'attendance:record:view',
  'POST /api/organizations/:id/attendance': 'attendance:record:approve',
  'GET /api/organizations/:id/attendance/:recordId': 'attendance:record:view',
  'PATCH /api/organizations/:id/attendance/:recordId': 'attendance:record:approve',
  'POST /api/organizations/:id/attendance/:recordId/approve': 'attendance:record:approve',
  'POST /api/organizations/:id/attendance/:recordId/reject': 'attendance:record:approve',
  'POST /api/organizations/:id/attendance/:recordId/overtime': 'attendance:record:approve',
  'GET /api/organizations/:id/overtime': 'attendance:record:view',
  'GET /api/organizations/:id/attendance/:recordId/photo': 'attendance:record:view',
  'GET /api/organizations/:id/attendance/:recordId/frames': 'attendance:record:view',
  // --- members, import and export (server/features/members, server/features/imports) ---
  'GET /api/organizations/:id/members/export': 'member:view',
  'DELETE /api/organizations/:id/members/:memberId': 'member:manage',
  'GET /api/organizations/:id/members/:memberId/attendance': 'attendance:record:view',
  'DELETE /api/organizations/:id/departments/:rowId': 'member:manage',
  'PATCH /api/organizations/:id/positions/:rowId': 'member:manage',
  'DELETE /api/organizations/:id/positions/:rowId': 'member:manage',
  'DELETE /api/organizations/:id/locations/:rowId': 'settings:manage',
  'PATCH /api/organizations/:id/schedules/:rowId': 'settings:manage',
  'DELETE /api/organizations/:id/schedules/:rowId': 'settings:manage',
  'GET /api/organizations/:id/members/import/template': 'member:manage',
  'POST /api/organizations/:id/members/import': 'member:manage',
  'POST /api/organizations/:id/members/import/:jobId/apply': 'member:manage',
  // --- reports (server/features/reports) ---
  'GET /api/organizations/:id/reports/daily': 'report:generate',
  'GET /api/organizations/:id/reports/daily/export': 'report:generate',
  'GET /api/organizations/:id/reports/monthly': 'report:generate',
  'GET /api/organizations/:id/reports/monthly/export': 'report:generate',
  // --- roles, sync logs, audit log (server/features/audit, server/features/staff) ---
  'POST /api/organizations/:id/roles': 'settings:manage',
  'PATCH /api/organizations/:id/roles/:roleId': 'settings:manage',
  'DELETE /api/organizations/:id/roles/:roleId': 'settings:manage',
  'GET /api/organizations/:id/roles/:roleId/holders': 'settings:manage',
  'PUT /api/organizations/:id/members/:memberId/roles/:roleId': 'settings:manage',
  'DELETE /api/organizations/:id/members/:memberId/roles/:roleId': 'settings:manage',
  'GET /api/organizations/:id/sync-logs': 'settings:manage',
  'GET /api/organizations/:id/audit-log': 'settings:manage',
  'GET /api/organizations/:id/audit-log/actors': 'settings:manage',
  // --- leave requests (server/features/leave) ---
  'GET /api/notifications/settings': 'attendance:record:submit|attendance:record:view',
  'PUT /api/notifications/settings': 'attendance:record:submit|attendance:record:view',
  'POST /api/notifications/push-subscriptions': 'attendance:record:submit|attendance:record:view',
  'POST /api/notifications/push-subscriptions/remove': 'attendance:record:submit|attendance:record:view',
  'GET /api/leave-requests': 'attendance:record:submit',
  'POST /api/leave-requests': 'attendance:record:submit',
  'POST /api/leave-requests/:rowId/cancel': 'attendance:record:submit',
  'GET /api/organizations/:id/leave-requests': 'attendance:record:view',
  'POST /api/organizations/:id/leave-requests/:rowId/approve': 'attendance:record:approve',
  'POST /api/organizations/:id/leave-requests/:rowId/reject': 'attendance:record:approve',
  'GET /api/correction-requests': 'attendance:record:submit',
  'POST /api/correction-requests': 'attendance:record:submit',
  'POST /api/correction-requests/:rowId/cancel': 'attendance:record:submit',
  'GET /api/organizations/:id/correction-requests': 'attendance:record:view',
  'POST /api/organizations/:id/correction-requests/:rowId/approve': 'attendance:record:approve',
  'POST /api/organizations/:id/correction-requests/:rowId/reject': 'attendance:record:approve',
  // --- invitations to existing accounts (server/features/invitations) ---
  'GET /api/organizations/:id/membership-invitations': 'settings:manage|member:view',
  'DELETE /api/organizations/:id/membership-invitations/:invitationId': 'settings:manage|member:manage',
  'POST /api/auth/membership-invitations/:invitationId/accept': 'session:web',
  'POST /api/auth/membership-invitations/:invitationId/decline': 'session:web',
  'GET /api/mobile/membership-invitations': 'session:mobile',
  'POST /api/mobile/membership-invitations/:invitationId/accept': 'session:mobile',
  'POST /api/mobile/membership-invitations/:invitationId/decline': 'session:mobile',
  // --- integrations (issue 19): API tokens and webhooks (people only: a token caller is refused, see below) ---
  'GET /api/organizations/:id/api-tokens': 'settings:manage',
  'POST /api/organizations/:id/api-tokens': 'settings:manage',
  'DELETE /api/organizations/:id/api-tokens/:tokenId': 'settings:manage',
  'GET /api/organizations/:id/webhooks': 'settings:manage',
  'POST /api/organizations/:id/webhooks': 'settings:manage',
  'PATCH /api/organizations/:id/webhooks/:webhookId': 'settings:manage',
  'DELETE /api/organizations/:id/webhooks/:webhookId': 'settings:manage',
  'GET /api/organizations/:id/webhooks/:webhookId/deliveries': 'settings:manage',
  'POST /api/organizations/:id/webhooks/:webhookId/deliveries/:deliveryId/replay': 'settings:manage',
  // --- the OpenAPI document and its interactive reference (server/openapi) ---
  'GET /api/openapi.json': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/scalar.js': 'public',
  'GET /api/docs/init.js': 'public',
}

function describeAccess(a: Access | null): string {
  if (!a) return 'MISSING GUARD'
  if (a.kind === 'permission') return a.permission
  if (a.kind === 'any-permission') return a.permissions.join('|')
  if (a.kind === 'session') return `session:${a.surface}`
  return a.kind
}

describe('permission matrix', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let spareDeviceA: number
  let spareDeviceB: number
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    spareDeviceA = (await a.admin.post(`/api/organizations/${a.id}/devices`, { name: 'spare' })).body.data.id
    spareDeviceB = (await b.admin.post(`/api/organizations/${b.id}/devices`, { name: 'spare' })).body.data.id
  })
  afterAll(() => t.close())

  const table = () => routeAccessTable(t.app.routes)

  it('every route declares exactly the access this list expects', () => {
    const actual = Object.fromEntries(table().map((r) => [`${r.method} ${r.path}`, describeAccess(r.access)]))
    expect(actual).toEqual(EXPECTED)
  })

  function pathFor(template: string, org: OrgWorld, device: number): string {
    return template
      .replace(':id', String(org.id))
      .replace(':memberId', String(org.memberId))
      .replace(':deviceId', String(device))
      .replace(':roleId', '999999')
      .replace(':rowId', '999999')
      .replace(':jobId', '999999')
      .replace(':recordId', '999999')
      .replace(':tokenId', '999999')
      .replace(':webhookId', '999999')
      .replace(':deliveryId', '999999')
      .replace(':clientId', '00000000-0000-4000-8000-000000000000')
      .replace(':code', 'NOPE2345')
  }

  async function call(agent: Agent, method: string, path: string) {
    return method === 'GET' ? agent.get(path) : agent.request(method, path, {})
  }

  const roleKeys: SystemRoleKey[] = ['admin', 'support', 'manager', 'member', 'petugas']

  it('answers 401 without a session, 403 without the permission, and lets the role through with it', async () => {
    const failures: string[] = []
    for (const route of table()) {
      const access = route.access!
      if (access.kind === 'public') continue
      const path = pathFor(route.path, a, spareDeviceA)
      const anon = await call(t.agent(), route.method, path)
      if (anon.status !== 401) failures.push(`${route.method} ${route.path} anonymous -> ${anon.status}`)
      if (anon.body?.error?.code === undefined) failures.push(`${route.method} ${route.path} anonymous: no error body`)

      for (const key of roleKeys) {
        const agent = a[key]
        const res = await call(agent, route.method, path)
        const role = SYSTEM_ROLES.find((r) => r.key === key)!
        let expected: 'allowed' | 401 | 403
        const granted = expandPermissions(role.permissions)
        if (access.kind === 'permission') expected = granted.has(access.permission) ? 'allowed' : 403
        else if (access.kind === 'any-permission') expected = access.permissions.some((x) => granted.has(x)) ? 'allowed' : 403
        else if (access.kind === 'session') expected = role.surface === access.surface ? 'allowed' : 401
        else expected = key === 'petugas' ? 'allowed' : 401 // only the petugas agent carries the tablet's cookie
        const ok = expected === 'allowed' ? ![401, 403].includes(res.status) && res.status < 500 : res.status === expected
        if (!ok) failures.push(`${route.method} ${route.path} as ${key}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`)
        if (res.status === 403 && access.kind === 'permission') {
          expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: access.permission } })
        }
        if (res.status === 403 && access.kind === 'any-permission') expect(res.body.error.code).toBe('FORBIDDEN')
      }
    }
    expect(failures).toEqual([])
  })

  it('answers 404 for another organization\'s rows, to every role that could see its own', async () => {
    const failures: string[] = []
    for (const route of table()) {
      const access = route.access!
      if (access.kind !== 'permission' || !route.path.includes(':id')) continue
      for (const key of ['admin', 'support', 'manager'] as const) {
        // Org A's people aim at org B's organization, members and devices.
        const res = await call(a[key], route.method, pathFor(route.path, b, spareDeviceB))
        if (res.status !== 404) failures.push(`${route.method} ${route.path} as ${key} of A on B -> ${res.status}`)
        const text = JSON.stringify(res.body)
        if (text.includes('Org b') || text.includes('Member b')) failures.push(`${route.method} ${route.path} leaked B`)
      }
      // Org B's ids under org A's path: the row is not found either.
      if (route.path.includes(':memberId') || route.path.includes(':deviceId')) {
        const mixed = route.path
          .replace(':id', String(a.id))
          .replace(':memberId', String(b.memberId))
          .replace(':deviceId', String(spareDeviceB))
          .replace(':roleId', '1')
          .replace(':rowId', '1')
        const res = await call(a.admin, route.method, mixed)
        if (res.status !== 404) failures.push(`${route.method} ${mixed} (B's row under A) -> ${res.status}`)
      }
    }
    expect(failures).toEqual([])
    // B's spare device was not revoked by A's attempts.
    const list = await b.admin.get(`/api/organizations/${b.id}/devices`)
    expect(list.body.data.devices.find((d: { id: number }) => d.id === spareDeviceB).status).toBe('pending')
  })

  it('answers API tokens by exactly their permissions, 401 on session and tablet routes, 404 for the other organization', async () => {
    tokenSettings.perMinute = 100_000
    const failures: string[] = []
    const tokens: [string, readonly Permission[]][] = [
      ['read-only', TOKEN_READ_PERMISSIONS],
      ['full', TOKEN_PERMISSIONS],
    ]
    for (const [label, permissions] of tokens) {
      const agent = new BearerAgent(t, await createApiToken(a.admin, a.id, { name: label, permissions: [...permissions] }))
      const granted = expandPermissions(permissions)
      for (const route of table()) {
        const access = route.access!
        if (access.kind === 'public') continue
        let expected: 'allowed' | 401 | 403
        if (access.kind === 'session' || access.kind === 'device') expected = 401
        else if (PEOPLE_ONLY_ROUTES.test(route.path)) expected = 403
        else if (access.kind === 'permission') expected = granted.has(access.permission) ? 'allowed' : 403
        else expected = access.permissions.some((x) => granted.has(x)) ? 'allowed' : 403
        const res = await call(agent, route.method, pathFor(route.path, a, spareDeviceA))
        const ok = expected === 'allowed' ? ![401, 403].includes(res.status) && res.status < 500 : res.status === expected
        if (!ok) failures.push(`${route.method} ${route.path} as ${label} token: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`)
        // Organization B's path: not found, never a row.
        if (access.kind === 'permission' && route.path.includes(':id')) {
          const other = await call(agent, route.method, pathFor(route.path, b, spareDeviceB))
          if (other.status !== 404) failures.push(`${route.method} ${route.path} as ${label} token of A on B -> ${other.status}`)
        }
      }
    }
    expect(failures).toEqual([])
  })
})
