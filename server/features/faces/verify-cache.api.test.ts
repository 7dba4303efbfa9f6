import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { eq } from 'drizzle-orm'
import { memberFaceData, organizationMembers } from '../../db/schema'
import { FaceIndexCache } from '../../face/index-cache'
import { FACE_MODEL } from '../../../shared/face/model'
import { FACE_DESCRIPTOR_LENGTH, descriptorToBytes, encodeDescriptor } from '../../../shared/face/descriptor'
import { DEFAULT_FACE_THRESHOLD, FACE_THRESHOLD_RANGE } from '../../../shared/face/match'
import { CONDITION_WAIT_MS } from '../../../tools/test-support/waits'

// /api/face/verify keeps what does not change per capture: the organization's gallery with its matching settings
// (dropped by invalidateFaces, here and through NOTIFY on other instances), and the matched members' names (dropped on
// a rename, likewise). What must be checked per request stays checked per request: the session and the tablet. These
// tests hold every change that must show at once to the very next verify, after the caches are warm.

/** A deterministic unit vector (the model's descriptors are unit length). */
function unit(seed: number): Float32Array {
  let s = seed >>> 0
  const v = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    v[i] = s / 2 ** 32 - 0.5
  }
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

/** A unit vector at exactly `distance` (Euclidean) from unit vector `a`, in the plane of a and b. */
function at(a: Float32Array, b: Float32Array, distance: number): Float32Array {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0)
  const o = b.map((x, i) => x - dot * a[i]!)
  const on = Math.hypot(...o)
  const theta = 2 * Math.asin(distance / 2)
  return a.map((x, i) => Math.cos(theta) * x + Math.sin(theta) * (o[i]! / on))
}

