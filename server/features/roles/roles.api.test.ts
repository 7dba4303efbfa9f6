import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PASSWORD, PIN, webLogin, type OrgWorld } from '../../../tools/test-support/fixtures'
import { routeAccessTable } from '../../auth/guard'
import { auditLog, rolePermissions, roles } from '../../db/schema'
import { SURFACE_PERMISSIONS } from '../../../shared/role-surfaces'

interface RoleView {
  id: number
  key: string
  name: string
  surface: 'web' | 'mobile'
  is_system: boolean
  permissions: string[]
  holders: number
}

describe('custom roles and role assignment', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  const rolesUrl = (org: OrgWorld) => `/api/organizations/${org.id}/roles`
  async function roleList(org: OrgWorld): Promise<RoleView[]> {
    const res = await org.admin.get(rolesUrl(org))
    expect(res.status).toBe(200)
    return res.body.data.roles
  }
  async function customRoleCount(organizationId: number): Promise<number> {
    return (await t.db.select().from(roles).where(eq(roles.organizationId, organizationId))).length
  }
  async function staffMemberId(org: OrgWorld, email: string): Promise<number> {
    const staff = (await org.admin.get(`/api/organizations/${org.id}/staff`)).body.data.staff
    return staff.find((s: { email: string }) => s.email === email).member_id
  }

  /** Calls every permission-guarded route of the organization as `agent`: which ones let it through. */
  async function reachable(agent: Agent, org: OrgWorld): Promise<{ allowed: string[]; forbidden: string[] }> {
    const allowed: string[] = []
    const forbidden: string[] = []
    for (const route of routeAccessTable(t.app.routes)) {
      if (route.access?.kind !== 'permission' || !route.path.includes('/organizations/:id')) continue
      // Reading routes only: the probe must not change anything.
      if (route.method !== 'GET') continue
      const path = route.path
        .replace(':id', String(org.id))
        .replace(':memberId', String(org.memberId))
        .replace(':deviceId', String(org.deviceId))
        .replace(/:[a-z]+/gi, '999999')
      const res = await agent.get(path)
      const key = `${route.access.permission} ${route.method} ${route.path}`
      if (res.status === 403) forbidden.push(key)
      else if (res.status !== 401 && res.status < 500) allowed.push(key)
      else throw new Error(`${key} -> ${res.status} ${JSON.stringify(res.body)}`)
    }
    return { allowed, forbidden }
  }

  it('lists the system roles read-only and what a custom role may hold on each surface', async () => {
    const res = await a.admin.get(rolesUrl(a))
    const list: RoleView[] = res.body.data.roles
    expect(list.filter((r) => r.is_system).map((r) => r.key).sort()).toEqual(['admin', 'manager', 'member', 'petugas', 'support'])
    expect(list.find((r) => r.key === 'admin')).toMatchObject({ surface: 'web', holders: 1 })
    expect(res.body.data.permission_catalogue).toEqual(SURFACE_PERMISSIONS)
    expect(SURFACE_PERMISSIONS.web).toEqual(['attendance:record:view', 'attendance:record:approve', 'member:view', 'member:manage', 'settings:manage', 'report:generate'])
    expect(SURFACE_PERMISSIONS.mobile).not.toContain('settings:manage')
    expect(SURFACE_PERMISSIONS.mobile).toContain('attendance:record:capture')
    for (const key of ['support', 'manager', 'member', 'petugas'] as const) expect((await a[key].get(rolesUrl(a))).status).toBe(403)
    expect((await b.admin.get(rolesUrl(a))).status).toBe(404)
  })

  it('creates a custom role and refuses bad input with a clear code, writing nothing', async () => {
    const before = await customRoleCount(a.id)
    const bad: [unknown, number, string][] = [
      [{ name: 'Pengawas', surface: 'web', permissions: ['attendance:record:capture'] }, 422, 'PERMISSION_NOT_ALLOWED'],
      [{ name: 'Pengawas', surface: 'mobile', permissions: ['report:generate'] }, 422, 'PERMISSION_NOT_ALLOWED'],
      [{ name: 'Pengawas', surface: 'web', permissions: ['report:delete'] }, 422, 'VALIDATION_FAILED'],
      [{ name: 'Pengawas', surface: 'web', permissions: [] }, 422, 'VALIDATION_FAILED'],
      [{ name: '   ', surface: 'web', permissions: ['report:generate'] }, 422, 'VALIDATION_FAILED'],
      [{ name: 'Pengawas', surface: 'desktop', permissions: ['report:generate'] }, 422, 'VALIDATION_FAILED'],
      [{ name: 'Pengawas', permissions: ['report:generate'] }, 422, 'VALIDATION_FAILED'],
      [{ name: 'Pengawas', surface: 'web', permissions: ['report:generate'], is_system: true }, 422, 'VALIDATION_FAILED'],
      [{ name: 'admin', surface: 'web', permissions: ['report:generate'] }, 409, 'DUPLICATE_NAME'],
      [{ name: 'Petugas', surface: 'mobile', permissions: ['attendance:record:submit'] }, 409, 'DUPLICATE_NAME'],
      [{ name: 'Anggota', surface: 'mobile', permissions: ['attendance:record:submit'] }, 409, 'DUPLICATE_NAME'],
    ]
    for (const [body, status, code] of bad) {
      const res = await a.admin.post(rolesUrl(a), body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.body.error.code, JSON.stringify(body)).toBe(code)
    }
    const wrong = await a.admin.post(rolesUrl(a), { name: 'X', surface: 'web', permissions: ['report:generate', 'member:face:register'] })
    expect(wrong.body.error.details).toEqual([expect.objectContaining({ path: 'permissions.1', permission: 'member:face:register' })])
    for (const key of ['support', 'manager', 'member', 'petugas'] as const) {
      expect((await a[key].post(rolesUrl(a), { name: 'Sneaky', surface: 'web', permissions: ['settings:manage'] })).status).toBe(403)
    }
    expect((await b.admin.post(rolesUrl(a), { name: 'Sneaky', surface: 'web', permissions: ['settings:manage'] })).status).toBe(404)
    expect(await customRoleCount(a.id)).toBe(before)

    const created = await a.admin.post(rolesUrl(a), { name: '  Pengawas Laporan ', surface: 'web', permissions: ['report:generate'] })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ key: 'pengawas-laporan', name: 'Pengawas Laporan', surface: 'web', is_system: false, permissions: ['report:generate'], holders: 0 })
    // Names are unique without regard to case; the same name in another organization is fine.
    const again = await a.admin.post(rolesUrl(a), { name: 'pengawas laporan', surface: 'web', permissions: ['member:view'] })
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([409, 'DUPLICATE_NAME', { field: 'name' }])
    expect((await b.admin.post(rolesUrl(b), { name: 'Pengawas Laporan', surface: 'web', permissions: ['member:view'] })).status).toBe(201)
    // B never sees A's role.
    expect((await roleList(b)).filter((r) => r.name === 'Pengawas Laporan')).toHaveLength(1)
    expect((await roleList(b)).find((r) => r.name === 'Pengawas Laporan')!.id).not.toBe(created.body.data.id)
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'role.create'))
    expect(entry).toMatchObject({ organizationId: a.id, entityType: 'role', entityId: String(created.body.data.id) })
  })

  it('a staff person with only a custom report role signs in, picks it, and reaches reports and nothing else', async () => {
    const role = (await roleList(a)).find((r) => r.key === 'pengawas-laporan')!
    const email = 'pengawas.a@example.com'
    const added = await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'Pengawas A', email, password: PASSWORD, role_id: role.id })
    expect(added.status).toBe(201)
    expect(added.body.data).toMatchObject({ role_key: 'pengawas-laporan', role_id: role.id })
    // role_key and role_id together, or a mobile role for staff, are refused.
    expect((await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'X', email: 'x.a@example.com', password: PASSWORD, role_id: role.id, role_key: 'support' })).status).toBe(422)
    const member = (await roleList(a)).find((r) => r.key === 'member')!
    const mobile = await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'X', email: 'x.a@example.com', password: PASSWORD, role_id: member.id })
    expect([mobile.status, mobile.body.error.code]).toEqual([422, 'NOT_A_DASHBOARD_ROLE'])

    const agent = t.agent()
    const login = await agent.post('/api/auth/login', { email, password: PASSWORD })
    expect(login.status).toBe(200)
    expect(login.body.data.organizations).toEqual([{ id: a.id, name: 'Org a', roles: [{ id: role.id, key: 'pengawas-laporan', name: 'Pengawas Laporan' }] }])
    const sel = await agent.post('/api/auth/select', { organization_id: a.id })
    expect(sel.status).toBe(200)
    expect(sel.body.data.active).toMatchObject({ role: { key: 'pengawas-laporan' }, permissions: ['report:generate'] })

    expect((await agent.get(`/api/organizations/${a.id}`)).status).toBe(403)
    expect((await agent.get(`/api/organizations/${a.id}/members`)).status).toBe(403)
    expect((await agent.get(`/api/organizations/${a.id}/staff`)).status).toBe(403)
    expect((await agent.post(rolesUrl(a), { name: 'Escalate', surface: 'web', permissions: ['settings:manage'] })).status).toBe(403)
    // Every reading route: those that need report:generate let it in, every other one says 403.
    const { allowed, forbidden } = await reachable(agent, a)
    const reportRoutes = routeAccessTable(t.app.routes).filter((r) => r.method === 'GET' && r.path.includes('/organizations/:id') && r.access?.kind === 'permission' && r.access.permission === 'report:generate')
    expect(allowed).toHaveLength(reportRoutes.length)
    expect(allowed.every((r) => r.startsWith('report:generate '))).toBe(true)
    expect(forbidden.some((r) => r.startsWith('report:generate '))).toBe(false)
    expect(forbidden.length).toBeGreaterThan(5)
    // The daily report (issue 5's reports) answers in full once it exists.
    if (reportRoutes.some((r) => r.path.endsWith('/reports/daily'))) {
      expect((await agent.get(`/api/organizations/${a.id}/reports/daily`)).status).toBe(200)
    }
  })

  it('an edit applies at once to a signed-in holder; bad edits change nothing', async () => {
    const role = (await roleList(a)).find((r) => r.key === 'pengawas-laporan')!
    const agent = await webLogin(t, 'pengawas.a@example.com', a.id)
    expect((await agent.get(`/api/organizations/${a.id}/members`)).status).toBe(403)

    const bad: [unknown, number, string][] = [
      [{ permissions: ['report:generate', 'attendance:record:submit'] }, 422, 'PERMISSION_NOT_ALLOWED'],
      [{ surface: 'mobile' }, 422, 'VALIDATION_FAILED'],
      [{}, 422, 'VALIDATION_FAILED'],
      [{ permissions: [] }, 422, 'VALIDATION_FAILED'],
      [{ name: 'Manager' }, 409, 'DUPLICATE_NAME'],
    ]
    for (const [body, status, code] of bad) {
      const res = await a.admin.patch(`${rolesUrl(a)}/${role.id}`, body)
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([status, code])
    }
    const perms = await t.db.select().from(rolePermissions).where(eq(rolePermissions.roleId, role.id))
    expect(perms.map((p) => p.permission)).toEqual(['report:generate'])
    // Other organizations' admins, other roles, and system roles.
    expect((await b.admin.patch(`${rolesUrl(b)}/${role.id}`, { name: 'Hijacked' })).status).toBe(404)
    expect((await a.support.patch(`${rolesUrl(a)}/${role.id}`, { name: 'Hijacked' })).status).toBe(403)
    const admin = (await roleList(a)).find((r) => r.key === 'admin')!
    const system = await a.admin.patch(`${rolesUrl(a)}/${admin.id}`, { permissions: ['report:generate'] })
    expect([system.status, system.body.error.code]).toEqual([409, 'SYSTEM_ROLE'])

    const edited = await a.admin.patch(`${rolesUrl(a)}/${role.id}`, { name: 'Pengawas', permissions: ['member:view', 'report:generate'] })
    expect(edited.status).toBe(200)
    expect(edited.body.data).toMatchObject({ name: 'Pengawas', key: 'pengawas-laporan', permissions: ['member:view', 'report:generate'], holders: 1 })
    // The same session, no new sign-in.
    expect((await agent.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
    expect((await agent.get('/api/auth/me')).body.data.active).toMatchObject({ role: { name: 'Pengawas' }, permissions: ['member:view', 'report:generate'] })
    expect((await agent.get(`/api/organizations/${a.id}`)).status).toBe(403)
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'role.update'))
    expect(entry!.details).toEqual({ name: 'Pengawas', previous_name: 'Pengawas Laporan', added: ['member:view'] })

    const holders = await a.admin.get(`${rolesUrl(a)}/${role.id}/holders`)
    expect(holders.body.data.holders).toEqual([expect.objectContaining({ name: 'Pengawas A', email: 'pengawas.a@example.com' })])
    expect((await b.admin.get(`${rolesUrl(b)}/${role.id}/holders`)).status).toBe(404)
  })

  it('a role cannot be deleted while assigned (409 ROLE_IN_USE); taking it away ends the holder’s session', async () => {
    const role = (await roleList(a)).find((r) => r.key === 'pengawas-laporan')!
    const agent = await webLogin(t, 'pengawas.a@example.com', a.id)
    const inUse = await a.admin.delete(`${rolesUrl(a)}/${role.id}`)
    expect([inUse.status, inUse.body.error.code, inUse.body.error.details]).toEqual([409, 'ROLE_IN_USE', { holders: 1 }])
    expect((await roleList(a)).some((r) => r.id === role.id)).toBe(true)
    expect((await b.admin.delete(`${rolesUrl(b)}/${role.id}`)).status).toBe(404)
    const member = (await roleList(a)).find((r) => r.key === 'member')!
    expect((await a.admin.delete(`${rolesUrl(a)}/${member.id}`)).body.error.code).toBe('SYSTEM_ROLE')

    const memberId = await staffMemberId(a, 'pengawas.a@example.com')
    expect((await b.admin.delete(`/api/organizations/${b.id}/members/${memberId}/roles/${role.id}`)).status).toBe(404)
    const revoked = await a.admin.delete(`/api/organizations/${a.id}/members/${memberId}/roles/${role.id}`)
    expect(revoked.status).toBe(200)
    expect(revoked.body.data.roles).toEqual([])
    expect((await agent.get(`/api/organizations/${a.id}/members`)).status).toBe(401)
    expect((await a.admin.delete(`/api/organizations/${a.id}/members/${memberId}/roles/${role.id}`)).status).toBe(404)

    expect((await a.admin.delete(`${rolesUrl(a)}/${role.id}`)).status).toBe(200)
    expect((await roleList(a)).some((r) => r.id === role.id)).toBe(false)
    const log = await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))
    expect(log.map((l) => l.action)).toEqual(expect.arrayContaining(['role.revoke', 'role.delete']))
  })

  it('gives staff another dashboard role and takes it away, keeping the last admin', async () => {
    const manager = (await roleList(a)).find((r) => r.key === 'manager')!
    const supportId = await staffMemberId(a, a.emails.support)
    const put = await a.admin.request('PUT', `/api/organizations/${a.id}/members/${supportId}/roles/${manager.id}`)
    expect(put.status).toBe(200)
    expect(put.body.data.roles.map((r: { key: string }) => r.key).sort()).toEqual(['manager', 'support'])
    // Again: nothing changes, nothing is logged twice.
    await a.admin.request('PUT', `/api/organizations/${a.id}/members/${supportId}/roles/${manager.id}`)
    const grants = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'role.grant'))).filter((e) => e.entityId === String(supportId))
    expect(grants).toHaveLength(1)
    const staff = (await a.admin.get(`/api/organizations/${a.id}/staff`)).body.data.staff
    expect(staff.find((s: { member_id: number }) => s.member_id === supportId).roles.map((r: { key: string }) => r.key).sort()).toEqual(['manager', 'support'])
    expect((await a.admin.delete(`/api/organizations/${a.id}/members/${supportId}/roles/${manager.id}`)).status).toBe(200)

    const admin = (await roleList(a)).find((r) => r.key === 'admin')!
    const adminId = await staffMemberId(a, a.emails.admin)
    const last = await a.admin.delete(`/api/organizations/${a.id}/members/${adminId}/roles/${admin.id}`)
    expect([last.status, last.body.error.code]).toEqual([409, 'LAST_ADMIN'])
    // A member without a dashboard account cannot get a dashboard role.
    const noAccount = await a.admin.request('PUT', `/api/organizations/${a.id}/members/${a.memberId}/roles/${manager.id}`)
    expect([noAccount.status, noAccount.body.error.code]).toEqual([409, 'NO_DASHBOARD_ACCOUNT'])
    // Another organization's member or role under A's path is not found.
    expect((await a.admin.request('PUT', `/api/organizations/${a.id}/members/${b.memberId}/roles/${manager.id}`)).status).toBe(404)
    const foreignRole = (await roleList(b)).find((r) => !r.is_system)!
    expect((await a.admin.request('PUT', `/api/organizations/${a.id}/members/${supportId}/roles/${foreignRole.id}`)).status).toBe(404)
    for (const key of ['support', 'manager', 'member', 'petugas'] as const) {
      expect((await a[key].request('PUT', `/api/organizations/${a.id}/members/${supportId}/roles/${admin.id}`)).status).toBe(403)
    }
  })

  it('a custom mobile role works on the phone, and gaining tablet work ends its phone sessions', async () => {
    const created = await a.admin.post(rolesUrl(a), { name: 'Ketua Kelas', surface: 'mobile', permissions: ['attendance:record:submit', 'attendance:record:view:own'] })
    expect(created.status).toBe(201)
    const role: RoleView = created.body.data
    expect(role.key).toBe('ketua-kelas')
    const granted = await a.admin.request('PUT', `/api/organizations/${a.id}/members/${a.memberId}/roles/${role.id}`)
    expect(granted.body.data.roles.map((r: { key: string }) => r.key)).toEqual(['member', 'ketua-kelas'])

    const phone = t.agent()
    const login = await phone.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN, role: 'ketua-kelas' })
    expect(login.status).toBe(200)
    expect(login.body.data).toMatchObject({ role: { key: 'ketua-kelas', name: 'Ketua Kelas' }, permissions: ['attendance:record:submit', 'attendance:record:view:own'] })
    expect((await phone.get('/api/attendance/mine')).status).toBe(200)
    expect((await phone.get('/api/face/gallery')).status).toBe(403)

    // The member's own system role can go (they keep the custom one); the last role cannot.
    const memberRole = (await roleList(a)).find((r) => r.key === 'member')!
    expect((await a.admin.delete(`/api/organizations/${a.id}/members/${a.memberId}/roles/${memberRole.id}`)).status).toBe(200)
    const last = await a.admin.delete(`/api/organizations/${a.id}/members/${a.memberId}/roles/${role.id}`)
    expect([last.status, last.body.error.code]).toEqual([409, 'LAST_ROLE'])
    expect((await a.admin.request('PUT', `/api/organizations/${a.id}/members/${a.memberId}/roles/${memberRole.id}`)).status).toBe(200)

    // Recording other people's attendance happens only on an enrolled tablet: the phone session ends.
    const edit = await a.admin.patch(`${rolesUrl(a)}/${role.id}`, { permissions: ['attendance:record:submit', 'attendance:record:view:own', 'attendance:record:create'] })
    expect(edit.status).toBe(200)
    expect((await phone.get('/api/mobile/me')).status).toBe(401)
    const [entry] = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'role.update'))).filter((e) => e.entityId === String(role.id))
    expect(entry!.details).toMatchObject({ added: ['attendance:record:create'], ended_sessions: 1 })
  })
})
