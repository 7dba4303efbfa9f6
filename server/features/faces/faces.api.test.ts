import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../test/harness'
import { buildOrg, PIN, type OrgWorld } from '../../test/fixtures'
import { faceEncoding, photoBase64 } from '../../test/faces'
import { auditLog, consents, memberFaceData } from '../../db/schema'
import { CONSENT_VERSION } from '../../../shared/face/consent'

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

describe('face registration, verification and withdrawal', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const enc: Record<string, string> = {}
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    for (const f of ['p01/p01-1.jpg', 'p01/p01-2.jpg', 'p01/p01-3.jpg', 'p01/p01-5.jpg', 'p01/p01-8.jpg', 'p02/p02-1.jpg', 'p02/p02-2.jpg', 'p02/p02-3.jpg', 'p02/p02-4.jpg', 'p03/p03-1.jpg']) {
      enc[f] = await faceEncoding(`people/${f}`)
    }
  }, 120_000)
  afterAll(() => t.close())

  const registration = (ids: string[], photo: string) => ({
    face_encoding: enc[ids[0]!],
    face_encodings: ids.slice(1).map((i) => enc[i]!),
    face_image: photoBase64(`people/${photo}`),
    device_id: 'phone-1',
  })
  const p01 = () => registration(['p01/p01-1.jpg', 'p01/p01-2.jpg', 'p01/p01-3.jpg'], 'p01/p01-1.jpg')
  const faceRows = async (memberId: number) =>
    (await t.db.select({ n: count() }).from(memberFaceData).where(eq(memberFaceData.organizationMemberId, memberId)))[0]!.n

  async function newMember(org: OrgWorld, name: string): Promise<{ id: number; agent: Agent }> {
    const created = await org.admin.post(`/api/organizations/${org.id}/members`, { name, member_number: name })
    const invite = await org.admin.post(`/api/organizations/${org.id}/members/${created.body.data.id}/invitations`)
    const agent = t.agent()
    expect((await agent.post('/api/mobile/invitations/redeem', { code: invite.body.data.code, pin: '739154' })).status).toBe(200)
    return { id: created.body.data.id, agent }
  }

  it('needs consent first, then registers a face with server-checked photo and captures', async () => {
    const url = `/api/members/${a.memberId}/face`
    const noConsent = await a.member.post(`${url}/register`, p01())
    expect(noConsent.status).toBe(409)
    expect(noConsent.body.error.code).toBe('CONSENT_REQUIRED')

    expect((await a.member.post(`${url}/consent`, { version: 'old' })).body.error.code).toBe('CONSENT_VERSION_OUTDATED')
    const consent = await a.member.post(`${url}/consent`, { version: CONSENT_VERSION, device_id: 'phone-1' })
    expect(consent.status).toBe(201)

    const res = await a.member.post(`${url}/register`, p01())
    expect(res.status).toBe(201)
    expect(res.body.data).toMatchObject({ face_verified: true, face_registered_at: expect.any(String) })
    expect(res.body.data.descriptors).toHaveLength(4) // the photo's own descriptor + 3 captures
    expect(await faceRows(a.memberId)).toBe(4)
    expect(filesUnder(t.photoDir)).toHaveLength(1)
    const stored = fs.readFileSync(filesUnder(t.photoDir)[0]!)
    expect(stored.length).toBeLessThan(100 * 1024)
    expect(stored.subarray(0, 2).toString('hex')).toBe('ffd8') // re-encoded as JPEG

    const mine = await a.member.get(url)
    expect(mine.body.data).toMatchObject({ registered: true, face_verified: true, consent: { version: CONSENT_VERSION, current: true } })
    const again = await a.member.post(`${url}/register`, p01())
    expect(again.body.error.code).toBe('ALREADY_REGISTERED')
    const list = await a.admin.get(`/api/organizations/${a.id}/members?q=M-a`)
    expect(list.body.data.members[0].face_registered).toBe(true)
  }, 60_000)

  it('refuses bad registrations with a clear code and writes nothing', async () => {
    const m = await newMember(a, 'bad-cases')
    const url = `/api/members/${m.id}/face`
    await m.agent.post(`${url}/consent`, { version: CONSENT_VERSION })
    const cases: [unknown, number, string][] = [
      [{ ...p01(), face_encodings: [] }, 422, 'TOO_FEW_CAPTURES'],
      [{ ...p01(), face_encoding: 'AAAA' }, 422, 'BAD_DESCRIPTOR'],
      [registration(['p01/p01-1.jpg', 'p01/p01-2.jpg', 'p02/p02-1.jpg'], 'p01/p01-1.jpg'), 422, 'INCONSISTENT_CAPTURES'],
      [registration(['p02/p02-1.jpg', 'p02/p02-2.jpg', 'p02/p02-3.jpg'], 'p01/p01-1.jpg'), 422, 'PHOTO_MISMATCH'],
      [registration(['p02/p02-1.jpg', 'p02/p02-2.jpg', 'p02/p02-3.jpg'], '../groups/couple.jpg'), 422, 'MULTIPLE_FACES'],
      [{ ...p01(), face_image: Buffer.from('%PDF-1.4 definitely not a photo').toString('base64') }, 415, 'NOT_AN_IMAGE'],
      [{ ...p01(), face_image: 'not base64 !!' }, 422, 'NOT_BASE64'],
      [{ ...p01(), face_image: 'A'.repeat(3_000_000) }, 413, 'IMAGE_TOO_LARGE'],
      // p01 is already member a's face: nobody else may register it.
      [p01(), 409, 'FACE_BELONGS_TO_OTHER_MEMBER'],
    ]
    for (const [body, status, code] of cases) {
      const res = await m.agent.post(`${url}/register`, body)
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code })
    }
    expect(await faceRows(m.id)).toBe(0)
    expect(filesUnder(t.photoDir)).toHaveLength(1)
  }, 120_000)

  it('lets a member register only their own face, and not support or petugas', async () => {
    const other = await newMember(a, 'someone')
    expect((await a.member.post(`/api/members/${other.id}/face/consent`, { version: CONSENT_VERSION })).status).toBe(404)
    expect((await a.member.get(`/api/members/${b.memberId}/face`)).status).toBe(404)
    expect((await a.support.post(`/api/members/${a.memberId}/face/register`, p01())).status).toBe(403)
    expect((await a.petugas.post(`/api/members/${a.memberId}/face/register`, p01())).status).toBe(403)
  })

  it('verifies 1:N for the petugas: the registered member, and "not recognised" for others', async () => {
    const hit = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-5.jpg'] })
    expect(hit.status).toBe(200)
    expect(hit.body.data).toMatchObject({ member_id: a.memberId, member_name: 'Member a', verified: true })
    expect(hit.body.data.distance).toBeLessThan(0.5)
    expect(hit.body.data.match_score).toBeCloseTo(1 - hit.body.data.distance, 2)

    const miss = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p03/p03-1.jpg'] })
    expect(miss.body.data).toMatchObject({ member_id: null, member_name: null, verified: false })
    // Another organization's gallery is not reachable, and B knows nothing of A's faces.
    expect((await a.petugas.post('/api/face/verify', { organization_id: b.id, face_encoding: enc['p01/p01-5.jpg'] })).status).toBe(404)
    expect((await b.petugas.post('/api/face/verify', { organization_id: b.id, face_encoding: enc['p01/p01-5.jpg'] })).body.data.verified).toBe(false)
    expect((await a.support.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-5.jpg'] })).status).toBe(403)

    // A deactivated member stops matching at once, and matches again when reactivated.
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'inactive' })
    expect((await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-5.jpg'] })).body.data.verified).toBe(false)
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'active' })
    expect((await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-5.jpg'] })).body.data.verified).toBe(true)
    // Deactivation ended the member's sessions: they sign in again on their phone.
    expect((await a.member.get('/api/mobile/me')).status).toBe(401)
    expect((await a.member.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).status).toBe(200)

    const gallery = await a.petugas.get('/api/face/gallery')
    expect(gallery.body.data.members).toEqual([expect.objectContaining({ id: a.memberId, descriptors: expect.any(Array) })])
    expect((await b.petugas.get('/api/face/gallery')).body.data.members).toEqual([])
    // A kiosk that already holds this version downloads nothing; any change gives a new version.
    const version = gallery.body.data.version
    expect(gallery.body.data).toMatchObject({ unchanged: false })
    expect(gallery.body.data.members[0]).toHaveProperty('department_id', null)
    const again = await a.petugas.get(`/api/face/gallery?known=${version}`)
    expect(again.body.data).toMatchObject({ unchanged: true, version, members: [] })
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_margin: 0.06 })
    const changed = await a.petugas.get(`/api/face/gallery?known=${version}`)
    expect(changed.body.data.unchanged).toBe(false)
    expect(changed.body.data.version).not.toBe(version)
    expect(changed.body.data.members).toHaveLength(1)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_margin: 0.05 })
  })

  it('signs a member in by face on their phone (1:1), with the PIN as fallback', async () => {
    const phone = t.agent()
    const ok = await phone.post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, face_encoding: enc['p01/p01-5.jpg'] })
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.data.member.id).toBe(a.memberId)
    const wrong = await t.agent().post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, face_encoding: enc['p02/p02-4.jpg'] })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('FACE_NOT_RECOGNISED')
    const pin = await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })
    expect(pin.status, JSON.stringify(pin.body)).toBe(200)
  })

  it('lets an admin set the face threshold, and the audited photo view is admin-only', async () => {
    const bad = await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.95 })
    expect(bad.status).toBe(422)
    const strict = await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.3, photo_retention_days: 30 })
    expect(strict.body.data.settings).toMatchObject({ face_threshold: 0.3, photo_retention_days: 30, face_margin: 0.05 })
    // p01-8 is about 0.42 from the enrolled photos: accepted at 0.5, refused at 0.3.
    const probe = { organization_id: a.id, face_encoding: enc['p01/p01-8.jpg'] }
    const stricter = await a.petugas.post('/api/face/verify', probe)
    expect(stricter.body.data).toMatchObject({ verified: false, member_id: null })
    expect(stricter.body.data.distance).toBeGreaterThan(0.3)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.5 })
    expect((await a.petugas.post('/api/face/verify', probe)).body.data.verified).toBe(true)
    expect((await a.support.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.5 })).status).toBe(403)

    const photo = await a.admin.request('GET', `/api/organizations/${a.id}/members/${a.memberId}/face/photo`)
    expect(photo.status).toBe(200)
    expect(photo.headers.get('content-type')).toBe('image/jpeg')
    expect(photo.headers.get('cache-control')).toBe('no-store')
    expect((await a.support.get(`/api/organizations/${a.id}/members/${a.memberId}/face/photo`)).status).toBe(403)
    expect((await b.admin.get(`/api/organizations/${a.id}/members/${a.memberId}/face/photo`)).status).toBe(404)
    const views = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.photo_view')))
    expect(views).toHaveLength(1)
  })

  it('withdrawal deletes descriptors and photos; verification no longer finds the member', async () => {
    const res = await a.member.delete(`/api/members/${a.memberId}/face`)
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual({ deleted_descriptors: 4, deleted_photos: 1 })
    expect(await faceRows(a.memberId)).toBe(0)
    expect(filesUnder(t.photoDir)).toEqual([])
    const [c] = await t.db.select().from(consents).where(eq(consents.organizationMemberId, a.memberId))
    expect(c!.withdrawnAt).not.toBeNull()
    const after = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-5.jpg'] })
    expect(after.body.data.verified).toBe(false)
    expect((await t.agent().post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, face_encoding: enc['p01/p01-5.jpg'] })).status).toBe(401)
    const log = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.withdraw')))
    expect(log[0]!.details).toMatchObject({ by_admin: false, descriptors: 4, photos: 1 })
    // Registering again needs consent again.
    expect((await a.member.post(`/api/members/${a.memberId}/face/register`, p01())).body.error.code).toBe('CONSENT_REQUIRED')
  })
})

