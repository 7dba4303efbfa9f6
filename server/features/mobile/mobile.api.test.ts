import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { invitations, livenessChallenges, organizationMembers } from '../../db/schema'
import { CHALLENGE_STEPS, CHALLENGE_TTL_MS } from '../../../shared/attendance/evidence'

describe('mobile sign-in: invitations, PINs, enrolled tablets', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  async function newMember(org: OrgWorld, name: string, role: 'member' | 'petugas' = 'member') {
    const created = await org.admin.post(`/api/organizations/${org.id}/members`, { name, member_number: name.toUpperCase(), role })
    const invite = await org.admin.post(`/api/organizations/${org.id}/members/${created.body.data.id}/invitations`)
    expect(invite.status).toBe(201)
    return { id: created.body.data.id as number, code: invite.body.data.code as string, url: invite.body.data.url as string }
  }

  it('a member opens the invitation, sets a PIN, is signed in, and the code cannot be used again', async () => {
    const { id, code, url } = await newMember(a, 'rina')
    expect(url).toBe(`/m/invite/${code}`)
    const phone = t.agent()
    const info = await phone.get(`/api/mobile/invitations/${code.toLowerCase()}`)
    expect(info.status).toBe(200)
    expect(info.body.data).toEqual({ organization: { id: a.id, name: 'Org a' }, member: { id, name: 'rina' } })

    expect((await phone.post('/api/mobile/invitations/redeem', { code, pin: '12345' })).status).toBe(422)
    const simple = await phone.post('/api/mobile/invitations/redeem', { code, pin: '123456' })
    expect(simple.body.error.code).toBe('PIN_TOO_SIMPLE')
    const redeemed = await phone.post('/api/mobile/invitations/redeem', { code, pin: '739154' })
    expect(redeemed.status).toBe(200)
    expect(redeemed.body.data).toMatchObject({ member: { id, name: 'rina' }, organization: { id: a.id }, role: { key: 'member' }, device: null })
    expect(redeemed.body.data.permissions).toEqual(['attendance:record:submit', 'attendance:record:view:own', 'member:face:register', 'member:face:update'])
    expect((await phone.get('/api/mobile/me')).status).toBe(200)

    expect((await t.agent().get(`/api/mobile/invitations/${code}`)).status).toBe(404)
    const reuse = await t.agent().post('/api/mobile/invitations/redeem', { code, pin: '739154' })
    expect(reuse.status).toBe(404)
    expect(reuse.body.error.code).toBe('INVITATION_INVALID')

    // Later, the PIN signs in.
    const again = t.agent()
    expect((await again.post('/api/mobile/login', { organization_id: a.id, login: 'RINA', pin: '739154' })).status).toBe(200)
    // The same credentials do not open the organization B.
    expect((await t.agent().post('/api/mobile/login', { organization_id: b.id, login: 'RINA', pin: '739154' })).status).toBe(401)

    // A new phone names the organization by its code (its short name), as typed or pasted: never an internal number.
    const { slug } = (await a.admin.get(`/api/organizations/${a.id}`)).body.data as { slug: string }
    for (const typed of [slug, ` ${slug.toUpperCase()} `, `https://hadir.example/m/login?org=${slug}`]) {
      expect((await t.agent().post('/api/mobile/login', { organization: typed, login: 'RINA', pin: '739154' })).status, typed).toBe(200)
    }
    const { slug: other } = (await b.admin.get(`/api/organizations/${b.id}`)).body.data as { slug: string }
    expect((await t.agent().post('/api/mobile/login', { organization: other, login: 'RINA', pin: '739154' })).status).toBe(401)
    // An unknown code answers like a wrong PIN (nobody learns which organizations exist), and the code wins over an id.
    const unknown = await t.agent().post('/api/mobile/login', { organization: 'no-such-school', organization_id: a.id, login: 'RINA', pin: '739154' })
    expect(unknown.status).toBe(401)
    expect(unknown.body.error.code).toBe('INVALID_CREDENTIALS')
    expect((await t.agent().post('/api/mobile/login', { login: 'RINA', pin: '739154' })).status).toBe(422)
  })

  it('an expired or replaced invitation does not work', async () => {
    const first = await newMember(a, 'tono')
    const second = await t.agent()
    const newer = await a.admin.post(`/api/organizations/${a.id}/members/${first.id}/invitations`)
    expect((await second.get(`/api/mobile/invitations/${first.code}`)).status).toBe(404)
    await t.db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.organizationMemberId, first.id))
    expect((await second.post('/api/mobile/invitations/redeem', { code: newer.body.data.code, pin: '739154' })).status).toBe(404)
    const [m] = await t.db.select().from(organizationMembers).where(eq(organizationMembers.id, first.id))
    expect(m!.pinHash).toBeNull()
  })

  it('locks a PIN after 5 wrong tries', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: '000001' })).status).toBe(401)
    }
    expect((await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: '000001' })).status).toBe(429)
    const right = await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED')
    await t.db.update(organizationMembers).set({ pinLockedUntil: null }).where(eq(organizationMembers.id, a.memberId))
  })

  it('a petugas signs in only on an enrolled tablet of their organization, and revoking the tablet ends it', async () => {
    const phone = t.agent()
    const res = await phone.post('/api/mobile/login', { organization_id: a.id, login: 'P-a', pin: PIN })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('DEVICE_REQUIRED')

    // B's tablet is bound to B: A's petugas cannot sign in on it, whatever organization the body names.
    const onB = t.agent()
    for (const [k, v] of b.tablet.cookies) onB.cookies.set(k, v)
    expect((await onB.post('/api/mobile/login', { organization_id: a.id, login: 'P-a', pin: PIN })).status).toBe(403)
    expect((await onB.post('/api/mobile/login', { login: 'P-a', pin: PIN })).status).toBe(401)

    const me = await a.petugas.get('/api/mobile/me')
    expect(me.body.data).toMatchObject({ role: { key: 'petugas' }, device: { id: a.deviceId, name: 'Tablet a' } })
    expect((await a.tablet.get('/api/devices/me')).body.data.organization).toMatchObject({ id: a.id })

    const revoke = await a.admin.delete(`/api/organizations/${a.id}/devices/${a.deviceId}`)
    expect(revoke.status, JSON.stringify(revoke.body)).toBe(200)
    expect(revoke.body.data.status).toBe('revoked')
    expect((await a.petugas.get('/api/mobile/me')).status).toBe(401)
    expect((await a.tablet.get('/api/devices/me')).status).toBe(401)
  })

  it('an enrolment code works once, and not after it expires', async () => {
    const created = await b.admin.post(`/api/organizations/${b.id}/devices`, { name: 'Lobby' })
    const code: string = created.body.data.enrol_code
    expect(code).toMatch(/^[A-Z2-9]{8}$/)
    const tablet = t.agent()
    const enrolled = await tablet.post('/api/devices/enrol', { code: `${code.slice(0, 4)}-${code.slice(4).toLowerCase()}`, name: 'Lobby tablet' })
    expect(enrolled.status).toBe(200)
    expect(enrolled.body.data).toEqual({ device: { id: created.body.data.id, name: 'Lobby tablet' }, organization: { id: b.id, name: 'Org b', timezone: 'Asia/Jakarta' } })
    expect((await t.agent().post('/api/devices/enrol', { code })).status).toBe(404)
    const list = await b.admin.get(`/api/organizations/${b.id}/devices`)
    expect(list.body.data.devices.find((d: { id: number }) => d.id === created.body.data.id).status).toBe('enrolled')
    // No code or token is ever listed.
    expect(JSON.stringify(list.body)).not.toContain(code)
  })

  it('issues face sign-in challenges without telling who exists; only an open sign-in challenge of that member can be answered', async () => {
    const ask = (organizationId: number, memberId: number) => t.agent().post('/api/mobile/login/challenge', { organization_id: organizationId, member_id: memberId })
    const real = await ask(a.id, a.memberId)
    expect(real.status).toBe(201)
    expect(real.body.data).toMatchObject({ challenge_id: expect.any(String), purpose: 'login' })
    expect(real.body.data.steps).toHaveLength(CHALLENGE_STEPS.login)
    expect(new Date(real.body.data.expires_at).getTime() - new Date(real.body.data.issued_at).getTime()).toBe(CHALLENGE_TTL_MS.login)
    const stored = await t.db.select().from(livenessChallenges).where(eq(livenessChallenges.id, real.body.data.challenge_id))
    expect(stored).toMatchObject([{ organizationId: a.id, purpose: 'login', organizationMemberId: a.memberId, usedAt: null }])
    // Nobody, another organization's member, an inactive member: an answer of the same shape, and nothing stored.
    const inactive = (await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Gone', member_number: 'GONE' })).body.data.id as number
    await a.admin.patch(`/api/organizations/${a.id}/members/${inactive}`, { status: 'inactive' })
    for (const [org, member] of [[a.id, 9_999_999], [a.id, b.memberId], [a.id, inactive]] as const) {
      const decoy = await ask(org, member)
      expect(decoy.status).toBe(201)
      expect(Object.keys(decoy.body.data).sort()).toEqual(Object.keys(real.body.data).sort())
      expect(decoy.body.data.steps).toHaveLength(CHALLENGE_STEPS.login)
      expect(await t.db.select().from(livenessChallenges).where(eq(livenessChallenges.id, decoy.body.data.challenge_id))).toEqual([])
    }

    // What cannot sign anyone in, whatever the frames show (refused before any analysis): a bare descriptor, offline
    // evidence, a decoy, someone else's challenge, a registration challenge. Each counts as a miss.
    const frame = (await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 80, b: 70 } } }).jpeg().toBuffer()).toString('base64')
    const evidence = (challengeId?: string) => ({ ...(challengeId ? { challenge_id: challengeId, mode: 'online' } : { mode: 'offline' }), steps: ['turn_left'], frames: [0, 600, 1200].map((ms) => ({ t: ms, image: frame })) })
    const signIn = (body: Record<string, unknown>) => t.agent().post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, ...body })
    expect((await signIn({ face_encoding: Buffer.alloc(512).toString('base64') })).status).toBe(422)
    const decoy = await ask(a.id, 9_999_999)
    const registration = await a.member.post('/api/attendance/challenge', { purpose: 'register' })
    expect(registration.status).toBe(201)
    const others = await ask(b.id, b.memberId)
    const misses = [evidence(), evidence(decoy.body.data.challenge_id), evidence(registration.body.data.challenge_id), evidence(others.body.data.challenge_id)]
    for (const e of misses) {
      const res = await signIn({ evidence: e })
      expect(res.status, JSON.stringify(res.body)).toBe(401)
      expect(res.body.error.code).toBe('FACE_NOT_RECOGNISED')
    }
    const [member] = await t.db.select().from(organizationMembers).where(and(eq(organizationMembers.id, a.memberId), eq(organizationMembers.organizationId, a.id)))
    expect(member!.failedPins).toBe(misses.length)
    await t.db.update(organizationMembers).set({ failedPins: 0, pinLockedUntil: null }).where(eq(organizationMembers.id, a.memberId))
  })
})
