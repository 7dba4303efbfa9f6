// The PWA's own API functions (src/api, hc<AppType>) run against the real app, signed in as each surface: every
// path, parameter and query they build reaches a route, and what they answer is the route's data. A route renamed or
// a parameter changed on the server fails typecheck; this catches what types cannot (a query the schema refuses, a
// permission, an envelope).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { call } from '../../src/api/client'
import * as dashboard from '../../src/api/dashboard'
import * as admin from '../../src/api/members-admin'
import * as attendanceAdmin from '../../src/api/attendance-admin'
import * as attendance from '../../src/api/attendance'
import * as settings from '../../src/api/settings-admin'
import * as leave from '../../src/api/leave'
import * as reports from '../../src/api/reports'
import * as invitations from '../../src/api/invitations'
import * as face from '../../src/api/face'
import * as session from '../../src/api/session'
import { createTestApp, type Agent, type TestApp } from './harness'
import { buildOrg, type OrgWorld } from './fixtures'

let t: TestApp
let world: OrgWorld
let id: string

/** The browser's fetch, as this agent (its cookies). */
function signedInAs(agent: Agent): void {
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => agent.fetch(input, init))
}

beforeAll(async () => {
  t = await createTestApp()
  world = await buildOrg(t, 'typed')
  id = String(world.id)
})
afterAll(async () => {
  vi.unstubAllGlobals()
  await t?.close()
})

describe('the dashboard’s calls', () => {
  it('reads the session, the organization and its lists', async () => {
    signedInAs(world.admin)
    const me = await session.getMe()
    expect(me.active?.organization.id).toBe(world.id)
    expect(me.active?.permissions).toContain('settings:manage')
    expect((await dashboard.getOrganization(id)).id).toBe(world.id)
    const page = await admin.listMemberPage(id, { q: '', status: 'active', department_id: '', role: '', face: '', limit: 10, offset: 0 })
    expect(page.members.map((m) => m.id)).toEqual(expect.arrayContaining([world.memberId, world.petugasId]))
    const detail = await admin.getMemberDetail(id, world.memberId)
    expect(detail.face.descriptors).toBe(0)
    expect(await admin.memberAttendance(id, world.memberId, 5)).toEqual([])
    expect((await dashboard.listStaff(id)).map((s) => s.email)).toContain(world.emails.support)
    expect((await dashboard.listDevices(id)).map((d) => d.id)).toContain(world.deviceId)
    expect(await invitations.listOrganizationInvitations(id, 'staff')).toEqual([])
  })

  it('writes the structure and reads it back', async () => {
    signedInAs(world.admin)
    const department = await admin.createDepartmentRow(id, { name: 'Kelas 7A', code: '7A' })
    const position = await admin.createPositionRow(id, 'Guru')
    const schedule = await admin.createSchedule(id, { name: 'Pagi', work_days: [1, 2, 3, 4, 5], start_time: '07:00', end_time: '13:00', late_tolerance_minutes: 10 })
    const place = await admin.createPlace(id, { name: 'Gerbang', latitude: -6.2, longitude: 106.8, radius_meters: 150 })
    await admin.updateDepartmentRow(id, department.id, { work_schedule_id: schedule.id })
    expect((await admin.listDepartmentRows(id)).find((d) => d.id === department.id)).toMatchObject({ name: 'Kelas 7A', work_schedule_id: schedule.id })
    expect((await admin.listPositionRows(id)).map((p) => p.id)).toContain(position.id)
    expect((await admin.listSchedules(id)).map((s) => s.id)).toContain(schedule.id)
    expect((await admin.listPlaces(id)).map((p) => p.id)).toContain(place.id)
    const filtered = await admin.listMemberPage(id, { department_id: department.id, limit: 10, offset: 0 })
    expect(filtered.total).toBe(0)
  })

  it('reads attendance, reports, leave, roles, sync logs, the audit log and face settings', async () => {
    signedInAs(world.admin)
    const page = await attendanceAdmin.listAttendance(id, { sort: 'date', order: 'desc' }, { limit: 5 })
    expect(page.records).toEqual([])
    // The fixture's member joined long ago (their first day), so today expects them whatever the time of day.
    await admin.updateMember(id, world.memberId, { start_date: '2026-01-05' })
    const today = await attendanceAdmin.getToday(id)
    expect(today.totals.members).toBeGreaterThan(0)
    expect((await attendanceAdmin.getTrend(id, 7)).days).toHaveLength(7)
    expect((await attendanceAdmin.getAttendanceOptions(id)).timezone).toBe('Asia/Jakarta')
    const daily = await reports.getDailyReport(id, { date: today.date, department_id: null, status: null })
    expect(daily.date).toBe(today.date)
    expect((await reports.getMonthlyReport(id, { month: today.date.slice(0, 7) })).month).toBe(today.date.slice(0, 7))
    expect((await leave.listLeave(id, { status: 'pending' })).leave_requests).toEqual([])
    const roles = await settings.listRoles(id)
    expect(roles.roles.map((r) => r.key)).toContain('admin')
    expect((await settings.listSyncLogs(id, { device_id: world.deviceId })).logs).toEqual([])
    const audit = await settings.listAuditLog(id, { limit: 5 })
    expect(audit.entries.length).toBeGreaterThan(0)
    expect((await settings.listAuditActors(id)).length).toBeGreaterThan(0)
    expect((await face.getConfusableMembers(id)).pairs).toEqual([])
    const updated = await face.updateFaceSettings(id, { face_threshold: 0.8 })
    expect(face.faceSettingsOf(updated).face_threshold).toBe(0.8)
  })

  it('a refusal comes back as the server’s error code, and changes nothing', async () => {
    signedInAs(world.manager)
    await expect(admin.createPositionRow(id, 'Kepala sekolah')).rejects.toMatchObject({ status: 403 })
    signedInAs(world.admin)
    await expect(admin.createSchedule(id, { name: 'x', work_days: [], start_time: '07:00', end_time: '13:00', late_tolerance_minutes: 10 })).rejects.toMatchObject({ status: 422, code: 'VALIDATION_FAILED' })
    expect((await admin.listPositionRows(id)).map((p) => p.name)).not.toContain('Kepala sekolah')
  })
})

