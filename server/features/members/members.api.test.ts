import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { auditLog, organizationMembers } from '../../db/schema'

describe('members, departments and positions', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  const memberCount = async () => (await t.db.select({ n: count() }).from(organizationMembers))[0]!.n

  it('creates a member with department and position and lists it in the spec shape', async () => {
    const dept = await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Kelas XII IPA 1', code: 'XII-IPA1' })
    expect(dept.status).toBe(201)
    const pos = await a.admin.post(`/api/organizations/${a.id}/positions`, { name: 'Siswa' })
    expect(pos.status).toBe(201)
    const res = await a.admin.post(`/api/organizations/${a.id}/members`, {
      name: 'Siti Rahayu',
      email: 'siti@example.com',
      member_number: '2024-001',
      department_id: dept.body.data.id,
      position_id: pos.body.data.id,
    })
    expect(res.status).toBe(201)
    expect(res.body.data).toMatchObject({ name: 'Siti Rahayu', department: 'Kelas XII IPA 1', position: 'Siswa', roles: ['member'], face_registered: false, last_attendance: null, pin_set: false })

    const list = await a.support.get(`/api/organizations/${a.id}/members?q=rahayu`)
    expect(list.status).toBe(200)
    expect(list.body.data.total).toBe(1)
    expect(list.body.data.members[0]).toMatchObject({ id: res.body.data.id, name: 'Siti Rahayu', email: 'siti@example.com', department: 'Kelas XII IPA 1', position: 'Siswa', face_registered: false, last_attendance: null })
    // Search by number; a LIKE wildcard typed by the user is literal.
    expect((await a.support.get(`/api/organizations/${a.id}/members?q=2024-001`)).body.data.total).toBe(1)
    expect((await a.support.get(`/api/organizations/${a.id}/members?q=%25`)).body.data.total).toBe(0)
    // Staff are not members.
    const everyone = (await a.admin.get(`/api/organizations/${a.id}/members?limit=500`)).body.data.members as { name: string; can_register_face: boolean }[]
    expect(everyone.map((m) => m.name)).not.toContain('Admin a')
    // A member registers a face; a petugas-only account does not (the list shows no "not yet" for them).
    expect(everyone.find((m) => m.name === 'Siti Rahayu')?.can_register_face).toBe(true)
    expect(everyone.find((m) => m.name === 'Petugas a')?.can_register_face).toBe(false)
  })

  it('refuses invalid members with 422 or 409 and writes nothing', async () => {
    const before = await memberCount()
    const cases: [unknown, number, string][] = [
      [{ name: '' }, 422, 'VALIDATION_FAILED'],
      [{ name: 'X', email: 'nope' }, 422, 'VALIDATION_FAILED'],
      [{ name: 'X', role: 'admin' }, 422, 'VALIDATION_FAILED'],
      [{ name: 'X', department_id: 'abc' }, 422, 'VALIDATION_FAILED'],
      [{ name: 'X'.repeat(500) }, 422, 'VALIDATION_FAILED'],
      [[1, 2], 422, 'VALIDATION_FAILED'],
      [{ name: 'X', member_number: 'M-a' }, 409, 'MEMBER_NUMBER_TAKEN'],
    ]
    for (const [body, status, code] of cases) {
      const res = await a.admin.post(`/api/organizations/${a.id}/members`, body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.body.error.code).toBe(code)
      expect(typeof res.body.error.message).toBe('string')
    }
    // A department of another organization is unknown here.
    const foreignDept = (await b.admin.post(`/api/organizations/${b.id}/departments`, { name: 'Gudang' })).body.data.id
    const res = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'X', department_id: foreignDept })
    expect(res.status).toBe(422)
    expect(await memberCount()).toBe(before)
    const dup = await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'kelas xii ipa 1' })
    expect(dup.status).toBe(409)
  })

  it('edits and deactivates a member; a deactivated member is signed out', async () => {
    const res = await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { phone: '0812-1111-2222' })
    expect(res.status).toBe(200)
    expect(res.body.data.phone).toBe('0812-1111-2222')
    expect(res.body.data.member_number).toBe('M-a')
    expect((await a.member.get('/api/mobile/me')).status).toBe(200)
    const off = await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'inactive' })
    expect(off.body.data).toMatchObject({ status: 'inactive', member_number: 'M-a', phone: '0812-1111-2222' })
    expect((await a.member.get('/api/mobile/me')).status).toBe(401)
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'active' })
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { bogus: 1 })).status).toBe(422)
  })

  it('invites a person who has an account of their own instead of attaching it, and only they rename themselves', async () => {
    // Dewi's account is made by A. B adds the same email: B gets a pending invitation, not Dewi's account.
    const inA = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Dewi', email: 'dewi@example.com', phone: '0811' })
    expect(inA.status).toBe(201)
    const inB = await b.admin.post(`/api/organizations/${b.id}/members`, { name: 'Someone else', email: 'dewi@example.com' })
    expect(inB.status).toBe(202)
    expect(inB.body.data.invitation).toMatchObject({ kind: 'member', name: 'Someone else', email: 'dewi@example.com', status: 'pending' })
    expect(JSON.stringify(inB.body)).not.toContain('Dewi')
    expect(JSON.stringify(inB.body)).not.toContain('0811')
    expect((await b.admin.get(`/api/organizations/${b.id}/members?q=dewi`)).body.data.total).toBe(0)
    // A (which made the account) may still edit it; nothing tells A about B.
    const renamed = await a.admin.patch(`/api/organizations/${a.id}/members/${inA.body.data.id}`, { name: 'Dewi Lestari' })
    expect(renamed.status).toBe(200)
    // Adding the same person twice to one organization is a conflict.
    expect((await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Dewi', email: 'DEWI@example.com' })).status).toBe(409)
  })

  it('records who changed what in the audit log', async () => {
    const rows = await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))
    const actions = rows.map((r) => r.action)
    expect(actions).toEqual(expect.arrayContaining(['member.create', 'member.update', 'department.create', 'position.create', 'device.create', 'device.enrol']))
  })
})
