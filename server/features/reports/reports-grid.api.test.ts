import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import * as XLSX from 'xlsx'
import { createTestApp, type Agent, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceRecords, leaveRequests, organizationMembers } from '../../db/schema'
import type { LeaveKind } from '../../../shared/leave/rules'
import type { MonthlyReport } from '../../../shared/reports/types'
import { dailyReport, monthlyRecap } from './reports.service'

/**
 * The monthly recap as schools keep it, against a month computed by hand: October 2026 (1 October is a Thursday),
 * organization hours 08:00-16:00 Monday to Friday, 15 minutes tolerance; "Rapat guru" on Tuesday 13 October is a day off
 * for everyone.
 *
 * Sari (Kelas 7A, joined in September)
 *   1 Oct 07:55-16:00 present · 2 Oct 08:20-16:00 late (20) · 5-6 Oct sick leave (approved) · 7 Oct cuti (approved) ·
 *   8 Oct izin (approved) · 9 Oct a request of kind "other" (approved: Izin) · 12 Oct excused by an admin's hand, no
 *   request (Izin) · 13 Oct holiday · 15 Oct 08:40-16:00 late (40) · 19-20 Oct sick leave, approved first, then cuti
 *   for 20-21 Oct approved (20 Oct keeps its sick record, 21 Oct is cuti) · 23 Oct 08:00-16:00 present · every other
 *   weekday nothing (absent).
 *   H T - - S S C I I - - I L A T A - - S S C A H - - A A A A A -
 *   => working days 22 - 1 = 21; H 4 (on time 2, late 2), S 4, I 3, C 2, A 8, L 1; late 60 min; worked 485 + 460 + 440
 *   + 480 = 1865 min.
 * Tono (Kelas 7B) starts on Thursday 22 October: 23 Oct 07:50-15:00 present, every other weekday absent.
 *   - x 21, A H - - A A A A A -  => working days 7, H 1, A 6.
 */
