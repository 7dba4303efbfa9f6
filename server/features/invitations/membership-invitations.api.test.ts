import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PASSWORD, PIN, webLogin, type OrgWorld } from '../../../tools/test-support/fixtures'
import { auditLog, membershipInvitations, organizationMembers, users } from '../../db/schema'
import { hashSecret } from '../../auth/crypto'
import { createUser } from '../users/users.service'

/**
 * Issue 13, item 9: adding a person who already has an account (made by another organization) invites them; they
 * accept or decline with their own credentials; meanwhile the organization sees "invited, waiting" with only what its
 * admin typed. And no organization learns anything of the person's activity in another (last sign-in, memberships).
 */
describe('invitations to existing accounts', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  const staffOf = (o: OrgWorld) => `/api/organizations/${o.id}/staff`
  const membersOf = (o: OrgWorld) => `/api/organizations/${o.id}/members`
  const invitationsOf = (o: OrgWorld) => `/api/organizations/${o.id}/membership-invitations`

  /** A dashboard user of A made by A's admin (their own password). */
  async function staffOfA(email: string, name: string): Promise<Agent> {
    const made = await a.admin.post(staffOf(a), { name, email, password: PASSWORD, role_key: 'manager' })
    expect(made.status).toBe(201)
    return webLogin(t, email)
  }

  it('invites an existing account as staff; the person accepts on the dashboard and only then is staff', async () => {
    const person = await staffOfA('rudi@example.com', 'Rudi Santoso')
    const invited = await b.admin.post(staffOf(b), { name: 'Pak Rudi (gudang)', email: 'RUDI@example.com', role_key: 'support' })
    expect(invited.status).toBe(202)
    expect(invited.body.data.invitation).toMatchObject({ kind: 'staff', name: 'Pak Rudi (gudang)', email: 'rudi@example.com', role: { key: 'support' }, status: 'pending' })
    // B sees what its admin typed, not the account: no name, no id, nothing of A.
    const bText = JSON.stringify([invited.body, (await b.admin.get(staffOf(b))).body, (await b.admin.get(invitationsOf(b))).body])
    expect(bText).not.toContain('Rudi Santoso')
    expect(bText).not.toContain('Org a')
    expect((await b.admin.get(staffOf(b))).body.data.staff.map((s: { email: string }) => s.email)).not.toContain('rudi@example.com')
    // Until accepted, the person cannot enter B.
    expect((await person.post('/api/auth/select', { organization_id: b.id })).status).toBe(404)

    // The person sees it where they choose an organization.
    const me = (await person.get('/api/auth/me')).body.data
    expect(me.invitations).toEqual([expect.objectContaining({ kind: 'staff', organization: { id: b.id, name: 'Org b' }, role: expect.objectContaining({ key: 'support' }), invited_by: 'Admin b' })])
    const id = me.invitations[0].id
    // Nobody else can answer it: another signed-in person, B's own admin.
    expect((await a.manager.post(`/api/auth/membership-invitations/${id}/accept`)).status).toBe(404)
    expect((await b.admin.post(`/api/auth/membership-invitations/${id}/accept`)).body.error.code).toBe('INVITATION_INVALID')

    const accepted = await person.post(`/api/auth/membership-invitations/${id}/accept`)
    expect(accepted.status).toBe(200)
    expect(accepted.body.data).toMatchObject({ accepted: true, kind: 'staff', organization: { id: b.id, name: 'Org b' } })
    expect((await person.get('/api/auth/me')).body.data.invitations).toEqual([])
    expect((await person.post('/api/auth/select', { organization_id: b.id })).status).toBe(200)
    const staff = (await b.admin.get(staffOf(b))).body.data.staff.find((s: { email: string }) => s.email === 'rudi@example.com')
    expect(staff).toMatchObject({ name: 'Rudi Santoso', roles: [expect.objectContaining({ key: 'support' })] })
    expect((await b.admin.get(invitationsOf(b))).body.data.invitations.map((i: { email: string }) => i.email)).not.toContain('rudi@example.com')
    // Answered once.
    expect((await person.post(`/api/auth/membership-invitations/${id}/accept`)).status).toBe(404)
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, b.id), eq(auditLog.action, 'invitation.accept')))
    expect(entry).toBeDefined()
  })

  it('lets a person with only an invitation sign in to answer it, and shows B a declined invitation it can withdraw', async () => {
    // An account with a password but no dashboard role anywhere (its organization took the role away).
    await t.db.transaction((tx) => createUser(tx, { name: 'Tanpa Peran', email: 'tanpa@example.com', password: PASSWORD }))
    expect((await t.agent().post('/api/auth/login', { email: 'tanpa@example.com', password: PASSWORD })).body.error.code).toBe('NO_DASHBOARD_ACCESS')
    const invited = await b.admin.post(staffOf(b), { name: 'Tamu', email: 'tanpa@example.com', role_key: 'manager' })
    expect(invited.status).toBe(202)
    const person = await webLogin(t, 'tanpa@example.com')
    const me = (await person.get('/api/auth/me')).body.data
    expect(me.organizations).toEqual([])
    expect(me.invitations).toHaveLength(1)
    const declined = await person.post(`/api/auth/membership-invitations/${me.invitations[0].id}/decline`)
    expect(declined.status).toBe(200)
    const [row] = (await b.admin.get(`${invitationsOf(b)}?kind=staff`)).body.data.invitations.filter((i: { email: string }) => i.email === 'tanpa@example.com')
    expect(row).toMatchObject({ status: 'declined', name: 'Tamu' })
    // The decline has no actor: B's audit log shows the name B typed, never the account's.
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, b.id), eq(auditLog.action, 'invitation.decline')))
    expect(entry).toMatchObject({ actorUserId: null, details: { name: 'Tamu', kind: 'staff' } })
    // A support person (no settings:manage) can neither list nor withdraw staff invitations.
    expect((await b.support.get(`${invitationsOf(b)}?kind=staff`)).body.data.invitations).toEqual([])
    expect((await b.support.delete(`${invitationsOf(b)}/${row.id}`)).status).toBe(403)
    expect((await a.admin.delete(`/api/organizations/${b.id}/membership-invitations/${row.id}`)).status).toBe(404)
    expect((await b.admin.delete(`${invitationsOf(b)}/${row.id}`)).status).toBe(200)
    expect((await b.admin.get(`${invitationsOf(b)}?kind=staff`)).body.data.invitations.map((i: { id: number }) => i.id)).not.toContain(row.id)
  })

  it('invites an existing member; they accept in the app with a PIN for the new organization, keeping their own account', async () => {
    const inA = await a.admin.post(membersOf(a), { name: 'Sari Wulandari', email: 'sari@example.com', phone: '0812 5555', member_number: 'A-77' })
    expect(inA.status).toBe(201)
    await t.db.update(organizationMembers).set({ pinHash: await hashSecret(PIN) }).where(eq(organizationMembers.id, inA.body.data.id))
    const dept = (await b.admin.post(`/api/organizations/${b.id}/departments`, { name: 'Gudang' })).body.data.id
    const invited = await b.admin.post(membersOf(b), { name: 'Sari (B)', email: 'sari@example.com', member_number: 'B-77', department_id: dept, role: 'member' })
    expect(invited.status).toBe(202)
    expect(JSON.stringify(invited.body)).not.toMatch(/Wulandari|0812 5555|A-77/)
    // The number is promised: B cannot give it to someone else meanwhile.
    expect((await b.admin.post(membersOf(b), { name: 'Lain', member_number: 'B-77' })).body.error.code).toBe('MEMBER_NUMBER_TAKEN')
    // Not a member of B yet: B cannot sign her in nor see her as a member.
    expect((await t.agent().post('/api/mobile/login', { organization_id: b.id, login: 'B-77', pin: PIN })).status).toBe(401)
    expect((await b.admin.get(`${membersOf(b)}?q=sari`)).body.data.total).toBe(0)

    const phone = t.agent()
    expect((await phone.post('/api/mobile/login', { organization_id: a.id, login: 'A-77', pin: PIN })).status).toBe(200)
    const list = (await phone.get('/api/mobile/membership-invitations')).body.data.invitations
    expect(list).toEqual([expect.objectContaining({ kind: 'member', organization: { id: b.id, name: 'Org b' } })])
    expect((await phone.post(`/api/mobile/membership-invitations/${list[0].id}/accept`, { pin: '123456' })).body.error.code).toBe('PIN_TOO_SIMPLE')
    // Another member's phone cannot accept it.
    expect((await a.member.post(`/api/mobile/membership-invitations/${list[0].id}/accept`, { pin: '583920' })).status).toBe(404)
    const accepted = await phone.post(`/api/mobile/membership-invitations/${list[0].id}/accept`, { pin: '583920' })
    expect(accepted.status).toBe(200)
    // Now a member of B, with B's number and department, and her own name; she signs in to B with the new PIN.
    const inB = (await b.admin.get(`${membersOf(b)}?q=B-77`)).body.data.members[0]
    expect(inB).toMatchObject({ name: 'Sari Wulandari', member_number: 'B-77', department: 'Gudang', roles: ['member'], pin_set: true })
    expect((await t.agent().post('/api/mobile/login', { organization_id: b.id, login: 'B-77', pin: '583920' })).status).toBe(200)
    // Her name, email and phone are hers: B cannot change them; A, which made the account, still can.
    const renamed = await b.admin.patch(`${membersOf(b)}/${inB.id}`, { name: 'Renamed by B' })
    expect(renamed.status).toBe(409)
    expect(renamed.body.error.code).toBe('OWN_ACCOUNT')
    expect((await b.admin.patch(`${membersOf(b)}/${inB.id}`, { member_number: 'B-78' })).status).toBe(200)
    expect((await a.admin.patch(`${membersOf(a)}/${inA.body.data.id}`, { phone: '0812 6666' })).status).toBe(200)
  })

  it('refuses an expired invitation, and renews a pending one when the person is added again', async () => {
    const person = await staffOfA('lama@example.com', 'Lama')
    const first = (await b.admin.post(staffOf(b), { name: 'Lama', email: 'lama@example.com', role_key: 'manager' })).body.data.invitation
    const again = (await b.admin.post(staffOf(b), { name: 'Lama lagi', email: 'lama@example.com', role_key: 'support' })).body.data.invitation
    expect(again).toMatchObject({ id: first.id, name: 'Lama lagi', role: expect.objectContaining({ key: 'support' }) })
    await t.db.update(membershipInvitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(membershipInvitations.id, first.id))
    expect((await person.get('/api/auth/me')).body.data.invitations).toEqual([])
    expect((await person.post(`/api/auth/membership-invitations/${first.id}/accept`)).body.error.code).toBe('INVITATION_INVALID')
    expect((await b.admin.get(`${invitationsOf(b)}?kind=staff`)).body.data.invitations.find((i: { id: number }) => i.id === first.id)).toMatchObject({ status: 'expired' })
  })

  it('tells no organization anything of the person\'s activity in another: sign-ins, other memberships', async () => {
    // One person, staff of both A and B (B by an accepted invitation).
    const person = await staffOfA('dua.tempat@example.com', 'Dua Tempat')
    const id = (await b.admin.post(staffOf(b), { name: 'Dua', email: 'dua.tempat@example.com', role_key: 'manager' })).body.data.invitation.id
    expect((await person.post(`/api/auth/membership-invitations/${id}/accept`)).status).toBe(200)
    expect((await person.post('/api/auth/select', { organization_id: b.id })).status).toBe(200)
    const memberInB = (await b.admin.get(staffOf(b))).body.data.staff.find((s: { email: string }) => s.email === 'dua.tempat@example.com')
    expect(memberInB.last_sign_in_at).toEqual(expect.any(String))
    expect(memberInB).not.toHaveProperty('last_login_at')

    // What B's admin can read about people.
    const bView = async () => {
      const reads = await Promise.all([
        b.admin.get(staffOf(b)),
        b.admin.get(`${membersOf(b)}?limit=500`),
        b.admin.get(`${membersOf(b)}/export?format=csv`),
        b.admin.get(invitationsOf(b)),
        b.admin.get(`/api/organizations/${b.id}/audit-log`),
      ])
      // B's own exports are logged too; everything else in B's log must stay as it was.
      const log = reads[4]!.body.data.entries.filter((e: { action: string }) => e.action !== 'member.export')
      return [...reads.slice(0, 4).map((r) => JSON.stringify(r.body)), JSON.stringify(log)]
    }
    const before = await bView()
    // The person signs in to A (again and again), works there, and A changes their membership.
    for (let i = 0; i < 2; i++) {
      const again = await webLogin(t, 'dua.tempat@example.com', a.id)
      expect((await again.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
    }
    await a.admin.post(`/api/organizations/${a.id}/positions`, { name: 'Kepala' })
    // B's admin sees exactly what they saw before: no later "last login", nothing.
    expect(await bView()).toEqual(before)
    // And A's staff list shows A's own sign-in, not B's.
    const inA = (await a.admin.get(staffOf(a))).body.data.staff.find((s: { email: string }) => s.email === 'dua.tempat@example.com')
    const [rowA] = await t.db
      .select({ at: organizationMembers.lastSignInAt })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(users.email, 'dua.tempat@example.com'), eq(organizationMembers.organizationId, a.id)))
    expect(inA.last_sign_in_at).toBe(rowA!.at!.toISOString())
    expect(inA.last_sign_in_at).not.toBe(memberInB.last_sign_in_at)
  })
})
