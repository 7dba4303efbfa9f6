import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { backend, createPostgresDatabase } from '../../tools/test-support/harness'
import { openDatabase, type Database } from '../db/client'
import { attendanceRecords, correctionRequests, departments, devices, holidays, leaveRequests, organizationMembers, organizations, positions, shiftAssignments, shiftTypes, workSchedules } from '../db/schema'
import { and, count, eq, like } from 'drizzle-orm'

const run = promisify(execFile)

describe('npm run seed:demo', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-seed-'))
  let env: NodeJS.ProcessEnv
  let drop = async () => {}
  beforeAll(async () => {
    env = { ...process.env, HADIR_DATA_DIR: dataDir, DATABASE_URL: '' }
    if (backend === 'postgres') {
      const created = await createPostgresDatabase()
      env.DATABASE_URL = created.url
      drop = created.drop
    }
  })
  afterAll(async () => {
    await drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  const seed = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(process.execPath, ['--import', 'tsx', 'server/seed/demo.ts', ...args], { env: { ...env, ...extra }, cwd: process.cwd() })

  it('fills a demo organization, prints its logins, and refuses to run twice', async () => {
    // The links it prints use the port the server will use (PORT), and the organization's code, never its number.
    const { stdout } = await seed(['--admin-email', 'kepala@sekolah.id', '--admin-password', 'rahasia-demo'], { PORT: '3456' })
    expect(stdout).toMatch(/admin\s+kepala@sekolah\.id\s+rahasia-demo/)
    expect(stdout).toMatch(/support\s+kepala\+support@sekolah\.id\s+\S{8,}\s+\(Sri Wahyuni\)/)
    expect(stdout).toMatch(/petugas .* code [A-Z2-9]{8}/)
    expect(stdout).toContain('http://localhost:3456/admin/login')
    expect(stdout).toContain('http://localhost:3456/m/login?org=sekolah-demo-nusantara')
    expect(stdout).toMatch(/http:\/\/localhost:3456\/p\/enrol#code=[A-Z2-9]{8}/)
    expect(stdout).not.toContain('localhost:3000')

    const db: Database = await openDatabase({ databaseUrl: env.DATABASE_URL || undefined, dataDir })
    try {
      const [org] = await db.db.select().from(organizations)
      const [members] = await db.db.select({ n: count() }).from(organizationMembers).where(eq(organizationMembers.organizationId, org!.id))
      const [records] = await db.db.select({ n: count() }).from(attendanceRecords).where(eq(attendanceRecords.organizationId, org!.id))
      const [device] = await db.db.select().from(devices)
      expect(members!.n).toBe(58) // 50 members, 4 guards, a petugas, and the admin, support and manager
      expect(records!.n).toBeGreaterThan(50 * 15)
      expect(device!.name).toBe('Tablet Gerbang Utama')
      // Everyone's position fits their department: pupils in the classes, teachers with the teachers, the
      // administration staff in Tata Usaha; the dashboard staff too.
      const placed = await db.db
        .select({ department: departments.name, position: positions.name })
        .from(organizationMembers)
        .innerJoin(departments, eq(departments.id, organizationMembers.departmentId))
        .innerJoin(positions, eq(positions.id, organizationMembers.positionId))
        .where(eq(organizationMembers.organizationId, org!.id))
      const fits: Record<string, string[]> = { 'Kelas X IPA': ['Siswa'], 'Kelas XI IPS': ['Siswa'], 'Kelas XII IPA': ['Siswa'], 'Guru dan Staf': ['Guru', 'Kepala Sekolah', 'Wakil Kepala Sekolah'], 'Tata Usaha': ['Staf Administrasi'] }
      expect(placed.length).toBe(52)
      for (const p of placed) expect(fits[p.department], `${p.position} in ${p.department}`).toContain(p.position)
      // Members who joined months ago (a full 30-day chart), a day off of the organization's own this month, and no
      // record on it.
      const starts = await db.db.select({ start: organizationMembers.startDate }).from(organizationMembers).where(eq(organizationMembers.organizationId, org!.id))
      const joined = starts.map((m) => m.start).filter((d): d is string => d !== null)
      expect(joined).toHaveLength(54)
      expect(Date.now() - Date.parse(joined[0]!)).toBeGreaterThan(90 * 86_400_000)
      const [meeting] = await db.db.select().from(holidays).where(eq(holidays.organizationId, org!.id))
      expect(meeting!.name).toContain('Rapat guru')
      const onMeeting = await db.db.select({ n: count() }).from(attendanceRecords).where(eq(attendanceRecords.attendanceDate, meeting!.startDate))
      expect(onMeeting[0]!.n).toBe(0)
      // The school's week has a short Friday, and every class and staff department follows it.
      const [week] = await db.db.select().from(workSchedules).where(eq(workSchedules.organizationId, org!.id))
      expect(week).toMatchObject({ workDays: [1, 2, 3, 4, 5], endTime: '15:30:00', dayHours: { 5: { start_time: '07:30:00', end_time: '11:00:00' } } })
      const following = await db.db.select({ n: count() }).from(departments).where(eq(departments.workScheduleId, week!.id))
      expect(following[0]!.n).toBe(6)
      // The guards work a shift roster round the clock, up to two weeks ahead; a night's record is dated the evening it
      // started and checked out the next morning.
      const types = await db.db.select().from(shiftTypes).where(eq(shiftTypes.organizationId, org!.id))
      expect(types.map((s) => s.code).sort()).toEqual(['M', 'P', 'S'])
      const night = types.find((s) => s.code === 'M')!
      const nights = await db.db.select().from(shiftAssignments).where(eq(shiftAssignments.shiftTypeId, night.id))
      expect(nights.length).toBeGreaterThan(10)
      expect(nights.some((n) => Date.parse(n.date) > Date.now() + 7 * 86_400_000)).toBe(true)
      const guardRecords = await db.db.select().from(attendanceRecords).innerJoin(organizationMembers, eq(organizationMembers.id, attendanceRecords.organizationMemberId)).where(like(organizationMembers.memberNumber, 'SPM-%'))
      const overnight = guardRecords.filter((r) => r.attendance_records.checkOutTime !== null && r.attendance_records.checkOutTime < r.attendance_records.checkInTime!)
      expect(overnight.length).toBeGreaterThan(5)
      for (const r of overnight) expect(nights.some((n) => n.organizationMemberId === r.attendance_records.organizationMemberId && n.date === r.attendance_records.attendanceDate)).toBe(true)
      // Every excused day has the approved leave request of its kind behind it (Sakit, Izin, Cuti told apart).
      const excused = await db.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationId, org!.id), eq(attendanceRecords.status, 'excused')))
      const requests = await db.db.select().from(leaveRequests).where(eq(leaveRequests.organizationId, org!.id))
      expect(excused.length).toBeGreaterThan(5)
      expect(new Set(requests.map((r) => r.kind))).toEqual(new Set(['sick', 'permit', 'leave']))
      for (const e of excused) expect(requests.some((r) => r.status === 'approved' && r.organizationMemberId === e.organizationMemberId && r.startDate <= e.attendanceDate && r.endDate >= e.attendanceDate)).toBe(true)
      // Some recent captures wait for review, so approving can be tried at once.
      const waiting = await db.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationId, org!.id), eq(attendanceRecords.approvalStatus, 'pending')))
      expect(waiting.length).toBeGreaterThanOrEqual(3)
      for (const w of waiting) expect(w.flags).toContain('outside_geofence')
      // A few "lupa absen" requests wait for the admin, each one the day really allows: a check-out asked for on a day
      // with a check-in and no check-out, both times on a day without a record. The first member has one.
      const pending = await db.db.select().from(correctionRequests).where(eq(correctionRequests.organizationId, org!.id))
      expect(pending.length).toBeGreaterThanOrEqual(3)
      const [first] = await db.db.select({ id: organizationMembers.id }).from(organizationMembers).where(eq(organizationMembers.memberNumber, 'DM-0001'))
      expect(pending.map((p) => p.organizationMemberId)).toContain(first!.id)
      for (const p of pending) {
        expect(p.status).toBe('pending')
        const [day] = await db.db.select().from(attendanceRecords).where(and(eq(attendanceRecords.organizationMemberId, p.organizationMemberId), eq(attendanceRecords.attendanceDate, p.attendanceDate)))
        if (p.kind === 'check_out') expect(day).toMatchObject({ checkOutTime: null, checkInTime: expect.any(String) })
        else expect(day).toBeUndefined()
      }
    } finally {
      await db.close()
    }

    await expect(seed([])).rejects.toMatchObject({ stderr: expect.stringMatching(/already exists.*nothing was changed/) })
  })
})
