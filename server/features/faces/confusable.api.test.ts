// Confusable members (issue 14): the admin sees which members' faces the model can mix up, from the server's own
// templates of real photos; only with member:manage, and only of their own organization.
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '../../../shared/face/match'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { createMember } from '../members/members.service'
import { enrolTemplates, faceEncoding } from '../../../tools/test-support/faces'
import { answeredEvidence, capture, settled, sync } from '../../../tools/test-support/evidence-flow'
import { makeQrToken } from '../attendance/qr'

describe('confusable members', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let stranger: number

  const enrol = (organizationId: number, memberId: number, photos: string[]) => enrolTemplates(t, organizationId, memberId, photos)

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    stranger = await createMember(t.db, a.id, { name: 'Stranger a', email: null, phone: null, member_number: 'S-a', role: 'member' })
    // The member and the petugas of a have templates of one person (p01): the model cannot tell them apart. The
    // stranger is someone else (p02). b's member has p01's face too, in another organization.
    await enrol(a.id, a.memberId, ['p01/p01-1.jpg', 'p01/p01-2.jpg'])
    await enrol(a.id, a.petugasId, ['p01/p01-3.jpg', 'p01/p01-4.jpg'])
    await enrol(a.id, stranger, ['p02/p02-1.jpg', 'p02/p02-2.jpg'])
    await enrol(b.id, b.memberId, ['p01/p01-5.jpg'])
  })
  afterAll(() => t.close())

  let before: { distance: number }[] = []
  it('lists the pairs within threshold + margin, with who they are and how close', async () => {
    const r = await a.admin.get(`/api/organizations/${a.id}/faces/confusable`)
    before = r.body.data.pairs
    expect(r.status).toBe(200)
    const data = r.body.data
    expect(data).toMatchObject({ threshold: DEFAULT_FACE_THRESHOLD, margin: DEFAULT_FACE_MARGIN, limit: Number((DEFAULT_FACE_THRESHOLD + DEFAULT_FACE_MARGIN).toFixed(4)), members_with_faces: 3 })
    expect(data.pairs).toHaveLength(1)
    const [pair] = data.pairs
    expect([pair.a.id, pair.b.id].sort()).toEqual([a.memberId, a.petugasId].sort())
    expect([pair.a.name, pair.b.name].sort()).toEqual(['Member a', 'Petugas a'])
    expect(pair.distance).toBeLessThan(DEFAULT_FACE_THRESHOLD)
  })

  it('follows the organization\'s threshold and margin', async () => {
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.5, face_margin: 0 })).status).toBe(200)
    const r = await a.admin.get(`/api/organizations/${a.id}/faces/confusable`)
    expect(r.body.data.limit).toBe(0.5)
    expect(r.body.data.pairs.map((p: { distance: number }) => p.distance)).toEqual(before.map((p) => p.distance).filter((d) => d < 0.5))
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: DEFAULT_FACE_THRESHOLD, face_margin: DEFAULT_FACE_MARGIN })).status).toBe(200)
  })

  it('needs member:manage, and shows nothing of another organization', async () => {
    const statuses = await Promise.all([a.support, a.member, b.admin].map(async (who) => (await who.get(`/api/organizations/${a.id}/faces/confusable`)).status))
    expect(statuses).toEqual([403, 403, 404]) // another organization's id is not found, as everywhere
    const own = await b.admin.get(`/api/organizations/${b.id}/faces/confusable`)
    expect(own.status).toBe(200)
    expect(own.body.data).toMatchObject({ members_with_faces: 1, pairs: [] }) // p01 in a is not b's concern
  })
  it('asks a confusable member for their QR code at the kiosk: without it (or with a wrong one) the capture waits for review', async () => {
    // Margin 0: a capture of p01 is then clear for whichever of the two p01 members is closer, and the pair is still
    // confusable (within the threshold), which is exactly the case a second factor is for.
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_margin: 0 })).status).toBe(200)
    try {
      const gallery = await a.petugas.get('/api/face/gallery')
      expect(gallery.status).toBe(200)
      const flags = Object.fromEntries(gallery.body.data.members.map((m: { id: number; confusable: boolean }) => [m.id, m.confusable]))
      expect(flags).toEqual({ [a.memberId]: true, [a.petugasId]: true, [stranger]: false })

      const probe = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: await faceEncoding('people/p01/p01-6.jpg') })
      const who: number = probe.body.data.member_id
      expect([a.memberId, a.petugasId]).toContain(who)
      const other = who === a.memberId ? a.petugasId : a.memberId
      const kiosk = async (extra: Record<string, unknown>) => capture(who, (await answeredEvidence(a.petugas, 'kiosk', 'people/p01/p01-6.jpg')).evidence, extra)
      const now = Date.now()
      const bare = await kiosk({})
      const withQr = await kiosk({ qr_token: makeQrToken(t.deps.secret, a.id, who, now).token })
      const othersQr = await kiosk({ qr_token: makeQrToken(t.deps.secret, a.id, other, now).token })
      const staleQr = await kiosk({ qr_token: makeQrToken(t.deps.secret, a.id, who, now - 20 * 60_000).token })
      const forged = await kiosk({ qr_token: makeQrToken('not the server secret', a.id, who, now).token })
      const results = await sync(a.petugas, [bare, withQr, othersQr, staleQr, forged])
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied'])

      const face = async (r: Record<string, unknown>) => (await settled(t, r.client_id as string)).event.assurance!
      expect(await face(bare)).toMatchObject({ level: 'low', face: { outcome: 'warn', code: 'confusable' } })
      expect((await face(bare)).face.second_factor).toBeUndefined()
      expect(await face(withQr)).toMatchObject({ level: 'high', face: { outcome: 'pass', code: 'ok', second_factor: 'qr' } })
      for (const wrong of [othersQr, staleQr, forged]) expect(await face(wrong)).toMatchObject({ level: 'low', face: { outcome: 'warn', code: 'confusable', second_factor: 'qr_invalid' } })
      const day = (await settled(t, bare.client_id as string)).day!
      expect(day.flags).toContain('confusable_member')
      expect(day.approvalStatus).toBe('pending')

      // A member nobody can be mixed up with needs no QR code.
      const clear = capture(stranger, (await answeredEvidence(a.petugas, 'kiosk', 'people/p02/p02-3.jpg')).evidence)
      await sync(a.petugas, [clear])
      expect(await face(clear)).toMatchObject({ level: 'high', face: { outcome: 'pass', code: 'ok' } })
      expect((await face(clear)).face.second_factor).toBeUndefined()
    } finally {
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_margin: DEFAULT_FACE_MARGIN })
    }
  })
  it('lets the organization narrow what its kiosks recognise to the station\'s department, and tells the kiosk', async () => {
    expect((await a.petugas.get('/api/attendance/context')).body.data.face.kiosk_gallery).toBe('organization')
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { kiosk_gallery: 'everyone' })).status).toBe(422)
    expect((await a.support.patch(`/api/organizations/${a.id}/settings`, { kiosk_gallery: 'department' })).status).toBe(403)
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { kiosk_gallery: 'department' })).status).toBe(200)
    expect((await a.petugas.get('/api/attendance/context')).body.data.face.kiosk_gallery).toBe('department')
    expect((await b.admin.get(`/api/organizations/${b.id}`)).body.data.settings.kiosk_gallery ?? 'organization').toBe('organization')
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { kiosk_gallery: 'organization' })).status).toBe(200)
  })
})
