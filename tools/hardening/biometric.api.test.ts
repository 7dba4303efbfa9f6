import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FACE_MODEL } from '../../shared/face/model'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { and, eq, sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../test-support/harness'
import { createApp } from '../../server/app'
import { attendanceEvents, attendanceRecords, auditLog, memberFaceData } from '../../server/db/schema'
import { runMaintenance } from '../../server/features/attendance/maintenance'
import { uuidv7 } from '../../shared/attendance/uuidv7'
import { encodeDescriptor } from '../../shared/face/descriptor'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { settled } from '../test-support/evidence-flow'
import { apiRoutes, buildWorld, call, CALLERS, agentOf, colourJpeg, expectedOwn, fakeDescriptor, photoFiles, resolvePath, rowsOf, sha256, type World } from './world'

/**
 * Issue 6, item 6: face photos only through a signed-in, permission-checked, audited route (no URL to guess);
 * retention deletes old attendance photos; consent withdrawal and member deletion leave no descriptor or photo
 * behind, on disk or in the database. Issue 13: the same for the evidence frames of captures (the face crops the
 * server checks): served only by the audited frames route, deleted by retention, withdrawal and member deletion.
 */
describe('biometric data', () => {
  let t: TestApp
  let w: World
  beforeAll(async () => {
    t = await createTestApp()
    w = await buildWorld(t)
  })
  afterAll(() => t?.close())

  /** Every text column that can hold a storage key (…image_url, …photo…), found from the schema. */
  async function photoColumns(): Promise<{ table: string; column: string }[]> {
    const r = await t.db.execute(sql`select table_name as t, column_name as c from information_schema.columns
      where table_schema = 'public' and data_type = 'text' and (column_name like '%image%' or column_name like '%photo%')`)
    return rowsOf(r).map((x) => ({ table: String(x.t), column: String(x.c) }))
  }
  async function referencedKeys(): Promise<Set<string>> {
    const keys = new Set<string>()
    for (const { table, column } of await photoColumns()) {
      for (const row of rowsOf(await t.db.execute(sql.raw(`select "${column}" as k from "${table}" where "${column}" is not null`)))) keys.add(String(row.k))
    }
    // Evidence frames: their keys are in the events' evidence.
    for (const e of await t.db.select({ evidence: attendanceEvents.evidence }).from(attendanceEvents)) for (const f of e.evidence?.frames ?? []) keys.add(f.key)
    return keys
  }
  /** The routes that serve a face image (photos, evidence frames), and a path of each that names a real image of `org`. */
  const imageRoutes = () => apiRoutes(t.app).filter((r) => r.method === 'GET' && /photo|image|frames/.test(r.path))
  async function imagePath(routePath: string, org: World['a']): Promise<string> {
    const p = await resolvePath(w, routePath, org)
    if (!routePath.endsWith('/frames')) return p
    // A frame of the record's capture with evidence (the world's own check-in carries some).
    const recordId = Number(p.split('/').at(-2))
    const events = await t.db.select({ id: attendanceEvents.id, evidence: attendanceEvents.evidence }).from(attendanceEvents).where(eq(attendanceEvents.attendanceRecordId, recordId))
    const event = events.find((e) => (e.evidence?.frames.length ?? 0) > 0)
    expect(event, `record ${recordId} has no evidence frames`).toBeDefined()
    return `${p}?event=${event!.id}&frame=0`
  }
  const eventFrames = async (recordId: number) =>
    (await t.db.select({ evidence: attendanceEvents.evidence }).from(attendanceEvents).where(eq(attendanceEvents.attendanceRecordId, recordId))).flatMap((e) => e.evidence?.frames.map((f) => f.key) ?? [])
  /** Offline evidence as a device sends it; plain pictures (the checks of their faces are other tests'). */
  async function evidenceOf(shade: number) {
    const frames = await Promise.all([0, 1, 2].map((i) => colourJpeg(shade, shade + 10 * i, 40, 64)))
    return { mode: 'offline', steps: ['turn_left'], frames: frames.map((f, i) => ({ t: i * 700, image: f.toString('base64') })) }
  }
  /** Files on disk and keys in the database agree: no orphan photo, no dangling key. */
  async function expectStorageConsistent() {
    const onDisk = new Set((fs.readdirSync(t.photoDir, { recursive: true }) as string[]).filter((f) => /\.(jpe?g|png|webp)$/.test(f)).map((f) => f.split(path.sep).join('/')))
    const inDb = await referencedKeys()
    expect([...onDisk].filter((k) => !inDb.has(k)), 'photo files no row points to').toEqual([])
    expect([...inDb].filter((k) => !onDisk.has(k)), 'photo keys with no file').toEqual([])
  }

  it('serves photos only to signed-in callers with the permission, never under a guessable or public URL', async () => {
    const { a } = w
    const failures: string[] = []
    const routes = imageRoutes()
    expect(routes.length).toBeGreaterThanOrEqual(2)
    expect(routes.some((r) => r.path.endsWith('/frames'))).toBe(true)
    for (const route of routes) {
      expect(route.access.kind, `${route.path} must need a permission`).toBe('permission')
      const p = await imagePath(route.path, a)
      for (const caller of CALLERS) {
        const reply = await call(t, agentOf(w, a, caller), 'GET', p)
        const allowed = expectedOwn(route.access, caller) === 'allowed'
        if (!allowed && reply.headers.get('content-type')?.startsWith('image/')) failures.push(`${p} gave ${caller} an image`)
        if (!allowed && ![401, 403].includes(reply.status)) failures.push(`${p} as ${caller} -> ${reply.status}`)
      }
    }
    expect(failures).toEqual([])

    // No API answer carries a storage key or a photo URL that could be fetched without the route.
    for (const route of apiRoutes(t.app).filter((r) => r.method === 'GET' && r.access.kind !== 'public')) {
      for (const caller of ['admin', 'support', 'member', 'petugas'] as const) {
        if (expectedOwn(route.access, caller) !== 'allowed') continue
        const reply = await call(t, agentOf(w, a, caller), 'GET', await resolvePath(w, route.path, a))
        if (reply.headers.get('content-type')?.startsWith('image/')) continue
        if (/org-\d+\/(faces|attendance)\//.test(reply.text)) failures.push(`${route.path} as ${caller} shows a storage key: ${reply.text.slice(0, 200)}`)
      }
    }
    expect(failures).toEqual([])

    // Keys are random (UUIDv4 in the name): nothing to enumerate. And no static route serves the storage folder,
    // even with a built PWA mounted and path tricks.
    const files = photoFiles(t, a.id)
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) expect(path.basename(f)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jpg$/)
    const client = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-client-'))
    fs.writeFileSync(path.join(client, 'index.html'), '<!doctype html><title>Hadir</title>')
    const withClient = createApp(t.deps, client)
    const photoHashes = new Set(files.map((f) => sha256(fs.readFileSync(f))))
    const rel = path.relative(t.photoDir, files[0]!).split(path.sep).join('/')
    for (const probe of [`/${rel}`, `/photos/${rel}`, `/data/photos/${rel}`, `/../${path.basename(t.photoDir)}/${rel}`, `/%2e%2e/%2e%2e/${rel}`, `/assets/../../${rel}`, `/api/photos/${rel}`, `/api/storage/${rel}`]) {
      const res = await withClient.request(probe)
      const body = Buffer.from(await res.arrayBuffer())
      expect(photoHashes.has(sha256(body)), `${probe} served a photo`).toBe(false)
      expect(res.headers.get('content-type') ?? '', probe).not.toMatch(/^image\//)
    }
    fs.rmSync(client, { recursive: true, force: true })
  })

  it('writes an audit entry for every view of a face photo or evidence frame, with who and whose', async () => {
    const { a } = w
    for (const route of imageRoutes()) {
      const p = await imagePath(route.path, a)
      for (const caller of ['admin', 'support', 'manager'] as const) {
        if (expectedOwn(route.access, caller) !== 'allowed') continue
        const before = (await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))).length
        const reply = await call(t, agentOf(w, a, caller), 'GET', p)
        expect(reply.status, `${p} as ${caller}: ${reply.text.slice(0, 120)}`).toBe(200)
        expect(reply.headers.get('content-type')).toMatch(/^image\//)
        expect(reply.headers.get('cache-control')).toMatch(/no-store/)
        const after = await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))
        expect(after.length, `${p} as ${caller} was not audit-logged`).toBe(before + 1)
        const entry = after.sort((x, y) => x.id - y.id).at(-1)!
        expect(entry.action).toMatch(/photo|frame/)
        expect(entry.actorUserId).not.toBeNull()
        expect(entry.entityId).not.toBeNull()
      }
    }
  })

  it('deletes attendance photos and evidence frames older than the retention period, on disk and in the database', async () => {
    const { a } = w
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { photo_retention_days: 30 })).status).toBe(200)
    const now = new Date()
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000)
    const photo = (await colourJpeg(10, 200, 10)).toString('base64')
    // Two captures with evidence through the real sync path: one 40 days old, one from 3 days ago.
    const evidence = await evidenceOf(150)
    const sync = await a.member.post('/api/attendance/sync', {
      device_id: 'phone',
      sent_at: now.toISOString(),
      records: [daysAgo(40), daysAgo(3)].map((d) => ({ client_id: uuidv7(d.getTime()), member_id: a.memberId, kind: 'check_in', captured_at: d.toISOString(), face_image: photo, evidence })),
    })
    expect(sync.body.data.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied'])
    for (const r of sync.body.data.results) await settled(t, r.client_id)
    const [oldId, newId] = sync.body.data.results.map((r: { record_id: number }) => r.record_id)
    const keyOf = async (id: number) => (await t.db.select({ k: attendanceRecords.faceImageUrl }).from(attendanceRecords).where(eq(attendanceRecords.id, id)))[0]!.k
    const oldKey = (await keyOf(oldId))!
    const newKey = (await keyOf(newId))!
    const oldFrames = await eventFrames(oldId)
    const newFrames = await eventFrames(newId)
    expect(oldFrames).toHaveLength(3)
    for (const key of [oldKey, ...oldFrames]) expect(fs.existsSync(path.join(t.photoDir, key))).toBe(true)

    const result = await runMaintenance(t.deps, now)
    expect(result.purged).toBeGreaterThanOrEqual(1)
    expect(await keyOf(oldId)).toBeNull()
    expect(fs.existsSync(path.join(t.photoDir, oldKey))).toBe(false)
    expect(await keyOf(newId)).toBe(newKey)
    expect(fs.existsSync(path.join(t.photoDir, newKey))).toBe(true)
    for (const key of oldFrames) expect(fs.existsSync(path.join(t.photoDir, key)), key).toBe(false)
    expect(await eventFrames(oldId)).toEqual([])
    expect(await eventFrames(newId)).toEqual(newFrames)
    for (const key of newFrames) expect(fs.existsSync(path.join(t.photoDir, key))).toBe(true)
    // The registration photo is not an attendance photo: retention leaves it.
    expect((await t.db.select().from(memberFaceData).where(eq(memberFaceData.organizationMemberId, a.memberId))).some((r) => r.faceImageUrl)).toBe(true)
    await expectStorageConsistent()
  })

  async function memberWithFaceAndPhotos(name: string) {
    const { a } = w
    const created = await a.admin.post(`/api/organizations/${a.id}/members`, { name, member_number: `BIO-${name}`, role: 'member' })
    const memberId = created.body.data.id as number
    const descriptors = [1, 2, 3].map((i) => fakeDescriptor(memberId * 100 + i))
    await t.db.execute(sql`insert into consents (organization_id, organization_member_id, version) values (${a.id}, ${memberId}, ${CONSENT_VERSION})`)
    const key = `org-${a.id}/faces/${memberId}/${crypto.randomUUID()}.jpg`
    await t.deps.storage.put(key, await colourJpeg(5, 5, 5))
    await t.db.insert(memberFaceData).values(descriptors.map((d, i) => ({ organizationId: a.id, organizationMemberId: memberId, model: FACE_MODEL.id, faceEncoding: Buffer.from(d.buffer), faceImageUrl: i === 0 ? key : null, faceVerified: true })))
    t.deps.faceIndex.invalidate(a.id)
    // Attendance photos and evidence frames recorded for them by the petugas, on two days (the descriptor the kiosk
    // sends along is a claim: it must not be kept either).
    const photo = (await colourJpeg(90, 90, 90)).toString('base64')
    const evidence = await evidenceOf(60)
    const days = [2, 1].map((n) => new Date(Date.now() - n * 86_400_000))
    const sync = await a.petugas.post('/api/attendance/sync', {
      device_id: 'tablet',
      sent_at: new Date().toISOString(),
      records: days.map((d) => ({ client_id: uuidv7(d.getTime()), member_id: memberId, kind: 'check_in', captured_at: d.toISOString(), face_image: photo, face_encoding: encodeDescriptor(descriptors[0]!), evidence })),
    })
    expect(sync.body.data.results.every((r: { status: string }) => r.status === 'applied'), JSON.stringify(sync.body)).toBe(true)
    for (const r of sync.body.data.results) await settled(t, r.client_id)
    const files = () => [...photoFiles(t, a.id)].filter((f) => f.includes(`/faces/${memberId}/`) || f.includes(`/attendance/${memberId}/`))
    expect(files().length).toBe(1 + 2 + 2 * 3) // reference photo, two attendance photos, two captures' frames
    // Recognised by the kiosk before.
    const verify = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: encodeDescriptor(descriptors[1]!) })
    expect(verify.body.data.member_id).toBe(memberId)
    return { memberId, descriptors, files }
  }

  async function expectNoFaceLeft(memberId: number, descriptors: Float32Array[], files: () => string[]) {
    const { a } = w
    expect(files()).toEqual([])
    expect(await t.db.select().from(memberFaceData).where(and(eq(memberFaceData.organizationId, a.id), eq(memberFaceData.organizationMemberId, memberId)))).toEqual([])
    const withPhoto = await t.db.select({ id: attendanceRecords.id }).from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, memberId), sql`${attendanceRecords.faceImageUrl} is not null`))
    expect(withPhoto).toEqual([])
    // No evidence frame is named by any of their captures (kept ones say the frames were deleted).
    const events = await t.db.select({ evidence: attendanceEvents.evidence }).from(attendanceEvents).where(and(eq(attendanceEvents.organizationId, a.id), eq(attendanceEvents.organizationMemberId, memberId)))
    expect(events.flatMap((e) => e.evidence?.frames ?? [])).toEqual([])
    // No copy of the descriptor's bytes anywhere in the database (history, audit details, events...).
    const hex = Buffer.from(descriptors[0]!.buffer).toString('hex').slice(0, 64)
    const b64 = encodeDescriptor(descriptors[0]!).slice(0, 40)
    for (const table of ['member_face_data', 'attendance_records', 'attendance_events', 'attendance_record_history', 'audit_log']) {
      const r = await t.db.execute(sql.raw(`select count(*)::int as n from "${table}" x where to_jsonb(x)::text like '%${b64}%' or to_jsonb(x)::text like '%${hex}%'`))
      expect(Number(rowsOf(r)[0]!.n), `${table} keeps the descriptor`).toBe(0)
    }
    // The kiosk no longer recognises the face, and its offline gallery no longer has it.
    const verify = await a.petugas.post('/api/face/verify', { organization_id: a.id, face_encoding: encodeDescriptor(descriptors[1]!) })
    expect(verify.body.data.member_id).not.toBe(memberId)
    const gallery = await a.petugas.get('/api/face/gallery')
    expect(gallery.body.data.members.map((m: { id: number }) => m.id)).not.toContain(memberId)
    await expectStorageConsistent()
  }

  it('leaves no descriptor, photo or evidence frame behind when consent is withdrawn (by the member or by an admin)', async () => {
    const { a } = w
    const first = await memberWithFaceAndPhotos('Withdraw by admin')
    const res = await a.admin.delete(`/api/organizations/${a.id}/members/${first.memberId}/face`)
    expect(res.status).toBe(200)
    expect(res.body.data).toMatchObject({ deleted_descriptors: 3, deleted_photos: 3 + 6 })
    await expectNoFaceLeft(first.memberId, first.descriptors, first.files)

    // The member's own withdrawal, from the phone: the world's capture of theirs carried evidence.
    expect(photoFiles(t, a.id).filter((f) => f.includes(`/attendance/${a.memberId}/`)).length).toBeGreaterThan(0)
    const own = await a.member.delete(`/api/members/${a.memberId}/face`)
    expect(own.status).toBe(200)
    expect(own.body.data.deleted_descriptors).toBe(3)
    expect(photoFiles(t, a.id).filter((f) => f.includes(`/${a.memberId}/`))).toEqual([])
    const frames = await t.db.select({ evidence: attendanceEvents.evidence }).from(attendanceEvents).where(eq(attendanceEvents.organizationMemberId, a.memberId))
    expect(frames.flatMap((e) => e.evidence?.frames ?? [])).toEqual([])
    await expectStorageConsistent()
  })

  it('leaves no descriptor, photo or evidence frame behind when a member is deleted', async () => {
    const { a } = w
    const gone = await memberWithFaceAndPhotos('Deleted member')
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${gone.memberId}`, { status: 'inactive' })).status).toBe(200)
    const res = await a.admin.delete(`/api/organizations/${a.id}/members/${gone.memberId}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    await expectNoFaceLeft(gone.memberId, gone.descriptors, gone.files)
  })
})
