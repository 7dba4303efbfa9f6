import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '../../../shared/face/match'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'

describe('locations, schedules and the capture context', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  it('admins define locations with a fence; bad coordinates are refused; other organizations cannot touch them', async () => {
    const created = await a.admin.post(`/api/organizations/${a.id}/locations`, { name: 'Gerbang Utama', latitude: -6.2, longitude: 106.8, radius_meters: 150 })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ name: 'Gerbang Utama', radius_meters: 150 })
    expect((await a.admin.post(`/api/organizations/${a.id}/locations`, { name: 'X', latitude: 95, longitude: 0 })).status).toBe(422)
    expect((await a.admin.post(`/api/organizations/${a.id}/locations`, { name: 'X', latitude: 1 })).status).toBe(422)
    expect((await a.support.post(`/api/organizations/${a.id}/locations`, { name: 'X' })).status).toBe(403)
    const id = created.body.data.id
    expect((await a.admin.patch(`/api/organizations/${a.id}/locations/${id}`, { radius_meters: 80 })).body.data.radius_meters).toBe(80)
    expect((await b.admin.patch(`/api/organizations/${b.id}/locations/${id}`, { radius_meters: 5000 })).status).toBe(404)
    expect((await b.admin.get(`/api/organizations/${b.id}/locations`)).body.data.locations).toEqual([])

    const ctx = await a.petugas.get('/api/attendance/context')
    expect(ctx.body.data.organization).toMatchObject({ id: a.id, timezone: 'Asia/Jakarta', work_start_time: '08:00' })
    expect(ctx.body.data.locations).toEqual([expect.objectContaining({ id, radius_meters: 80 })])
    expect(ctx.body.data.face).toEqual({ threshold: DEFAULT_FACE_THRESHOLD, margin: DEFAULT_FACE_MARGIN, kiosk_gallery: 'organization' })
    expect((await a.member.get('/api/attendance/context')).status).toBe(200)
  })

  it('a department schedule decides lateness for its members', async () => {
    const schedule = await a.admin.post(`/api/organizations/${a.id}/schedules`, { name: 'Pagi', start_time: '07:00', end_time: '13:00', late_tolerance_minutes: 5 })
    expect(schedule.status).toBe(201)
    const dept = await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Kelas Pagi' })
    expect((await a.admin.patch(`/api/organizations/${a.id}/departments/${dept.body.data.id}`, { work_schedule_id: schedule.body.data.id })).status).toBe(200)
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { department_id: dept.body.data.id })
    // 07:30 is on time for the organization (08:00) but late for this department (07:00 + 5).
    const res = await a.member.post('/api/attendance/sync', {
      device_id: 'p',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: a.memberId, kind: 'check_in', captured_at: new Date('2026-11-16T07:30:00+07:00').toISOString() }],
    })
    expect(res.body.data.results[0]).toMatchObject({ attendance_status: 'late' })
    const ctx = await a.member.get('/api/attendance/context')
    expect(ctx.body.data.schedule).toMatchObject({ start_time: '07:00', end_time: '13:00', late_tolerance_minutes: 5 })
    const foreign = await b.admin.post(`/api/organizations/${b.id}/schedules`, { name: 'B', start_time: '09:00', end_time: '17:00' })
    expect((await a.admin.patch(`/api/organizations/${a.id}/departments/${dept.body.data.id}`, { work_schedule_id: foreign.body.data.id })).status).toBe(422)
  })

  it('lets a petugas search active members by name or number, without contact details', async () => {
    const res = await a.petugas.get('/api/attendance/members?q=M-a')
    expect(res.body.data.members).toEqual([{ id: a.memberId, name: 'Member a', member_number: 'M-a', department: 'Kelas Pagi', department_id: expect.any(Number), face_registered: false }])
    expect((await a.member.get('/api/attendance/members?q=M')).status).toBe(403)
  })

  it('finds a member from their phone\'s signed QR code, refusing forged, expired and foreign ones', async () => {
    const qr = await a.member.get('/api/attendance/qr')
    expect(qr.body.data.token).toMatch(/^HQ1\./)
    const found = await a.petugas.post('/api/attendance/qr/resolve', { token: qr.body.data.token })
    expect(found.body.data.member).toMatchObject({ id: a.memberId, name: 'Member a' })
    const forged = qr.body.data.token.replace(`.${a.memberId}.`, `.${a.petugasId}.`)
    expect((await a.petugas.post('/api/attendance/qr/resolve', { token: forged })).body.error.code).toBe('QR_INVALID')
    expect((await b.petugas.post('/api/attendance/qr/resolve', { token: qr.body.data.token })).status).toBe(404)
    const { makeQrToken } = await import('./qr')
    const old = makeQrToken(t.deps.secret, a.id, a.memberId, Date.now() - 3600_000)
    expect((await a.petugas.post('/api/attendance/qr/resolve', { token: old.token })).body.error.code).toBe('QR_EXPIRED')
  })

  it('tells a kiosk whether a member already checked in today, and from where (their phone), without recording anything', async () => {
    const c = await buildOrg(t, 'c')
    const none = await c.petugas.get(`/api/attendance/members/${c.memberId}/today`)
    expect(none.status).toBe(200)
    expect(none.body.data).toMatchObject({ check_in: null, check_out: null })
    const res = await c.member.post('/api/attendance/sync', {
      device_id: 'p',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: c.memberId, kind: 'check_in', captured_at: new Date().toISOString() }],
    })
    expect(res.body.data.results[0].status).toBe('applied')
    const today = await c.petugas.get(`/api/attendance/members/${c.memberId}/today`)
    expect(today.body.data.check_in).toEqual({ time: expect.stringMatching(/^\d{2}:\d{2}/), origin: 'phone' })
    expect(today.body.data.check_out).toBeNull()
    // Only for a kiosk of the member's own organization; a member cannot ask; a bad id is a 4xx.
    expect((await b.petugas.get(`/api/attendance/members/${c.memberId}/today`)).status).toBe(404)
    expect((await c.member.get(`/api/attendance/members/${c.memberId}/today`)).status).toBe(403)
    expect((await c.petugas.get('/api/attendance/members/abc/today')).status).toBe(422)
  })

  it('lets a member edit their own name and phone', async () => {
    const res = await a.member.patch('/api/mobile/me', { phone: '0812 3456 7890' })
    expect(res.status).toBe(200)
    expect((await a.admin.get(`/api/organizations/${a.id}/members/${a.memberId}`)).body.data.phone).toBe('0812 3456 7890')
    expect((await a.member.patch('/api/mobile/me', { member_number: 'X' })).status).toBe(422)
  })
})
