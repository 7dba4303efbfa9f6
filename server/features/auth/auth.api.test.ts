import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PASSWORD, webLogin, type OrgWorld } from '../../../tools/test-support/fixtures'
import { auditLog, sessions, users } from '../../db/schema'
import { hashSecret, hashToken } from '../../auth/crypto'

describe('dashboard sign-in', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  it('signs in with email and password and lists the organizations and roles to choose from', async () => {
    const agent = t.agent()
    const res = await agent.post('/api/auth/login', { email: a.emails.admin, password: PASSWORD })
    expect(res.status).toBe(200)
    expect(res.body.data.active).toBeNull()
    expect(res.body.data.organizations).toEqual([{ id: a.id, name: 'Org a', roles: [expect.objectContaining({ key: 'admin' })] }])
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/hadir_session=/)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    // Before choosing an organization, nothing organization-scoped answers.
    const early = await agent.get(`/api/organizations/${a.id}/members`)
    expect(early.status).toBe(403)
    expect(early.body.error.code).toBe('ORGANIZATION_NOT_SELECTED')
  })

  it('refuses a wrong password or unknown email with the same 401', async () => {
    const wrong = await t.agent().post('/api/auth/login', { email: a.emails.support, password: 'nope-nope' })
    const unknown = await t.agent().post('/api/auth/login', { email: 'ghost@example.com', password: 'nope-nope' })
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(res.body.error).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Wrong email or password' })
      expect(res.headers.get('set-cookie')).toBeNull()
    }
    expect((await t.agent().post('/api/auth/login', { email: a.emails.support, password: PASSWORD })).status).toBe(200)
  })

  it('puts dashboard sign-ins and failed ones in the audit log of the organization, which its admin reads', async () => {
    const supportId = (await t.db.select({ id: users.id }).from(users).where(eq(users.email, a.emails.support)))[0]!.id
    const before = await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, supportId))
    expect((await t.agent().post('/api/auth/login', { email: a.emails.support, password: 'wrong-again' })).status).toBe(401)
    const agent = t.agent()
    expect((await agent.post('/api/auth/login', { email: a.emails.support, password: PASSWORD })).status).toBe(200)
    expect((await agent.post('/api/auth/select', { organization_id: a.id })).status).toBe(200)
    const rows = (await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, supportId))).slice(before.length)
    // The failure is in A's log; the sign-in is in A's log when the session enters A.
    expect(rows.map((r) => [r.action, r.organizationId])).toEqual([['auth.login_failed', a.id], ['auth.login', null], ['auth.login', a.id]])
    // The admin sees both in the organization's own log; organization B's admin sees neither.
    const log = await a.admin.get(`/api/organizations/${a.id}/audit-log?action=auth.&actor_user_id=${supportId}`)
    expect(log.status).toBe(200)
    expect(log.body.data.entries.slice(0, 2).map((e: { action: string }) => e.action)).toEqual(['auth.login', 'auth.login_failed'])
    const other = await b.admin.get(`/api/organizations/${b.id}/audit-log?actor_user_id=${supportId}`)
    expect(other.body.data.entries).toEqual([])
  })

  it('locks an account after 5 wrong passwords, even for the right one', async () => {
    const email = a.emails.manager
    for (let i = 0; i < 4; i++) {
      expect((await t.agent().post('/api/auth/login', { email, password: 'wrong-password' })).status).toBe(401)
    }
    const fifth = await t.agent().post('/api/auth/login', { email, password: 'wrong-password' })
    expect(fifth.status).toBe(429)
    expect(fifth.body.error.code).toBe('ACCOUNT_LOCKED')
    const right = await t.agent().post('/api/auth/login', { email, password: PASSWORD })
    expect(right.status).toBe(429)
    await t.db.update(users).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(users.email, email))
    expect((await t.agent().post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200)
  })

  it('limits sign-in attempts per client address', async () => {
    const limited = await createTestApp({ signInPerMinute: 3 })
    try {
      const statuses = []
      for (let i = 0; i < 5; i++) statuses.push((await limited.agent().post('/api/auth/login', { email: 'x@example.com', password: 'whatever1' })).status)
      expect(statuses).toEqual([401, 401, 401, 429, 429])
    } finally {
      await limited.close()
    }
  })

  it('does not let members or petugas into the dashboard', async () => {
    // A member with an email and even a password still has no dashboard role.
    const created = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Budi', email: 'budi@example.com', role: 'member' })
    expect(created.status).toBe(201)
    await t.db.update(users).set({ passwordHash: await hashSecret(PASSWORD) }).where(eq(users.email, 'budi@example.com'))
    const res = await t.agent().post('/api/auth/login', { email: 'budi@example.com', password: PASSWORD })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('NO_DASHBOARD_ACCESS')
    // A mobile session is not a dashboard session.
    expect((await a.member.get('/api/auth/me')).status).toBe(401)
    expect((await a.member.get(`/api/organizations/${a.id}/members`)).status).toBe(403)
  })

  it('expires sessions and ends them at logout', async () => {
    const agent = await webLogin(t, a.emails.support, a.id)
    expect((await agent.get('/api/auth/me')).status).toBe(200)
    await t.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.tokenHash, hashToken(t.deps.secret, agent.cookies.get('hadir_session')!)))
    const expired = await agent.get('/api/auth/me')
    expect(expired.status).toBe(401)
    expect(expired.body.error.code).toBe('UNAUTHENTICATED')

    const other = await webLogin(t, a.emails.support, a.id)
    const token = other.cookies.get('hadir_session')!
    expect((await other.post('/api/auth/logout')).status).toBe(200)
    expect(other.cookies.has('hadir_session')).toBe(false)
    // The old token no longer works even if replayed.
    other.cookies.set('hadir_session', token)
    expect((await other.get(`/api/organizations/${a.id}/members`)).status).toBe(401)
  })

  it('switches organization: a user with roles in two organizations sees each one separately', async () => {
    // The admin of A creates a new organization and becomes its admin; the support user of B is added to A as manager.
    const created = await a.admin.post('/api/organizations', { name: 'Cabang Surabaya', timezone: 'Asia/Jakarta' })
    expect(created.status).toBe(201)
    const c = created.body.data.id
    // B's support person has an account of their own: A invites them, and they accept with their own password.
    expect((await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'x', email: b.emails.support, role_key: 'manager' })).status).toBe(202)

    const person = t.agent()
    const first = await person.post('/api/auth/login', { email: b.emails.support, password: PASSWORD })
    expect(first.body.data.organizations.map((o: { id: number }) => o.id)).toEqual([b.id])
    const [invitation] = first.body.data.invitations
    expect(invitation).toMatchObject({ kind: 'staff', organization: { id: a.id } })
    expect((await person.post(`/api/auth/membership-invitations/${invitation.id}/accept`)).status).toBe(200)
    const login = await person.post('/api/auth/login', { email: b.emails.support, password: PASSWORD })
    const orgs = login.body.data.organizations
    expect(orgs.map((o: { id: number }) => o.id).sort()).toEqual([a.id, b.id].sort())
    expect(orgs.find((o: { id: number }) => o.id === a.id).roles.map((r: { key: string }) => r.key)).toEqual(['manager'])
    expect(orgs.find((o: { id: number }) => o.id === b.id).roles.map((r: { key: string }) => r.key)).toEqual(['support'])

    await person.post('/api/auth/select', { organization_id: b.id })
    const inB = await person.get(`/api/organizations/${b.id}/members`)
    expect(inB.body.data.members.map((m: { name: string }) => m.name)).toContain('Member b')
    expect((await person.get(`/api/organizations/${a.id}/members`)).status).toBe(404)

    const switched = await person.post('/api/auth/select', { organization_id: a.id })
    expect(switched.body.data.active.organization.id).toBe(a.id)
    expect(switched.body.data.active.role.key).toBe('manager')
    const inA = await person.get(`/api/organizations/${a.id}/members`)
    expect(inA.body.data.members.map((m: { name: string }) => m.name)).toContain('Member a')
    expect(inA.body.data.members.map((m: { name: string }) => m.name)).not.toContain('Member b')
    expect((await person.get(`/api/organizations/${b.id}/members`)).status).toBe(404)

    // Not a member of the new organization: choosing it is "not found".
    expect((await person.post('/api/auth/select', { organization_id: c })).status).toBe(404)
    // The creator is admin of the new one.
    const sel = await a.admin.post('/api/auth/select', { organization_id: c })
    expect(sel.body.data.active.role.key).toBe('admin')
    await a.admin.post('/api/auth/select', { organization_id: a.id })
  })

  it('asks for the role when a user holds several in one organization', async () => {
    expect((await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'x', email: a.emails.support, role_key: 'manager' })).status).toBe(201)
    const agent = t.agent()
    const login = await agent.post('/api/auth/login', { email: a.emails.support, password: PASSWORD })
    const roles = login.body.data.organizations.find((o: { id: number }) => o.id === a.id).roles
    expect(roles.map((r: { key: string }) => r.key).sort()).toEqual(['manager', 'support'])
    const noRole = await agent.post('/api/auth/select', { organization_id: a.id })
    expect(noRole.status).toBe(422)
    expect(noRole.body.error.code).toBe('ROLE_REQUIRED')
    const manager = roles.find((r: { key: string }) => r.key === 'manager')
    const sel = await agent.post('/api/auth/select', { organization_id: a.id, role_id: manager.id })
    expect(sel.body.data.active.role.key).toBe('manager')
    // A role of another organization or surface is refused.
    expect((await agent.post('/api/auth/select', { organization_id: a.id, role_id: 99999 })).status).toBe(404)
  })

  it('ends the sessions of a role that is taken away, and keeps the last admin', async () => {
    const agent = await webLogin(t, b.emails.manager, b.id)
    expect((await agent.get(`/api/organizations/${b.id}`)).status).toBe(200)
    const staff = (await b.admin.get(`/api/organizations/${b.id}/staff`)).body.data.staff
    const manager = staff.find((s: { email: string }) => s.email === b.emails.manager)
    const roleId = manager.roles[0].id
    expect((await b.admin.delete(`/api/organizations/${b.id}/staff/${manager.member_id}/roles/${roleId}`)).status).toBe(200)
    expect((await agent.get(`/api/organizations/${b.id}`)).status).toBe(401)
    const admin = staff.find((s: { email: string }) => s.email === b.emails.admin)
    const last = await b.admin.delete(`/api/organizations/${b.id}/staff/${admin.member_id}/roles/${admin.roles[0].id}`)
    expect(last.status).toBe(409)
    expect(last.body.error.code).toBe('LAST_ADMIN')
  })
})