describe('/api/face/verify caches: every change shows at the next verify', () => {
  let t: TestApp
  let a: OrgWorld
  const template = unit(1)
  // Between the lowest threshold an admin may set and the default one: matched by default, not at the lowest.
  const distance = (FACE_THRESHOLD_RANGE.min + DEFAULT_FACE_THRESHOLD) / 2
  const probe = at(template, unit(2), distance)
  const body = () => ({ organization_id: a.id, face_encoding: encodeDescriptor(probe) })

  async function enrol(memberId: number, descriptor: Float32Array, organizationId = a.id): Promise<void> {
    await t.db.insert(memberFaceData).values({ organizationId, organizationMemberId: memberId, model: FACE_MODEL.id, faceEncoding: Buffer.from(descriptorToBytes(descriptor)), faceVerified: true })
    t.deps.faceIndex.invalidate(organizationId)
  }
  const verify = async (agent: Agent, encoding = body()) => agent.post('/api/face/verify', encoding)
  /** A petugas signed in afresh on the fixture's enrolled tablet. */
  async function petugasOnTablet(): Promise<Agent> {
    const agent = t.agent()
    for (const [k, v] of a.tablet.cookies) agent.cookies.set(k, v)
    expect((await agent.post('/api/mobile/login', { login: `P-a`, pin: PIN })).status).toBe(200)
    return agent
  }

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    await enrol(a.memberId, template)
  })
  afterAll(() => t.close())

  it('uses a changed threshold at the next verify, on this instance and on another', async () => {
    const { backend, lastDatabaseUrl } = await import('../../../tools/test-support/harness')
    const first = await verify(a.petugas)
    expect(first.status).toBe(200)
    expect(first.body.data).toMatchObject({ verified: true, member_id: a.memberId, member_name: 'Member a' })
    expect(first.body.data.distance).toBeCloseTo(distance, 2)

    // On PostgreSQL a second instance on the same database, with its own warm cache (PGlite: one process, itself).
    const two = backend === 'postgres' && lastDatabaseUrl ? await createTestApp({}, { databaseUrl: lastDatabaseUrl, secret: t.deps.secret }) : t
    try {
      const petugasOnTwo = two.agent()
      for (const [k, v] of a.petugas.cookies) petugasOnTwo.cookies.set(k, v)
      expect((await verify(petugasOnTwo)).body.data.verified).toBe(true)

      const strict = await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: FACE_THRESHOLD_RANGE.min })
      expect(strict.status).toBe(200)
      const refused = await verify(a.petugas)
      expect(refused.body.data).toMatchObject({ verified: false, member_id: null, member_name: null })
      await expect.poll(async () => (await verify(petugasOnTwo)).body.data.verified, { timeout: CONDITION_WAIT_MS }).toBe(false)

      expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: DEFAULT_FACE_THRESHOLD })).status).toBe(200)
      expect((await verify(a.petugas)).body.data.verified).toBe(true)
      await expect.poll(async () => (await verify(petugasOnTwo)).body.data.verified, { timeout: CONDITION_WAIT_MS }).toBe(true)
    } finally {
      if (two !== t) await two.close()
      // The next tests start from the default threshold and a fresh index whatever happened here.
      await a.admin.patch(`/api/organizations/${a.id}/settings`, { face_threshold: DEFAULT_FACE_THRESHOLD })
      t.deps.faceIndex.invalidate(a.id)
    }
  })

  it('names a member renamed by an admin, or by themselves, at the next verify', async () => {
    expect((await verify(a.petugas)).body.data.member_name).toBe('Member a')
    const renamed = await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { name: 'Member a renamed' })
    expect(renamed.status).toBe(200)
    expect((await verify(a.petugas)).body.data).toMatchObject({ verified: true, member_id: a.memberId, member_name: 'Member a renamed' })
    const own = await a.member.patch('/api/mobile/me', { name: 'Member a, own name' })
    expect(own.status).toBe(200)
    expect((await verify(a.petugas)).body.data.member_name).toBe('Member a, own name')
  })

  it('names a member renamed by an Excel import at the next verify, applied at once or from a preview', async () => {
    const { csvOf, uploadFile } = await import('../imports/import.fixtures')
    const file = (name: string) => csvOf([['name', 'member_number'], [name, 'M-a']])
    expect((await verify(a.petugas)).body.data.verified).toBe(true)
    const now = await uploadFile(t, a.admin, a.id, file('Member a, imported'), 'nama.csv', { dry_run: 'false' })
    expect(now.status, JSON.stringify(now.body)).toBe(200)
    expect(now.body.data.result).toMatchObject({ updated: 1 })
    expect((await verify(a.petugas)).body.data).toMatchObject({ verified: true, member_id: a.memberId, member_name: 'Member a, imported' })
    const preview = await uploadFile(t, a.admin, a.id, file('Member a, from a preview'), 'nama.csv')
    expect(preview.status, JSON.stringify(preview.body)).toBe(200)
    expect((await verify(a.petugas)).body.data.member_name).toBe('Member a, imported')
    expect((await a.admin.post(`/api/organizations/${a.id}/members/import/${preview.body.data.job_id}/apply`)).status).toBe(200)
    expect((await verify(a.petugas)).body.data.member_name).toBe('Member a, from a preview')
  })

  it('names a member who renamed themselves anew in every organization they belong to, at the next verify', async () => {
    // The same person a member of a second organization, with their face there too.
    const b = await buildOrg(t, 'b')
    const [person] = await t.db.select({ userId: organizationMembers.userId }).from(organizationMembers).where(eq(organizationMembers.id, a.memberId))
    const [inB] = await t.db.insert(organizationMembers).values({ organizationId: b.id, userId: person!.userId, memberNumber: 'M-a-in-b' }).returning({ id: organizationMembers.id })
    await enrol(inB!.id, template, b.id)
    const inBBody = { organization_id: b.id, face_encoding: encodeDescriptor(probe) }
    const before = (await verify(a.petugas)).body.data.member_name
    expect((await verify(b.petugas, inBBody)).body.data).toMatchObject({ verified: true, member_id: inB!.id, member_name: before })

    expect((await a.member.patch('/api/mobile/me', { name: 'Member a, everywhere' })).status).toBe(200)
    expect((await verify(a.petugas)).body.data.member_name).toBe('Member a, everywhere')
    expect((await verify(b.petugas, inBBody)).body.data).toMatchObject({ verified: true, member_id: inB!.id, member_name: 'Member a, everywhere' })
  })

  it('names a member anew at the next verify on the instance that renamed them, without waiting for a notification', async () => {
    // An instance that hears no notification at all (as if the rename's were still on its way): the same deps with a
    // face index (and names) of its own, never subscribed.
    const { createApp } = await import('../../app')
    const deps = { ...t.deps, faceIndex: new FaceIndexCache() }
    const deaf: TestApp = { ...t, deps, app: createApp(deps), agent: () => new Agent(deaf) }
    const onDeaf = (agent: Agent) => {
      const copy = deaf.agent()
      for (const [k, v] of agent.cookies) copy.cookies.set(k, v)
      return copy
    }
    const petugas = onDeaf(a.petugas)
    const before = (await verify(petugas)).body.data.member_name
    expect(before).not.toBe('Member a, renamed here')
    expect((await verify(petugas)).body.data.member_name).toBe(before)
    expect((await onDeaf(a.admin).patch(`/api/organizations/${a.id}/members/${a.memberId}`, { name: 'Member a, renamed here' })).status).toBe(200)
    expect((await verify(petugas)).body.data.member_name).toBe('Member a, renamed here')
    expect((await onDeaf(a.member).patch('/api/mobile/me', { name: 'Member a, own name here' })).status).toBe(200)
    expect((await verify(petugas)).body.data.member_name).toBe('Member a, own name here')
  })

  it('names a renamed member on another instance too, once the rename\'s notification reaches it', async () => {
    const { backend, lastDatabaseUrl } = await import('../../../tools/test-support/harness')
    // On PostgreSQL a second instance on the same database, with its own warm cache (PGlite: one process, itself).
    const two = backend === 'postgres' && lastDatabaseUrl ? await createTestApp({}, { databaseUrl: lastDatabaseUrl, secret: t.deps.secret }) : t
    try {
      const petugasOnTwo = two.agent()
      for (const [k, v] of a.petugas.cookies) petugasOnTwo.cookies.set(k, v)
      const before = (await verify(petugasOnTwo)).body.data.member_name
      expect(before).not.toBe('Member a, renamed elsewhere')
      expect((await verify(petugasOnTwo)).body.data.member_name).toBe(before)
      expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { name: 'Member a, renamed elsewhere' })).status).toBe(200)
      await expect.poll(async () => (await verify(petugasOnTwo)).body.data.member_name, { timeout: CONDITION_WAIT_MS }).toBe('Member a, renamed elsewhere')
    } finally {
      if (two !== t) await two.close()
    }
  })

  it('stops recognising a member whose face is withdrawn, who is deactivated or who is removed', async () => {
    expect((await verify(a.petugas)).body.data.verified).toBe(true)
    expect((await a.admin.delete(`/api/organizations/${a.id}/members/${a.memberId}/face`)).status).toBe(200)
    expect((await verify(a.petugas)).body.data).toMatchObject({ verified: false, member_id: null, member_name: null })

    // Another member with a face of their own: recognised; deactivated, not; active again, recognised; then removed
    // (a member is deactivated before removal), not.
    const other = unit(3)
    const otherBody = { organization_id: a.id, face_encoding: encodeDescriptor(at(other, unit(4), 0.2)) }
    const created = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Second a', member_number: 'S-a' })
    expect(created.status).toBe(201)
    const id: number = created.body.data.id
    await enrol(id, other)
    const member = `/api/organizations/${a.id}/members/${id}`
    expect((await verify(a.petugas, otherBody)).body.data).toMatchObject({ verified: true, member_id: id, member_name: 'Second a' })
    expect((await a.admin.patch(member, { status: 'inactive' })).status).toBe(200)
    expect((await verify(a.petugas, otherBody)).body.data).toMatchObject({ verified: false, member_id: null, member_name: null })
    expect((await a.admin.patch(member, { status: 'active' })).status).toBe(200)
    expect((await verify(a.petugas, otherBody)).body.data).toMatchObject({ verified: true, member_id: id, member_name: 'Second a' })
    expect((await a.admin.patch(member, { status: 'inactive' })).status).toBe(200)
    expect((await a.admin.delete(member)).status).toBe(200)
    expect((await verify(a.petugas, otherBody)).body.data).toMatchObject({ verified: false, member_id: null, member_name: null })
  })

  it('refuses a signed-out session (on every instance), a petugas whose role is taken away and a revoked tablet at the next verify', async () => {
    await enrol(a.memberId, template)
    // Signed out: the cookie the tablet held is refused at once (kept here as a thief would keep it), here and on
    // another instance on the same database (PostgreSQL; PGlite is one process).
    const { backend, lastDatabaseUrl } = await import('../../../tools/test-support/harness')
    const two = backend === 'postgres' && lastDatabaseUrl ? await createTestApp({}, { databaseUrl: lastDatabaseUrl, secret: t.deps.secret }) : t
    try {
      const signedOut = await petugasOnTablet()
      expect((await verify(signedOut)).status).toBe(200)
      const stolen = t.agent()
      const stolenOnTwo = two.agent()
      for (const [k, v] of signedOut.cookies) {
        stolen.cookies.set(k, v)
        stolenOnTwo.cookies.set(k, v)
      }
      expect((await verify(stolenOnTwo)).status).toBe(200)
      expect((await signedOut.post('/api/mobile/logout')).status).toBe(200)
      expect((await verify(stolen)).status).toBe(401)
      expect((await verify(stolenOnTwo)).status).toBe(401)
    } finally {
      if (two !== t) await two.close()
    }

    // The petugas's role taken away: every session with it ends.
    const demoted = await petugasOnTablet()
    expect((await verify(demoted)).status).toBe(200)
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.petugasId}`, { role: 'member' })).status).toBe(200)
    expect((await verify(demoted)).status).toBe(401)
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.petugasId}`, { role: 'petugas' })).status).toBe(200)

    // The tablet revoked: its petugas's session and the tablet itself stop at once.
    const onRevoked = await petugasOnTablet()
    expect((await verify(onRevoked)).status).toBe(200)
    expect((await a.admin.delete(`/api/organizations/${a.id}/devices/${a.deviceId}`)).status).toBe(200)
    expect((await verify(onRevoked)).status).toBe(401)
    expect((await a.tablet.get('/api/devices/me')).status).toBe(401)
  })
})
