import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, FACE_THRESHOLD_RANGE } from '../../../shared/face/match'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { faceEncoding, photoBase64 } from '../../../tools/test-support/faces'
import { askChallenge, registerFace } from '../../../tools/test-support/evidence-flow'
import { renderEvidence, type RenderEvidenceOptions } from '../../../tools/test-support/evidence'
import { auditLog, consents, livenessChallenges, memberFaceData } from '../../db/schema'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import type { Evidence } from '../../../shared/attendance/evidence'
import { CONDITION_WAIT_MS } from '../../../tools/test-support/waits'

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

// Registration and face sign-in take the evidence of a challenge the server issued (head turns rendered from real
// photos by tools/test-support/evidence.ts); the server derives the templates from the frames itself. The kiosk's 1:N API
// (/api/face/verify, /api/face/gallery) still speaks descriptors: a tablet matches offline against its cached gallery.
const P01 = 'people/p01/p01-5.jpg' // registration, and the reference photo
const P01_LATER = 'people/p01/p01-6.jpg' // the same person on another day
const P02 = 'people/p02/p02-1.jpg'

describe('face registration, verification and withdrawal', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const enc: Record<string, string> = {}
  let frame: string
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    // Descriptors as a kiosk computes them, for the 1:N API.
    for (const f of ['p01/p01-1.jpg', 'p01/p01-8.jpg', 'p03/p03-1.jpg']) enc[f] = await faceEncoding(`people/${f}`)
    frame = (await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 100, g: 90, b: 80 } } }).jpeg().toBuffer()).toString('base64')
  })
  afterAll(() => t.close())

  /** Evidence answering a fresh registration challenge of `agent`, rendered from `photo`. */
  async function registrationEvidence(agent: Agent, photo: string, options: RenderEvidenceOptions = {}): Promise<Evidence> {
    const challenge = await askChallenge(agent, 'register')
    return renderEvidence(photo, challenge.steps, { ...options, mode: 'online', challengeId: challenge.challenge_id })
  }
  /** A well-formed body whose evidence no server issued: for the refusals that come before any analysis. */
  const formal = (over: Record<string, unknown> = {}) => ({
    evidence: { challenge_id: crypto.randomUUID(), mode: 'online', steps: ['turn_left', 'turn_right'], frames: [0, 700, 1400].map((ms) => ({ t: ms, image: frame })) },
    face_image: photoBase64(P01),
    device_id: 'phone-1',
    ...over,
  })
  const faceRows = async (memberId: number) =>
    (await t.db.select({ n: count() }).from(memberFaceData).where(eq(memberFaceData.organizationMemberId, memberId)))[0]!.n

  async function newMember(org: OrgWorld, name: string): Promise<{ id: number; agent: Agent }> {
    const created = await org.admin.post(`/api/organizations/${org.id}/members`, { name, member_number: name })
    const invite = await org.admin.post(`/api/organizations/${org.id}/members/${created.body.data.id}/invitations`)
    const agent = t.agent()
    expect((await agent.post('/api/mobile/invitations/redeem', { code: invite.body.data.code, pin: '739154' })).status).toBe(200)
    return { id: created.body.data.id, agent }
  }

  async function signInByFace(photo: string): Promise<{ status: number; body: any }> {
    const phone = t.agent()
    const challenge = await phone.post('/api/mobile/login/challenge', { organization_id: a.id, member_id: a.memberId })
    expect(challenge.status).toBe(201)
    const evidence = await renderEvidence(photo, challenge.body.data.steps, { mode: 'online', challengeId: challenge.body.data.challenge_id })
    return phone.post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, evidence })
  }

  let templates = 0

  it('needs consent first, then registers a face from the evidence of a server challenge and a checked photo', async () => {
    const url = `/api/members/${a.memberId}/face`
    const noConsent = await a.member.post(`${url}/register`, formal())
    expect(noConsent.status).toBe(409)
    expect(noConsent.body.error.code).toBe('CONSENT_REQUIRED')

    expect((await a.member.post(`${url}/consent`, { version: 'old' })).body.error.code).toBe('CONSENT_VERSION_OUTDATED')
    const consent = await a.member.post(`${url}/consent`, { version: CONSENT_VERSION, device_id: 'phone-1' })
    expect(consent.status).toBe(201)

    const evidence = await registrationEvidence(a.member, P01)
    const res = await a.member.post(`${url}/register`, { evidence, face_image: photoBase64(P01), device_id: 'phone-1' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data).toMatchObject({ face_verified: true, face_registered_at: expect.any(String), templates: expect.any(Number) })
    // The templates are the server's own: the photo's descriptor and the frontal frames' (at least 3), never sent back.
    templates = res.body.data.templates
    expect(templates).toBeGreaterThanOrEqual(1 + 3)
    expect(JSON.stringify(res.body)).not.toMatch(/descriptor|encoding/)
    expect(await faceRows(a.memberId)).toBe(templates)
    expect(filesUnder(t.photoDir)).toHaveLength(1) // the reference photo; the frames are not kept
    const stored = fs.readFileSync(filesUnder(t.photoDir)[0]!)
    expect(stored.length).toBeLessThan(100 * 1024)
    expect(stored.subarray(0, 2).toString('hex')).toBe('ffd8') // re-encoded as JPEG
    // The challenge answered once.
    const [used] = await t.db.select().from(livenessChallenges).where(eq(livenessChallenges.id, evidence.challenge_id!))
    expect(used!.usedBy).toMatch(/^register:/)
    const replay = await a.member.post(`${url}/register`, { evidence, face_image: photoBase64(P01) })
    expect(replay.body.error.code).toBe('CHALLENGE_USED')

    const mine = await a.member.get(url)
    expect(mine.body.data).toMatchObject({ registered: true, face_verified: true, templates, consent: { version: CONSENT_VERSION, current: true } })
    expect(JSON.stringify(mine.body)).not.toMatch(/descriptor|encoding/)
    const again = await a.member.post(`${url}/register`, { evidence: await registrationEvidence(a.member, P01_LATER), face_image: photoBase64(P01_LATER) })
    expect(again.body.error.code).toBe('ALREADY_REGISTERED')
    expect(await faceRows(a.memberId)).toBe(templates)
    const list = await a.admin.get(`/api/organizations/${a.id}/members?q=M-a`)
    expect(list.body.data.members[0].face_registered).toBe(true)
  })

  it('registers again (update) from new evidence, replacing the templates and the photo', async () => {
    const url = `/api/members/${a.memberId}/face`
    const before = filesUnder(t.photoDir)
    const res = await a.member.request('PUT', `${url}/update`, { evidence: await registrationEvidence(a.member, P01), face_image: photoBase64(P01), device_id: 'phone-1' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data).toMatchObject({ face_verified: true, updated_at: expect.any(String), templates: expect.any(Number) })
    templates = res.body.data.templates
    expect(await faceRows(a.memberId)).toBe(templates)
    const after = filesUnder(t.photoDir)
    expect(after).toHaveLength(1)
    expect(after[0]).not.toBe(before[0])
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.update')))
    expect(entry!.details).toMatchObject({ descriptors: templates, device_id: 'phone-1' })
  })

  it('registers again while the photo store refuses deletes: the new photo is kept, the old one\'s delete is queued', async () => {
    // (Before: the failed delete of the old photo, after the commit, threw into the handler's clean-up, which deleted
    // the NEW photo of a registration already committed and answered 503.)
    const url = `/api/members/${a.memberId}/face`
    const [old] = filesUnder(t.photoDir)
    const storage = t.deps.storage
    const realDelete = storage.delete.bind(storage)
    storage.delete = async () => {
      throw new Error('the store is down')
    }
    try {
      const res = await a.member.request('PUT', `${url}/update`, { evidence: await registrationEvidence(a.member, P01), face_image: photoBase64(P01), device_id: 'phone-1' })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const kept = filesUnder(t.photoDir)
      expect(kept).toHaveLength(2) // the new photo, and the old one waiting for its delete
      expect(kept).toContain(old)
      expect(await t.deps.jobs.pending('delete-photo')).toBeGreaterThanOrEqual(1)
    } finally {
      storage.delete = realDelete
    }
    // The store back: the queued delete removes the old photo, the new one stays.
    await expect.poll(() => filesUnder(t.photoDir).length, { timeout: CONDITION_WAIT_MS, interval: 200 }).toBe(1)
    expect(filesUnder(t.photoDir)).not.toContain(old)
  })

  it('refuses bad registrations with a clear code and writes nothing', async () => {
    const m = await newMember(a, 'bad-cases')
    const url = `/api/members/${m.id}/face`
    await m.agent.post(`${url}/consent`, { version: CONSENT_VERSION })
    const register = (body: unknown) => m.agent.post(`${url}/register`, body)
    const cases: [string, () => Promise<unknown>, number, string][] = [
      // Refused before any analysis.
      ['a bare descriptor', async () => ({ face_encoding: enc['p01/p01-1.jpg'], face_image: photoBase64(P01) }), 422, 'VALIDATION_FAILED'],
      ['fewer frames than a capture has', async () => formal({ evidence: { ...formal().evidence, frames: [{ t: 0, image: frame }] } }), 422, 'VALIDATION_FAILED'],
      ['offline evidence', async () => formal({ evidence: await renderEvidence(P02, ['turn_left', 'turn_right'], { mode: 'offline' }) }), 422, 'CHALLENGE_REQUIRED'],
      ['a challenge nobody issued', async () => formal(), 422, 'CHALLENGE_UNKNOWN'],
      ['another member\'s challenge', async () => formal({ evidence: await registrationEvidence(a.member, P02) }), 422, 'CHALLENGE_UNKNOWN'],
      [
        'an attendance challenge',
        async () => {
          const ch = await askChallenge(m.agent, 'attendance')
          return formal({ evidence: await renderEvidence(P02, ch.steps, { mode: 'online', challengeId: ch.challenge_id }) })
        },
        422,
        'CHALLENGE_UNKNOWN',
      ],
      [
        'an expired challenge',
        async () => {
          const ch = await askChallenge(m.agent, 'register')
          await t.db.update(livenessChallenges).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(livenessChallenges.id, ch.challenge_id))
          return formal({ evidence: await renderEvidence(P02, ch.steps, { mode: 'online', challengeId: ch.challenge_id }) })
        },
        422,
        'CHALLENGE_EXPIRED',
      ],
      ['a photo that is no image', async () => formal({ face_image: Buffer.from('%PDF-1.4 definitely not a photo').toString('base64') }), 415, 'NOT_AN_IMAGE'],
      ['a photo that is no base64', async () => formal({ face_image: 'not base64 !!' }), 422, 'NOT_BASE64'],
      ['a photo too large', async () => formal({ face_image: 'A'.repeat(3_000_000) }), 413, 'IMAGE_TOO_LARGE'],
      // Refused by the server's analysis of the frames.
      [
        'frames of two people',
        async () => {
          const ch = await askChallenge(m.agent, 'register')
          const one = await renderEvidence(P02, ch.steps, { mode: 'online', challengeId: ch.challenge_id })
          const other = await renderEvidence(P01_LATER, ch.steps, { mode: 'online', challengeId: ch.challenge_id })
          return { evidence: { ...one, frames: one.frames.map((f, i) => (i < 3 ? f : other.frames[i]!)) }, face_image: photoBase64(P02) }
        },
        422,
        'DIFFERENT_PEOPLE',
      ],
      ['a photo held up to the camera', async () => ({ evidence: await registrationEvidence(m.agent, P02, { still: true }), face_image: photoBase64(P02) }), 422, 'LIVENESS_FAILED'],
      ['the turns in the wrong order', async () => ({ evidence: await registrationEvidence(m.agent, P02, { reverseTurns: true }), face_image: photoBase64(P02) }), 422, 'LIVENESS_FAILED'],
      ['a photo of someone else than the frames\'', async () => ({ evidence: await registrationEvidence(m.agent, P02), face_image: photoBase64(P01) }), 422, 'PHOTO_MISMATCH'],
      ['a photo of two people', async () => ({ evidence: await registrationEvidence(m.agent, P02), face_image: photoBase64('groups/couple.jpg') }), 422, 'MULTIPLE_FACES'],
      // p01 is already member a's face: nobody else may register it.
      ['another member\'s face', async () => ({ evidence: await registrationEvidence(m.agent, P01_LATER), face_image: photoBase64(P01_LATER) }), 409, 'FACE_BELONGS_TO_OTHER_MEMBER'],
    ]
    for (const [what, body, status, code] of cases) {
      const res = await register(await body())
      expect({ what, status: res.status, code: res.body?.error?.code }).toEqual({ what, status, code })
    }
    expect(await faceRows(m.id)).toBe(0)
    expect(filesUnder(t.photoDir)).toHaveLength(1)
  })

  it('lets a member register only their own face, and not support or petugas', async () => {
    const other = await newMember(a, 'someone')
    expect((await a.member.post(`/api/members/${other.id}/face/consent`, { version: CONSENT_VERSION })).status).toBe(404)
    expect((await a.member.post(`/api/members/${other.id}/face/register`, formal())).status).toBe(404)
    expect((await a.member.get(`/api/members/${b.memberId}/face`)).status).toBe(404)
    expect((await a.support.post(`/api/members/${a.memberId}/face/register`, formal())).status).toBe(403)
    expect((await a.petugas.post(`/api/members/${a.memberId}/face/register`, formal())).status).toBe(403)
    // Nor ask for a registration challenge.
    expect((await a.petugas.post('/api/attendance/challenge', { purpose: 'register' })).status).toBe(403)
  })

  it('verifies 1:N for the petugas: the registered member, and "not recognised" for others', async () => {
    const probe = enc['p01/p01-1.jpg']
    const hit = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: probe })
    expect(hit.status).toBe(200)
    expect(hit.body.data).toMatchObject({ member_id: a.memberId, member_name: 'Member a', verified: true })
    expect(hit.body.data.distance).toBeLessThan(DEFAULT_FACE_THRESHOLD)
    expect(hit.body.data.match_score).toBeCloseTo(1 - hit.body.data.distance ** 2 / 2, 2)

    const miss = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p03/p03-1.jpg'] })
    expect(miss.body.data).toMatchObject({ member_id: null, member_name: null, verified: false })
    // Another organization's gallery is not reachable, and B knows nothing of A's faces.
    expect((await a.petugas.post('/api/face/verify', { organization_id: b.id, face_encoding: probe })).status).toBe(404)
    expect((await b.petugas.post('/api/face/verify', { organization_id: b.id, face_encoding: probe })).body.data.verified).toBe(false)
    expect((await a.support.post('/api/face/verify', { organization_id: a.id, face_encoding: probe })).status).toBe(403)
    // A member's phone has no descriptor API at all.
    expect((await a.member.post('/api/face/verify', { organization_id: a.id, face_encoding: probe })).status).toBe(403)
    expect((await a.member.get('/api/face/gallery')).status).toBe(403)

    // A deactivated member stops matching at once, and matches again when reactivated.
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'inactive' })
    expect((await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: probe })).body.data.verified).toBe(false)
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'active' })
    expect((await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: probe })).body.data.verified).toBe(true)
    // Deactivation ended the member's sessions: they sign in again on their phone.
    expect((await a.member.get('/api/mobile/me')).status).toBe(401)
    expect((await a.member.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).status).toBe(200)

    const gallery = await a.petugas.get('/api/face/gallery')
    expect(gallery.body.data.members).toEqual([expect.objectContaining({ id: a.memberId, descriptors: expect.any(Array) })])
    expect(gallery.body.data.members[0].descriptors).toHaveLength(templates)
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

  it('signs a member in by face on their phone (1:1) from live evidence, with the PIN as fallback', async () => {
    const ok = await signInByFace(P01_LATER)
    expect(ok.status, JSON.stringify(ok.body)).toBe(200)
    expect(ok.body.data.member.id).toBe(a.memberId)
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'auth.face_login')))
    expect(entry!.details).toMatchObject({ distance: expect.any(Number) })
    const wrong = await signInByFace(P02)
    expect(wrong.status).toBe(401)
    expect(wrong.body.error.code).toBe('FACE_NOT_RECOGNISED')
    const pin = await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })
    expect(pin.status, JSON.stringify(pin.body)).toBe(200)
  })

  it('lets an admin set the face threshold, and the audited photo view is admin-only', async () => {
    for (const face_threshold of [FACE_THRESHOLD_RANGE.max + 0.01, FACE_THRESHOLD_RANGE.min - 0.01]) {
      expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold })).status).toBe(422)
    }
    // p01-1 is about 0.82 from the templates registered from p01-5: accepted at the default, refused at 0.6.
    const probe = { organization_id: a.id, face_encoding: enc['p01/p01-1.jpg'] }
    const usual = await a.petugas.post('/api/face/verify', probe)
    expect(usual.body.data.verified).toBe(true)
    expect(usual.body.data.distance).toBeGreaterThan(0.6)
    const strict = await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: 0.6, photo_retention_days: 30 })
    expect(strict.body.data.settings).toMatchObject({ face_threshold: 0.6, photo_retention_days: 30, face_margin: DEFAULT_FACE_MARGIN })
    const stricter = await a.petugas.post('/api/face/verify', probe)
    expect(stricter.body.data).toMatchObject({ verified: false, member_id: null })
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: DEFAULT_FACE_THRESHOLD })
    expect((await a.petugas.post('/api/face/verify', probe)).body.data.verified).toBe(true)
    expect((await a.support.patch(`/api/organizations/${a.id}/settings`, { face_threshold: DEFAULT_FACE_THRESHOLD })).status).toBe(403)

    const photo = await a.admin.request('GET', `/api/organizations/${a.id}/members/${a.memberId}/face/photo`)
    expect(photo.status).toBe(200)
    expect(photo.headers.get('content-type')).toBe('image/jpeg')
    expect(photo.headers.get('cache-control')).toBe('no-store')
    expect((await a.support.get(`/api/organizations/${a.id}/members/${a.memberId}/face/photo`)).status).toBe(403)
    expect((await b.admin.get(`/api/organizations/${a.id}/members/${a.memberId}/face/photo`)).status).toBe(404)
    const views = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.photo_view')))
    expect(views).toHaveLength(1)
  })

  it('withdrawal deletes templates and photos; neither the kiosk nor face sign-in finds the member', async () => {
    const res = await a.member.delete(`/api/members/${a.memberId}/face`)
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual({ deleted_descriptors: templates, deleted_photos: 1 })
    expect(await faceRows(a.memberId)).toBe(0)
    expect(filesUnder(t.photoDir)).toEqual([])
    const [c] = await t.db.select().from(consents).where(eq(consents.organizationMemberId, a.memberId))
    expect(c!.withdrawnAt).not.toBeNull()
    const after = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: enc['p01/p01-1.jpg'] })
    expect(after.body.data.verified).toBe(false)
    expect((await signInByFace(P01_LATER)).status).toBe(401)
    const log = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.withdraw')))
    expect(log[0]!.details).toMatchObject({ by_admin: false, descriptors: templates, photos: 1 })
    // Registering again needs consent again.
    expect((await a.member.post(`/api/members/${a.memberId}/face/register`, formal())).body.error.code).toBe('CONSENT_REQUIRED')
  })
})