describe('monthly day grid (H S I C A L)', () => {
  let t: TestApp
  let c: OrgWorld
  let sari = 0
  let tono = 0
  let kelas7a = 0
  let kelas7b = 0
  const OCT = 'HT--SSCII--ILATA--SSCAH--AAAAA-'
  const TONO = `${'-'.repeat(21)}AH--AAAAA-`
  const now = new Date('2026-11-10T09:00:00+07:00')

  async function record(memberId: number, date: string, status: 'present' | 'late' | 'excused', checkIn: string | null, checkOut: string | null) {
    await t.db.insert(attendanceRecords).values({ organizationId: c.id, organizationMemberId: memberId, attendanceDate: date, status, checkInTime: checkIn, checkOutTime: checkOut, source: 'manual' })
  }

  /** A member's request (inserted: the member's own route only takes dates near today), approved by the admin's route. */
  async function approvedLeave(kind: LeaveKind, start: string, end: string) {
    const [row] = await t.db.insert(leaveRequests).values({ organizationId: c.id, organizationMemberId: sari, kind, startDate: start, endDate: end, reason: `${kind} ${start}` }).returning()
    const res = await c.admin.post(`/api/organizations/${c.id}/leave-requests/${row!.id}/approve`, {})
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  }

  beforeAll(async () => {
    t = await createTestApp()
    c = await buildOrg(t, 'c')
    kelas7a = (await c.admin.post(`/api/organizations/${c.id}/departments`, { name: 'Kelas 7A' })).body.data.id
    kelas7b = (await c.admin.post(`/api/organizations/${c.id}/departments`, { name: 'Kelas 7B' })).body.data.id
    const add = async (body: Record<string, unknown>) => {
      const res = await c.admin.post(`/api/organizations/${c.id}/members`, { role: 'member', ...body })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      return res.body.data.id as number
    }
    sari = await add({ name: 'Sari Wulandari', member_number: '7A-01', department_id: kelas7a })
    tono = await add({ name: 'Tono Hartono', member_number: '7B-01', department_id: kelas7b, start_date: '2026-10-22' })
    await t.db.update(organizationMembers).set({ createdAt: new Date('2026-09-01T01:00:00Z') }).where(eq(organizationMembers.id, sari))
    expect((await c.admin.post(`/api/organizations/${c.id}/holidays`, { name: 'Rapat guru', start_date: '2026-10-13', end_date: '2026-10-13' })).status).toBe(201)

    await record(sari, '2026-10-01', 'present', '07:55:00', '16:00:00')
    await record(sari, '2026-10-02', 'late', '08:20:00', '16:00:00')
    await record(sari, '2026-10-12', 'excused', null, null)
    await record(sari, '2026-10-15', 'late', '08:40:00', '16:00:00')
    await record(sari, '2026-10-23', 'present', '08:00:00', '16:00:00')
    await record(tono, '2026-10-23', 'present', '07:50:00', '15:00:00')
    await approvedLeave('sick', '2026-10-05', '2026-10-06')
    await approvedLeave('leave', '2026-10-07', '2026-10-07')
    await approvedLeave('permit', '2026-10-08', '2026-10-08')
    await approvedLeave('other', '2026-10-09', '2026-10-09')
    await approvedLeave('sick', '2026-10-19', '2026-10-20')
    await approvedLeave('leave', '2026-10-20', '2026-10-21')
  })
  afterAll(() => t.close())

  it('gives every member one letter per day and the totals of the letters, leave kinds apart', async () => {
    const r = await monthlyRecap(t.db, c.id, { month: '2026-10' }, now)
    expect(r.members.map((m) => [m.name, m.days])).toEqual([
      ['Sari Wulandari', OCT],
      ['Tono Hartono', TONO],
    ])
    const [s, to] = r.members
    expect(s).toMatchObject({ department: 'Kelas 7A', working_days: 21, present: 2, late: 2, sick: 4, permit: 3, leave: 2, excused: 9, absent: 8, holidays: 1, late_minutes: 60, worked_minutes: 1865, hours_worked: 31.08 })
    expect(to).toMatchObject({ department: 'Kelas 7B', working_days: 7, present: 1, late: 0, sick: 0, permit: 0, leave: 0, excused: 0, absent: 6, holidays: 0 })
    // The letters count what the figures count.
    const count = (days: string, letter: string) => [...days].filter((d) => d === letter).length
    for (const m of r.members) {
      expect([count(m.days, 'H'), count(m.days, 'T'), count(m.days, 'S'), count(m.days, 'I'), count(m.days, 'C'), count(m.days, 'A'), count(m.days, 'L')]).toEqual([m.present, m.late, m.sick, m.permit, m.leave, m.absent, m.holidays])
    }
    expect(r.totals).toMatchObject({ members: 2, sick: 4, permit: 3, leave: 2, excused: 9, absent: 14 })
    expect(r.departments.map((d) => [d.department, d.sick, d.permit, d.leave])).toEqual([
      ['Kelas 7A', 4, 3, 2],
      ['Kelas 7B', 0, 0, 0],
    ])
  })

  it('tells the kinds apart on the daily list, its summary and its status filter', async () => {
    const status = async (date: string) => (await dailyReport(t.db, c.id, { date }, now)).rows.find((row) => row.member_id === sari)?.status
    expect(await status('2026-10-05')).toBe('sick')
    expect(await status('2026-10-07')).toBe('leave')
    expect(await status('2026-10-08')).toBe('permit')
    expect(await status('2026-10-09')).toBe('permit')
    expect(await status('2026-10-12')).toBe('permit')
    expect(await status('2026-10-20')).toBe('sick')
    expect(await status('2026-10-21')).toBe('leave')
    const day = await dailyReport(t.db, c.id, { date: '2026-10-05' }, now)
    expect(day.summary).toMatchObject({ members: 1, sick: 1, permit: 0, leave: 0 })
    const res = await c.admin.get(`/api/organizations/${c.id}/reports/daily?date=2026-10-07&status=leave`)
    expect(res.body.data.rows.map((row: { name: string }) => row.name)).toEqual(['Sari Wulandari'])
    expect((await c.admin.get(`/api/organizations/${c.id}/reports/daily?date=2026-10-07&status=sick`)).body.data.rows).toEqual([])
  })

  async function download(agent: Agent, path: string): Promise<Buffer> {
    const res = await t.app.request(path, { headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
    expect(res.status).toBe(200)
    return Buffer.from(await res.arrayBuffer())
  }

  it('exports the grid to .xlsx: letters, real dates, a styled and frozen header, frozen names', async () => {
    const r = (await c.admin.get(`/api/organizations/${c.id}/reports/monthly?month=2026-10`)).body.data as MonthlyReport
    expect(r.members.map((m) => m.days)).toEqual([OCT, TONO])
    const bytes = await download(c.admin, `/api/organizations/${c.id}/reports/monthly/export?month=2026-10&format=xlsx&lang=id`)

    // Values, as any reader sees them (SheetJS).
    const book = XLSX.read(bytes, { type: 'buffer', cellDates: true })
    expect(book.SheetNames).toEqual(['Absensi harian', 'Per anggota', 'Per departemen', 'Keterlambatan', 'Keterangan'])
    const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Absensi harian']!, { header: 1, raw: true, defval: null })
    expect(rows[0]!.slice(0, 3)).toEqual(['Departemen', 'Nama', 'No. anggota'])
    expect(rows[0]![3]).toEqual(new Date('2026-10-01T00:00:00Z'))
    expect(rows[0]![33]).toEqual(new Date('2026-10-31T00:00:00Z'))
    expect(rows[0]!.slice(34)).toEqual(['H', 'Terlambat', 'S', 'I', 'C', 'A', 'L'])
    // Weekday initials: Kamis, Jumat, Sabtu, Minggu, Senin...
    expect(rows[1]!.slice(3, 8)).toEqual(['K', 'J', 'S', 'M', 'S'])
    const letters = (row: unknown[]) => row.slice(3, 34).map((v) => v).join('')
    expect(rows[2]!.slice(0, 3)).toEqual(['Kelas 7A', 'Sari Wulandari', '7A-01'])
    expect(letters(rows[2]!)).toBe(OCT.replace(/T/g, 'H'))
    expect(rows[2]!.slice(34)).toEqual([4, 2, 4, 3, 2, 8, 1])
    expect(rows[3]!.slice(0, 2)).toEqual(['Kelas 7B', 'Tono Hartono'])
    expect(letters(rows[3]!)).toBe(TONO)
    expect(rows[3]!.slice(34)).toEqual([1, 0, 0, 0, 0, 6, 0])
    expect(rows.at(-1)![0]).toBe('Keterangan: H hadir · S sakit · I izin · C cuti · A alpa (tanpa keterangan) · L libur · - bukan hari kerja, belum lewat, atau belum/tidak lagi anggota · H (bergaris bawah) hadir, terlambat')

    // The look (exceljs): frozen header rows and name columns, a bold filled header, dates as dates, late underlined.
    const styled = new ExcelJS.Workbook()
    await styled.xlsx.load(bytes as unknown as ArrayBuffer)
    const grid = styled.getWorksheet('Absensi harian')!
    expect(grid.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: 2 })
    expect(grid.pageSetup).toMatchObject({ orientation: 'landscape', paperSize: 9, fitToWidth: 1 })
    expect(grid.getCell('B1').font?.bold).toBe(true)
    expect(grid.getCell('B1').fill).toMatchObject({ type: 'pattern', pattern: 'solid' })
    expect(grid.getCell('D1').value).toEqual(new Date('2026-10-01T00:00:00Z'))
    expect(grid.getCell('D1').numFmt).toBe('d')
    expect(grid.getColumn(2).width).toBe(26)
    expect(grid.getCell('E3').value).toBe('H')
    expect(grid.getCell('E3').font?.underline).toBe(true)
    expect(grid.getCell('D3').font?.underline).toBeFalsy()
    // The late arrivals: a real date in the language's format, a real time.
    const late = styled.getWorksheet('Keterlambatan')!
    expect(late.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(late.getCell('A2').value).toEqual(new Date('2026-10-02T00:00:00Z'))
    expect(late.getCell('A2').numFmt).toBe('[$-421]d mmm yyyy')
    expect(late.getCell('E2').numFmt).toBe('hh:mm')
    const time = late.getCell('E2').value as Date
    expect(new Date(Math.round(time.getTime() / 60_000) * 60_000).toISOString().slice(11, 16)).toBe('08:20')
  })
})