describe('face index across server instances', () => {
  it('a face change on one instance is seen at once by another on the same database (NOTIFY)', async () => {
    const { backend } = await import('../../test/harness')
    const one = await createTestApp()
    const a = await buildOrg(one, 'a')
    // On PostgreSQL a second instance attaches to the same database; PGlite is one process, so the instance hears itself.
    const url = backend === 'postgres' ? (await import('../../test/harness')).lastDatabaseUrl : null
    const two = url ? await createTestApp({}, { databaseUrl: url, secret: one.deps.secret }) : one
    try {
      const probe = { organization_id: a.id, face_encoding: await faceEncoding('people/p01/p01-5.jpg') }
      const petugasOnTwo = two.agent()
      for (const [k, v] of a.petugas.cookies) petugasOnTwo.cookies.set(k, v)
      // Instance two caches the (empty) gallery.
      expect((await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified).toBe(false)
      await a.member.post(`/api/members/${a.memberId}/face/consent`, { version: CONSENT_VERSION })
      const reg = await a.member.post(`/api/members/${a.memberId}/face/register`, {
        face_encoding: await faceEncoding('people/p01/p01-1.jpg'),
        face_encodings: [await faceEncoding('people/p01/p01-2.jpg'), await faceEncoding('people/p01/p01-3.jpg')],
        face_image: photoBase64('people/p01/p01-1.jpg'),
      })
      expect(reg.status).toBe(201)
      await expect.poll(async () => (await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified, { timeout: 5000 }).toBe(true)
      await a.member.delete(`/api/members/${a.memberId}/face`)
      await expect.poll(async () => (await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified, { timeout: 5000 }).toBe(false)
    } finally {
      if (two !== one) await two.close()
      await one.close()
    }
  }, 60_000)
})
