import fs from 'node:fs'
import { FACE_MODEL } from '../../../shared/face/model'
import path from 'node:path'
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, PIN, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceEvents, attendanceRecords, auditLog, consents, memberFaceData, organizationMembers, users } from '../../db/schema'
import { photoKey } from '../../storage/storage'
import { hashSecret } from '../../auth/crypto'

describe('member administration: filters, detail, deactivation, deletion, organization structure', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  const members = (org: OrgWorld) => `/api/organizations/${org.id}/members`

  /** Face data as registration leaves it: descriptors, a consent, a reference photo file; plus an attendance photo. */
  async function giveFaceAndPhotos(org: OrgWorld, memberId: number) {
    const reference = photoKey(org.id, 'faces', memberId)
    const attendance = photoKey(org.id, 'attendance', memberId)
    await t.deps.storage.put(reference, new Uint8Array([0xFF, 0xD8, 0xFF, 1, 2, 3]))
    await t.deps.storage.put(attendance, new Uint8Array([0xFF, 0xD8, 0xFF, 4, 5, 6]))
    await t.db.insert(consents).values({ organizationId: org.id, organizationMemberId: memberId, version: '1' })
    await t.db.insert(memberFaceData).values([0, 1, 2].map((i) => ({ organizationId: org.id, organizationMemberId: memberId, model: FACE_MODEL.id, faceEncoding: crypto.randomBytes(512), faceImageUrl: i === 0 ? reference : null, faceVerified: true })))
    await t.db.insert(attendanceRecords).values({ organizationId: org.id, organizationMemberId: memberId, attendanceDate: '2026-11-16', checkInTime: '07:55', status: 'present', source: 'mobile', faceImageUrl: attendance })
    return { files: [reference, attendance].map((key) => path.join(t.photoDir, key)) }
  }

  it('filters the list by department, status, role and face registration', async () => {
    const dept = (await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang' })).body.data.id
    const m1 = (await a.admin.post(members(a), { name: 'Wati', member_number: 'W-1', department_id: dept })).body.data.id
    await a.admin.post(members(a), { name: 'Yanto', member_number: 'Y-1', role: 'petugas' })
    await giveFaceAndPhotos(a, m1)
    const names = async (query: string) =>
      (await a.support.get(`${members(a)}?${query}`)).body.data.members.map((m: { name: string }) => m.name).sort()
    expect(await names(`department_id=${dept}`)).toEqual(['Wati'])
    expect(await names('role=petugas')).toEqual(['Petugas a', 'Yanto'])
    expect(await names('face=registered')).toEqual(['Wati'])
    expect(await names('face=missing')).toEqual(['Member a', 'Petugas a', 'Yanto'])
    expect((await a.support.get(`${members(a)}?role=admin`)).status).toBe(422)
    await a.admin.patch(`${members(a)}/${m1}`, { status: 'inactive' })
    expect(await names('status=inactive')).toEqual(['Wati'])
    expect(await names('status=active&face=registered')).toEqual([])
  })

  it('shows one member with face state, pending invitation and recent attendance', async () => {
    const wati = (await a.admin.get(`${members(a)}?q=W-1`)).body.data.members[0]
    const detail = await a.manager.get(`${members(a)}/${wati.id}`)
    expect(detail.body.data).toMatchObject({ name: 'Wati', face_registered: true, face: { descriptors: 3, verified: true, consent: { version: '1' } }, invitation: null })
    await a.admin.patch(`${members(a)}/${wati.id}`, { status: 'active' })
    await a.admin.post(`${members(a)}/${wati.id}/invitations`)
    expect((await a.admin.get(`${members(a)}/${wati.id}`)).body.data.invitation).toMatchObject({ expires_at: expect.any(String) })
    const attendance = await a.support.get(`${members(a)}/${wati.id}/attendance`)
    expect(attendance.body.data.records).toEqual([expect.objectContaining({ attendance_date: '2026-11-16', check_in_time: '07:55', status: 'present' })])
    expect((await b.admin.get(`/api/organizations/${b.id}/members/${wati.id}/attendance`)).status).toBe(404)
    expect((await a.member.get(`${members(a)}/${wati.id}/attendance`)).status).toBe(403)
  })

  it('deactivation ends the member\'s sessions for good; an admin can change the role', async () => {
    const phone = t.agent()
    expect((await phone.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).status).toBe(200)
    await a.admin.patch(`${members(a)}/${a.memberId}`, { status: 'inactive' })
    await a.admin.patch(`${members(a)}/${a.memberId}`, { status: 'active' })
    // Reactivated, but the old session stays ended: they sign in again.
    expect((await phone.get('/api/mobile/me')).status).toBe(401)
    expect((await phone.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).status).toBe(200)
    const res = await a.admin.patch(`${members(a)}/${a.memberId}`, { role: 'petugas' })
    expect(res.body.data.roles).toEqual(['petugas'])
    expect((await phone.get('/api/mobile/me')).status).toBe(401)
    expect((await a.admin.patch(`${members(a)}/${a.memberId}`, { role: 'admin' })).status).toBe(422)
    await a.admin.patch(`${members(a)}/${a.memberId}`, { role: 'member' })
  })

  it('deletes a member with their descriptors and every photo file, audit-logged; only when deactivated', async () => {
    const created = await a.admin.post(members(a), { name: 'Zaki Hapus', member_number: 'Z-1', email: 'zaki@example.com' })
    const id = created.body.data.id
    const { files } = await giveFaceAndPhotos(a, id)
    for (const f of files) expect(fs.existsSync(f)).toBe(true)

    expect((await a.support.delete(`${members(a)}/${id}`)).status).toBe(403)
    expect((await b.admin.delete(`/api/organizations/${b.id}/members/${id}`)).status).toBe(404)
    const active = await a.admin.delete(`${members(a)}/${id}`)
    expect(active.status).toBe(409)
    expect(active.body.error.code).toBe('MEMBER_ACTIVE')
    expect(await t.db.select().from(memberFaceData).where(eq(memberFaceData.organizationMemberId, id))).toHaveLength(3)

    await a.admin.patch(`${members(a)}/${id}`, { status: 'inactive' })
    const res = await a.admin.delete(`${members(a)}/${id}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    // Whether the person's account went too is not said: it would tell whether they belong elsewhere.
    expect(res.body.data).toEqual({ deleted_descriptors: 3, deleted_photos: 2, deleted_attendance_records: 1 })
    expect(await t.db.select().from(memberFaceData).where(eq(memberFaceData.organizationMemberId, id))).toEqual([])
    expect(await t.db.select().from(organizationMembers).where(eq(organizationMembers.id, id))).toEqual([])
    expect(await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.organizationMemberId, id))).toEqual([])
    expect(await t.db.select().from(users).where(eq(users.email, 'zaki@example.com'))).toEqual([])
    for (const f of files) expect(fs.existsSync(f), f).toBe(false)
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'member.delete'), eq(auditLog.entityId, String(id))))
    expect(entry!.details).toMatchObject({ name: 'Zaki Hapus', member_number: 'Z-1', deleted_descriptors: 3, deleted_photos: 2 })
    expect((await a.admin.get(`${members(a)}/${id}`)).status).toBe(404)
    expect((await a.admin.delete(`${members(a)}/${id}`)).status).toBe(404)
  })

  it('deletes the evidence frames of the member\'s captures with them', async () => {
    const id = (await a.admin.post(members(a), { name: 'Evi Bukti', member_number: 'E-1' })).body.data.id
    const { files } = await giveFaceAndPhotos(a, id)
    // A capture with evidence as the sync stores it: the key frames in storage, their keys on the event.
    const keys = [0, 1, 2].map(() => photoKey(a.id, 'attendance', id))
    for (const key of keys) await t.deps.storage.put(key, new Uint8Array([0xFF, 0xD8, 0xFF, 7]))
    const clientId = crypto.randomUUID()
    await t.db.insert(attendanceEvents).values({
      organizationId: a.id,
      clientId,
      organizationMemberId: id,
      kind: 'check_in',
      payloadHash: clientId,
      deviceCapturedAt: new Date(),
      capturedAt: new Date(),
      evidence: { challenge_id: null, steps: ['turn_left'], mode: 'offline', frames: keys.map((key, i) => ({ t: i * 500, key })) },
    })
    await a.admin.patch(`${members(a)}/${id}`, { status: 'inactive' })
    const res = await a.admin.delete(`${members(a)}/${id}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data).toMatchObject({ deleted_descriptors: 3, deleted_photos: 2 + keys.length })
    for (const f of [...files, ...keys.map((key) => path.join(t.photoDir, key))]) expect(fs.existsSync(f), f).toBe(false)
    expect(await t.db.select().from(attendanceEvents).where(eq(attendanceEvents.clientId, clientId))).toEqual([])
  })

  it('keeps the person when they belong to another organization, and refuses to delete dashboard staff', async () => {
    const inA = (await a.admin.post(members(a), { name: 'Dua Tempat', email: 'dua@example.com' })).body.data.id
    // B invites the same account; the person accepts in the app, signed in to A with their PIN.
    const invited = await b.admin.post(members(b), { name: 'Dua Tempat', email: 'dua@example.com' })
    expect(invited.status).toBe(202)
    await t.db.update(organizationMembers).set({ pinHash: await hashSecret(PIN) }).where(eq(organizationMembers.id, inA))
    const phone = t.agent()
    expect((await phone.post('/api/mobile/login', { organization_id: a.id, login: 'dua@example.com', pin: PIN })).status).toBe(200)
    const accepted = await phone.post(`/api/mobile/membership-invitations/${invited.body.data.invitation.id}/accept`, { pin: '583920' })
    expect(accepted.status).toBe(200)
    const [inB] = await t.db.select({ id: organizationMembers.id }).from(organizationMembers).innerJoin(users, eq(users.id, organizationMembers.userId)).where(and(eq(users.email, 'dua@example.com'), eq(organizationMembers.organizationId, b.id)))
    await a.admin.patch(`${members(a)}/${inA}`, { status: 'inactive' })
    const deleted = await a.admin.delete(`${members(a)}/${inA}`)
    expect(deleted.status).toBe(200)
    expect(deleted.body.data).not.toHaveProperty('account_deleted')
    expect((await b.admin.get(`/api/organizations/${b.id}/members/${inB!.id}`)).body.data.name).toBe('Dua Tempat')

    // The support person holds a dashboard role here: not deleted through the member routes.
    const [support] = await t.db
      .select({ id: organizationMembers.id })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(users.email, a.emails.support), eq(organizationMembers.organizationId, a.id)))
    await t.db.update(organizationMembers).set({ status: 'inactive' }).where(eq(organizationMembers.id, support!.id))
    const res = await a.admin.delete(`${members(a)}/${support!.id}`)
    expect(res.status).toBe(409)
    expect(res.body.error.code).toBe('MEMBER_IS_STAFF')
    await t.db.update(organizationMembers).set({ status: 'active' }).where(eq(organizationMembers.id, support!.id))
  })

  it('edits and deletes departments and positions; one in use is refused with 409 IN_USE', async () => {
    const orgA = `/api/organizations/${a.id}`
    const schedule = (await a.admin.post(`${orgA}/schedules`, { name: 'Siang', start_time: '12:00', end_time: '18:00' })).body.data.id
    const dept = await a.admin.post(`${orgA}/departments`, { name: 'Kelas Siang', code: 'KS', work_schedule_id: schedule })
    expect(dept.body.data).toMatchObject({ name: 'Kelas Siang', code: 'KS', work_schedule_id: schedule })
    const deptId = dept.body.data.id
    const renamed = await a.admin.patch(`${orgA}/departments/${deptId}`, { name: 'Kelas Sore', code: '' })
    expect(renamed.body.data).toMatchObject({ name: 'Kelas Sore', code: null })
    const dup = await a.admin.patch(`${orgA}/departments/${deptId}`, { name: 'gudang' })
    expect(dup.status).toBe(409)
    expect(dup.body.error.code).toBe('DUPLICATE_NAME')

    const member = (await a.admin.post(members(a), { name: 'Sore', member_number: 'SO-1', department_id: deptId })).body.data.id
    const listed = (await a.support.get(`${orgA}/departments`)).body.data.departments.find((d: { id: number }) => d.id === deptId)
    expect(listed.members).toBe(1)
    const inUse = await a.admin.delete(`${orgA}/departments/${deptId}`)
    expect(inUse.status).toBe(409)
    expect(inUse.body.error).toMatchObject({ code: 'IN_USE', details: { members: 1 } })
    const scheduleInUse = await a.admin.delete(`${orgA}/schedules/${schedule}`)
    expect(scheduleInUse.body.error).toMatchObject({ code: 'IN_USE', details: { departments: 1 } })

    await a.admin.patch(`${members(a)}/${member}`, { department_id: null })
    expect((await a.support.delete(`${orgA}/departments/${deptId}`)).status).toBe(403)
    expect((await b.admin.delete(`/api/organizations/${b.id}/departments/${deptId}`)).status).toBe(404)
    expect((await a.admin.delete(`${orgA}/departments/${deptId}`)).status).toBe(200)
    expect((await a.admin.delete(`${orgA}/schedules/${schedule}`)).status).toBe(200)

    const pos = (await a.admin.post(`${orgA}/positions`, { name: 'Guru' })).body.data.id
    await a.admin.post(`${orgA}/positions`, { name: 'Staf' })
    expect((await a.admin.patch(`${orgA}/positions/${pos}`, { name: 'Guru Kelas' })).body.data.name).toBe('Guru Kelas')
    expect((await a.admin.patch(`${orgA}/positions/${pos}`, { name: 'STAF' })).body.error.code).toBe('DUPLICATE_NAME')
    expect((await b.admin.patch(`/api/organizations/${b.id}/positions/${pos}`, { name: 'X' })).status).toBe(404)
    await a.admin.patch(`${members(a)}/${member}`, { position_id: pos })
    expect((await a.admin.delete(`${orgA}/positions/${pos}`)).body.error.code).toBe('IN_USE')
    await a.admin.patch(`${members(a)}/${member}`, { position_id: null })
    expect((await a.admin.delete(`${orgA}/positions/${pos}`)).status).toBe(200)
  })

  it('edits schedules and deletes locations (past attendance keeps its coordinates)', async () => {
    const orgA = `/api/organizations/${a.id}`
    const s = (await a.admin.post(`${orgA}/schedules`, { name: 'Pagi', start_time: '07:00', end_time: '13:00' })).body.data.id
    const edited = await a.admin.patch(`${orgA}/schedules/${s}`, { work_days: [6, 1, 1, 2], end_time: '12:30', late_tolerance_minutes: 0 })
    expect(edited.body.data).toMatchObject({ work_days: [1, 2, 6], start_time: '07:00', end_time: '12:30', late_tolerance_minutes: 0 })
    expect((await a.admin.patch(`${orgA}/schedules/${s}`, { start_time: '25:00' })).status).toBe(422)
    expect((await b.admin.patch(`/api/organizations/${b.id}/schedules/${s}`, { name: 'X' })).status).toBe(404)
    expect((await a.manager.patch(`${orgA}/schedules/${s}`, { name: 'X' })).status).toBe(403)

    const loc = (await a.admin.post(`${orgA}/locations`, { name: 'Gerbang', latitude: -6.2, longitude: 106.8 })).body.data.id
    const [record] = await t.db
      .insert(attendanceRecords)
      .values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-17', status: 'present', source: 'mobile', locationId: loc, latitude: -6.2, longitude: 106.8 })
      .returning()
    expect((await b.admin.delete(`/api/organizations/${b.id}/locations/${loc}`)).status).toBe(404)
    expect((await a.admin.delete(`${orgA}/locations/${loc}`)).status).toBe(200)
    const [after] = await t.db.select().from(attendanceRecords).where(eq(attendanceRecords.id, record!.id))
    expect(after).toMatchObject({ locationId: null, latitude: -6.2, longitude: 106.8 })
    expect((await a.admin.get(`${orgA}/locations`)).body.data.locations).toEqual([])
  })
})