describe('the phone’s and the kiosk’s calls', () => {
  it('a member reads their context, history, QR and leave', async () => {
    signedInAs(world.member)
    expect((await session.getMobileMe()).member.id).toBe(world.memberId)
    const context = await attendance.getCaptureContext()
    expect(context.organization.id).toBe(world.id)
    expect((await attendance.getMyAttendance(5)).records).toEqual([])
    expect((await attendance.getMyQr()).token).toBeTruthy()
    const mine = await leave.listMyLeave()
    expect(mine.leave_requests).toEqual([])
    expect((await face.getFaceStatus(world.memberId)).registered).toBe(false)
    const challenge = await attendance.issueChallenge('attendance')
    expect(challenge.steps.length).toBeGreaterThan(0)
  })

  it('a petugas tablet searches members and loads the gallery', async () => {
    signedInAs(world.petugas)
    expect((await session.getEnrolledDevice()).device.id).toBe(world.deviceId)
    const found = await attendance.searchKioskMembers({ q: 'Member', department_id: null, limit: 5 })
    expect(found.members.map((m) => m.id)).toContain(world.memberId)
    const gallery = await attendance.getFaceGallery()
    expect(gallery.organization_id).toBe(world.id)
    expect((await attendance.getFaceGallery(gallery.version)).unchanged).toBe(true)
  })

  it('the raw typed routes work from a test agent too', async () => {
    const positions = await call(world.admin.api.organizations[':id'].positions.$get({ param: { id } }))
    expect(positions.positions.map((p) => p.name)).toContain('Guru')
  })
})