describe('face index across server instances', () => {
  it('a face change on one instance is seen at once by another on the same database (NOTIFY)', async () => {
    const { backend } = await import('../../../tools/test-support/harness')
    const one = await createTestApp()
    const a = await buildOrg(one, 'a')
    // On PostgreSQL a second instance attaches to the same database; PGlite is one process, so the instance hears itself.
    const url = backend === 'postgres' ? (await import('../../../tools/test-support/harness')).lastDatabaseUrl : null
    const two = url ? await createTestApp({}, { databaseUrl: url, secret: one.deps.secret }) : one
    try {
      const probe = { organization_id: a.id, face_encoding: await faceEncoding('people/p01/p01-1.jpg') }
      const petugasOnTwo = two.agent()
      for (const [k, v] of a.petugas.cookies) petugasOnTwo.cookies.set(k, v)
      // Instance two caches the (empty) gallery.
      expect((await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified).toBe(false)
      await registerFace(a.member, a.memberId, P01)
      await expect.poll(async () => (await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified, { timeout: CONDITION_WAIT_MS }).toBe(true)
      await a.member.delete(`/api/members/${a.memberId}/face`)
      await expect.poll(async () => (await petugasOnTwo.post('/api/face/verify', probe)).body.data.verified, { timeout: CONDITION_WAIT_MS }).toBe(false)
    } finally {
      if (two !== one) await two.close()
      await one.close()
    }
  })
})
