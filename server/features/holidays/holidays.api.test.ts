import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import * as XLSX from 'xlsx'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { auditLog, holidays } from '../../db/schema'
import { download, uploadFile, xlsxOf } from '../imports/import.fixtures'

describe('days off', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  let smp = 0
  let sma = 0
  let otherDept = 0
  const base = (org: OrgWorld) => `/api/organizations/${org.id}`

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    smp = (await a.admin.post(`${base(a)}/departments`, { name: 'SMP' })).body.data.id
    sma = (await a.admin.post(`${base(a)}/departments`, { name: 'SMA' })).body.data.id
    otherDept = (await b.admin.post(`${base(b)}/departments`, { name: 'Lain' })).body.data.id
  })
  afterAll(async () => {
    await t?.close()
  })

  it('lists the national days of a year, every one kept until the organization works on it', async () => {
    const res = await a.support.get(`${base(a)}/holidays?year=2026`)
    expect(res.status).toBe(200)
    expect(res.body.data.national_known).toBe(true)
    expect(res.body.data.national).toHaveLength(25)
    expect(res.body.data.national.every((h: { observed: boolean }) => h.observed)).toBe(true)
    expect(res.body.data.national.find((h: { date: string }) => h.date === '2026-08-17')).toMatchObject({ name: 'Proklamasi Kemerdekaan', kind: 'national', provisional: false })
    expect((await a.support.get(`${base(a)}/holidays?year=2031`)).body.data).toMatchObject({ national_known: false, national: [], own: [] })

    // Working on 17 August: only organization A, only that day; audited; the switch back restores it.
    expect((await a.support.put(`${base(a)}/national-holidays`, { date: '2026-08-17', observed: false })).status).toBe(403)
    const worked = await a.admin.put(`${base(a)}/national-holidays`, { date: '2026-08-17', observed: false })
    expect(worked.status).toBe(200)
    expect(worked.body.data).toMatchObject({ date: '2026-08-17', observed: false })
    const after = (await a.admin.get(`${base(a)}/holidays?year=2026`)).body.data.national
    expect(after.filter((h: { observed: boolean }) => !h.observed).map((h: { date: string }) => h.date)).toEqual(['2026-08-17'])
    expect((await b.admin.get(`${base(b)}/holidays?year=2026`)).body.data.national.every((h: { observed: boolean }) => h.observed)).toBe(true)
    expect((await a.admin.put(`${base(a)}/national-holidays`, { date: '2026-08-18', observed: false })).body.error.code).toBe('NOT_A_NATIONAL_HOLIDAY')
    const log = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'holiday.national_work')))
    expect(log).toHaveLength(1)
    await a.admin.put(`${base(a)}/national-holidays`, { date: '2026-08-17', observed: true })
    expect((await a.admin.get(`${base(a)}/holidays?year=2026`)).body.data.national.every((h: { observed: boolean }) => h.observed)).toBe(true)
  })

  it('adds, changes and deletes the organization’s own days, for everyone or some departments', async () => {
    const created = await a.admin.post(`${base(a)}/holidays`, { name: 'Libur semester', start_date: '2026-06-22', end_date: '2026-07-10', department_ids: [sma, smp, smp] })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ name: 'Libur semester', start_date: '2026-06-22', end_date: '2026-07-10', department_ids: [smp, sma].sort((x, y) => x - y) })
    const id = created.body.data.id

    // Refused, and nothing written: a range backwards, too long, another organization's department, a made-up date.
    const before = (await t.db.select().from(holidays)).length
    expect((await a.admin.post(`${base(a)}/holidays`, { name: 'X', start_date: '2026-07-02', end_date: '2026-07-01' })).status).toBe(422)
    expect((await a.admin.post(`${base(a)}/holidays`, { name: 'X', start_date: '2026-01-01', end_date: '2026-12-31' })).status).toBe(422)
    expect((await a.admin.post(`${base(a)}/holidays`, { name: 'X', start_date: '2026-07-01', end_date: '2026-07-01', department_ids: [otherDept] })).body.error.code).toBe('UNKNOWN_DEPARTMENT')
    expect((await a.admin.post(`${base(a)}/holidays`, { name: 'X', start_date: '2026-02-30', end_date: '2026-03-01' })).status).toBe(422)
    expect((await a.support.post(`${base(a)}/holidays`, { name: 'X', start_date: '2026-07-01', end_date: '2026-07-01' })).status).toBe(403)
    expect((await t.db.select().from(holidays)).length).toBe(before)

    const changed = await a.admin.put(`${base(a)}/holidays/${id}`, { name: 'Libur kenaikan kelas', start_date: '2026-06-22', end_date: '2026-07-11', department_ids: null })
    expect(changed.body.data).toMatchObject({ name: 'Libur kenaikan kelas', end_date: '2026-07-11', department_ids: null })
    // Another organization cannot see, change or delete it.
    expect((await b.admin.put(`${base(b)}/holidays/${id}`, { name: 'Y', start_date: '2026-06-22', end_date: '2026-06-22' })).status).toBe(404)
    expect((await b.admin.delete(`${base(b)}/holidays/${id}`)).status).toBe(404)
    expect((await b.admin.get(`${base(b)}/holidays?year=2026`)).body.data.own).toEqual([])
    // A year lists the entries that touch it.
    const milad = (await a.admin.post(`${base(a)}/holidays`, { name: 'Milad yayasan', start_date: '2026-12-31', end_date: '2027-01-02' })).body.data.id
    expect((await a.admin.get(`${base(a)}/holidays?year=2027`)).body.data.own.map((h: { name: string }) => h.name)).toEqual(['Milad yayasan'])
    expect((await a.admin.delete(`${base(a)}/holidays/${milad}`)).body.data).toEqual({ deleted: true })
    const actions = (await t.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.organizationId, a.id))).map((r) => r.action)
    expect(actions.filter((x) => x.startsWith('holiday.'))).toEqual(expect.arrayContaining(['holiday.create', 'holiday.update', 'holiday.delete']))
  })

  it('exports the days as a spreadsheet with real dates, and reads it back without doubling anything', async () => {
    const file = await download(t, a.manager, `${base(a)}/holidays/export?year=2026&format=xlsx&lang=id`)
    expect(file.status).toBe(200)
    const book = XLSX.read(file.bytes, { cellDates: true })
    expect(book.SheetNames).toEqual(['Hari libur', 'Libur nasional'])
    const own = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Hari libur']!, { header: 1 })
    expect(own[0]).toEqual(['Nama', 'Tanggal mulai', 'Tanggal selesai', 'Departemen'])
    expect(own[1]![0]).toBe('Libur kenaikan kelas')
    expect(own[1]![1]).toBeInstanceOf(Date) // a real date, not text
    expect((own[1]![1] as Date).toISOString().slice(0, 10)).toBe('2026-06-22')
    expect(XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Libur nasional']!, { header: 1 })).toHaveLength(26)

    const again = await uploadFile(t, a.admin, a.id, file.bytes, 'hari-libur.xlsx', { dry_run: 'false' }, `${base(a)}/holidays/import`)
    expect(again.status).toBe(200)
    expect((again.body as any).data).toMatchObject({ applied: false, counts: { create: 0, unchanged: 1, invalid: 0 } })
  })

  it('imports days typed by hand: a preview first, then all rows or none', async () => {
    const url = `${base(a)}/holidays/import`
    const sheet = xlsxOf([
      ['Name', 'Start date', 'End date', 'Departments'],
      ['Ujian sekolah', '1/6/2026', '3/6/2026', 'SMA'],
      ['Rapat guru', '2026-09-07', '', ''],
      ['Class meeting', '2026-12-14', '2026-12-18', 'smp, SMA'],
    ], 'Days off')
    const count = async () => (await t.db.select().from(holidays).where(eq(holidays.organizationId, a.id))).length
    const before = await count()
    const preview = await uploadFile(t, a.admin, a.id, sheet, 'libur.xlsx', {}, url)
    expect((preview.body as any).data).toMatchObject({ applied: false, counts: { create: 3, unchanged: 0, invalid: 0 } })
    expect((preview.body as any).data.rows[0].holiday).toEqual({ name: 'Ujian sekolah', start_date: '2026-06-01', end_date: '2026-06-03', department_ids: [sma] })
    expect((preview.body as any).data.rows[1].holiday).toMatchObject({ start_date: '2026-09-07', end_date: '2026-09-07', department_ids: null })
    expect(await count()).toBe(before)

    // One bad row (an unknown department, a date that does not exist): nothing at all is written.
    const bad = xlsxOf([
      ['Nama', 'Tanggal mulai', 'Tanggal selesai', 'Departemen'],
      ['Libur A', '2026-10-01', '2026-10-01', 'SD'],
      ['Libur B', '31/2/2026', '', ''],
      ['Libur C', '2026-10-05', '2026-10-05', ''],
    ])
    const refused = await uploadFile(t, a.admin, a.id, bad, 'libur.xlsx', { dry_run: 'false' }, url)
    expect((refused.body as any).data).toMatchObject({ applied: false, counts: { create: 1, invalid: 2 } })
    expect((refused.body as any).data.rows[0].errors[0].code).toBe('UNKNOWN_DEPARTMENT')
    expect(await count()).toBe(before)

    const applied = await uploadFile(t, a.admin, a.id, sheet, 'libur.xlsx', { dry_run: 'false' }, url)
    expect((applied.body as any).data).toMatchObject({ applied: true, counts: { create: 3 } })
    expect(await count()).toBe(before + 3)
    expect((await uploadFile(t, a.support, a.id, sheet, 'libur.xlsx', { dry_run: 'false' }, url)).status).toBe(403)
    // A file without the columns, and one that is no spreadsheet: clear refusals.
    expect((await uploadFile(t, a.admin, a.id, xlsxOf([['Tanggal'], ['2026-01-01']]), 'x.xlsx', {}, url)).body).toMatchObject({ error: { code: 'IMPORT_COLUMNS_MISSING' } })
    expect((await uploadFile(t, a.admin, a.id, Buffer.from([0xD0, 0xCF, 0x11, 0xE0, 0, 0, 0, 0]), 'x.xls', {}, url)).status).toBe(422)
  })
})
