import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, count, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { auditLog, departments, importJobs, organizationMembers, positions, users } from '../../db/schema'
import { parseSpreadsheet } from './import.worker'
import { applyStreamed, csvOf, download, uploadFile, xlsxOf, zipBombXlsx } from './import.fixtures'

const HEADER = ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role']

describe('member import and export', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  /** Everything an import could write, to prove that a refused or previewed file wrote nothing. */
  async function snapshot() {
    const n = async (table: typeof organizationMembers | typeof departments | typeof positions | typeof users) => (await t.db.select({ n: count() }).from(table))[0]!.n
    const jobs = (await t.db.select({ n: count() }).from(importJobs).where(eq(importJobs.status, 'applied')))[0]!.n
    return { members: await n(organizationMembers), departments: await n(departments), positions: await n(positions), users: await n(users), applied: jobs }
  }

  const importUrl = (org: OrgWorld) => `/api/organizations/${org.id}/members/import`

  it('gives admins a template with the expected columns and an example row', async () => {
    await a.admin.post(`/api/organizations/${a.id}/departments`, { name: 'Kelas X IPA 1' })
    const res = await download(t, a.admin, `${importUrl(a)}/template`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/spreadsheetml/)
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="hadir-templat-anggota\.xlsx"/)
    const parsed = await parseSpreadsheet(res.bytes, 'xlsx')
    // The Indonesian template speaks Indonesian, down to the role a school writes.
    expect(parsed.ok && parsed.header).toEqual(['nama', 'email', 'telepon', 'nomor_anggota', 'departemen', 'jabatan', 'peran'])
    expect(parsed.ok && parsed.rows).toEqual([{ n: 2, cells: ['Siti Rahayu', 'siti.rahayu@contoh.sch.id', '0812-3456-7890', '2024-001', 'Kelas X IPA 1', 'Siswa', 'siswa'] }])
    const english = await download(t, a.admin, `${importUrl(a)}/template?lang=en`)
    const parsedEn = await parseSpreadsheet(english.bytes, 'xlsx')
    expect(parsedEn.ok && parsedEn.header).toEqual(HEADER)
    expect((await download(t, a.support, `${importUrl(a)}/template`)).status).toBe(403)
    expect((await download(t, a.admin, `/api/organizations/${b.id}/members/import/template`)).status).toBe(404)
  })

  const FILE = [
    HEADER,
    ['Ani Lestari', 'ani@sekolah.id', '0812 1111 0001', 'S-001', 'Kelas X IPA 1', 'Siswa', 'member'],
    ['Budi Hartono', 'budi@sekolah.id', '', 'S-002', 'Kelas X IPS 2', 'Siswa', ''],
    ['Citra Dewi', '', '+62 812 1111 0003', 'S-003', 'kelas x ipa 1', 'Ketua Kelas', 'petugas'],
    ['', 'tanpa.nama@sekolah.id', '', 'S-004', '', '', ''],
    ['Dedi Kurnia', 'bukan-email', '', 'S-005', '', '', 'admin'],
    ['Eka Putri', 'eka@sekolah.id', '', 'S-001', '', '', ''],
    ['Fajar', '', '', '', 'Kelas X IPA 1', '', ''],
  ]

  it('previews every row (create, or an error with its column and reason) and writes nothing', async () => {
    const before = await snapshot()
    const res = await uploadFile(t, a.admin, a.id, xlsxOf(FILE), 'siswa.xlsx')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const data = res.body.data
    expect(data).toMatchObject({ dry_run: true, filename: 'siswa.xlsx', format: 'xlsx', counts: { total: 7, create: 3, update: 0, unchanged: 0, error: 4 } })
    expect(data.new_departments).toEqual(['Kelas X IPS 2'])
    expect(data.new_positions.sort()).toEqual(['Ketua Kelas', 'Siswa'])
    const byRow = Object.fromEntries(data.rows.map((r: { row: number }) => [r.row, r]))
    expect(byRow[2]).toMatchObject({ action: 'create', name: 'Ani Lestari', member_number: 'S-001' })
    expect(byRow[4]).toMatchObject({ action: 'create', name: 'Citra Dewi' })
    expect(byRow[5]).toMatchObject({ action: 'error', errors: [{ column: 'name', code: 'required' }] })
    expect(byRow[6].errors).toEqual([
      expect.objectContaining({ column: 'email', code: 'invalid_email', message: 'Not a valid email address' }),
      expect.objectContaining({ column: 'role', code: 'invalid_role' }),
    ])
    expect(byRow[7].errors).toEqual([expect.objectContaining({ column: 'member_number', code: 'duplicate_in_file', row: 2 })])
    expect(byRow[8].errors).toEqual([expect.objectContaining({ column: 'member_number', code: 'identifier_required' })])
    expect(await snapshot()).toEqual(before)
  })

  let firstJob = 0
  it('applies a preview in one transaction: valid rows are imported, departments and positions created by name', async () => {
    const preview = await uploadFile(t, a.admin, a.id, xlsxOf(FILE), 'siswa.xlsx')
    firstJob = preview.body.data.job_id
    // Another organization's admin cannot apply it (nor see that it exists).
    expect((await b.admin.post(`/api/organizations/${b.id}/members/import/${firstJob}/apply`)).status).toBe(404)
    expect((await a.support.post(`/api/organizations/${a.id}/members/import/${firstJob}/apply`)).status).toBe(403)
    const res = await a.admin.post(`/api/organizations/${a.id}/members/import/${firstJob}/apply`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.result).toMatchObject({ created: 3, updated: 0, unchanged: 0, skipped: 4, departments_created: ['Kelas X IPS 2'] })
    const list = await a.admin.get(`/api/organizations/${a.id}/members?q=S-00&limit=50`)
    const byNumber = Object.fromEntries(list.body.data.members.map((m: { member_number: string }) => [m.member_number, m]))
    expect(Object.keys(byNumber).sort()).toEqual(['S-001', 'S-002', 'S-003'])
    expect(byNumber['S-001']).toMatchObject({ name: 'Ani Lestari', email: 'ani@sekolah.id', phone: '0812 1111 0001', department: 'Kelas X IPA 1', position: 'Siswa', roles: ['member'] })
    expect(byNumber['S-002']).toMatchObject({ department: 'Kelas X IPS 2', roles: ['member'] })
    // Department names match case-insensitively: "kelas x ipa 1" is the existing one.
    expect(byNumber['S-003']).toMatchObject({ department: 'Kelas X IPA 1', position: 'Ketua Kelas', roles: ['petugas'] })
    // The same preview cannot be applied twice.
    const again = await a.admin.post(`/api/organizations/${a.id}/members/import/${firstJob}/apply`)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('IMPORT_ALREADY_APPLIED')
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'member.import')))
    expect(entry!.details).toMatchObject({ created: 3, skipped: 4 })
  })

  it('re-importing the same file changes nothing: every valid row is unchanged', async () => {
    const before = await snapshot()
    const res = await uploadFile(t, a.admin, a.id, xlsxOf(FILE), 'siswa.xlsx', { dry_run: 'false' })
    expect(res.status).toBe(200)
    expect(res.body.data.counts).toEqual({ total: 7, create: 0, invite: 0, update: 0, unchanged: 3, error: 4 })
    expect(res.body.data.result).toMatchObject({ created: 0, updated: 0, unchanged: 3 })
    const after = await snapshot()
    expect({ ...after, applied: 0 }).toEqual({ ...before, applied: 0 })
  })

  it('detects updates (matched by member number, else email) and shows what changes', async () => {
    const ani = FILE[1]!
    const budi = FILE[2]!
    const rows = [
      HEADER,
      // Ani: new phone and class; an empty position cell leaves her position alone.
      [ani[0]!, ani[1]!, '0812 9999 0001', 'S-001', 'Kelas X IPS 2', '', ''],
      // Budi, matched by email (no number in this file): becomes petugas.
      [budi[0]!, 'BUDI@sekolah.id', '', '', '', '', 'petugas'],
      ['Gita Savitri', 'gita@sekolah.id', '', 'S-010', '', '', ''],
    ]
    const preview = await uploadFile(t, a.admin, a.id, csvOf(rows, ';'), 'perubahan.csv')
    expect(preview.status, JSON.stringify(preview.body)).toBe(200)
    const [r2, r3, r4] = preview.body.data.rows
    expect(r2).toMatchObject({ action: 'update', changes: { phone: { from: '0812 1111 0001', to: '0812 9999 0001' }, department: { from: 'Kelas X IPA 1', to: 'Kelas X IPS 2' } } })
    expect(Object.keys(r2.changes).sort()).toEqual(['department', 'phone'])
    expect(r3).toMatchObject({ action: 'update', changes: { role: { from: 'member', to: 'petugas' } } })
    expect(r4).toMatchObject({ action: 'create' })
    const applied = await a.admin.post(`/api/organizations/${a.id}/members/import/${preview.body.data.job_id}/apply`)
    expect(applied.body.data.result).toMatchObject({ created: 1, updated: 2 })
    const s001 = (await a.admin.get(`/api/organizations/${a.id}/members?q=S-001`)).body.data.members[0]
    expect(s001).toMatchObject({ phone: '0812 9999 0001', department: 'Kelas X IPS 2', position: 'Siswa' })
    const budiNow = (await a.admin.get(`/api/organizations/${a.id}/members?q=budi`)).body.data.members[0]
    expect(budiNow.roles).toEqual(['petugas'])
  })

  it('refuses conflicts row by row: another person\'s email, a staff account, a taken number', async () => {
    const rows = [
      HEADER,
      ['Ani Lestari', 'gita@sekolah.id', '', 'S-001', '', '', ''],
      ['Admin Baru', 'admin.a@example.com', '', 'S-020', '', '', ''],
      ['Orang Lain', 'lain@sekolah.id', '', 'M-a', '', '', ''],
    ]
    const res = await uploadFile(t, a.admin, a.id, csvOf(rows), 'konflik.csv')
    const errors = res.body.data.rows.map((r: { errors?: { column: string; code: string }[] }) => r.errors?.map((e) => `${e.column}:${e.code}`))
    // M-a is the fixture member's number: matched, so "Orang Lain" would rename them — allowed — but their email is new.
    expect(errors).toEqual([['email:email_taken'], ['email:staff_account'], undefined])
    expect(res.body.data.rows[2]).toMatchObject({ action: 'update', member_id: a.memberId })
  })

  it('invites, never attaches, a person whose email has an account of their own elsewhere; the row says so', async () => {
    // Rina's account is made by B (with B's phone number for her).
    expect((await b.admin.post(`/api/organizations/${b.id}/members`, { name: 'Rina di B', email: 'rina@example.com', phone: '0899 0000 1111' })).status).toBe(201)
    const before = await snapshot()
    const rows = [HEADER, ['Rina Import', 'rina@example.com', '', 'S-030', 'Kelas X IPA 1', 'Siswa', '']]
    const preview = await uploadFile(t, a.admin, a.id, csvOf(rows), 'undangan.csv')
    expect(preview.status, JSON.stringify(preview.body)).toBe(200)
    expect(preview.body.data.counts).toMatchObject({ create: 0, invite: 1 })
    expect(preview.body.data.rows[0]).toMatchObject({ action: 'invite', name: 'Rina Import', email: 'rina@example.com', member_id: null })
    // Nothing of B's account (its name, its phone) shows in A's preview.
    expect(JSON.stringify(preview.body)).not.toMatch(/Rina di B|0899/)
    const applied = await a.admin.post(`/api/organizations/${a.id}/members/import/${preview.body.data.job_id}/apply`)
    expect(applied.body.data.result).toMatchObject({ created: 0, invited: 1 })
    // Not a member of A: only a pending invitation, shown with what A's file said.
    expect(await snapshot()).toMatchObject({ members: before.members, users: before.users })
    expect((await a.admin.get(`/api/organizations/${a.id}/members?q=rina`)).body.data.total).toBe(0)
    const invitations = (await a.admin.get(`/api/organizations/${a.id}/membership-invitations?kind=member`)).body.data.invitations
    expect(invitations).toEqual([expect.objectContaining({ name: 'Rina Import', email: 'rina@example.com', member_number: 'S-030', department: 'Kelas X IPA 1', position: 'Siswa', status: 'pending' })])
    expect(JSON.stringify(invitations)).not.toMatch(/Rina di B|0899/)
  })

  it('treats formulas and __proto__ keys as plain text, in a worker, without touching any prototype', async () => {
    const rows = [
      ['name', '__proto__', 'constructor', 'email', 'member_number', 'prototype'],
      [{ f: 'HYPERLINK("http://evil.example","klik")', v: 'klik' }, 'polluted', 'x', 'formula@sekolah.id', 'F-1', 'y'],
      ['__proto__', '{"polluted":true}', 'z', { f: 'A2&"@x.id"', v: 'klik@x.id' }, 'F-2', ''],
      ['constructor', '', '', '', 'F-3', ''],
    ]
    const res = await uploadFile(t, a.admin, a.id, xlsxOf(rows, 'constructor'), 'jahat.xlsx')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.ignored_columns).toEqual(['__proto__', 'constructor', 'prototype'])
    const [f1, f2, f3] = res.body.data.rows
    expect(f1).toMatchObject({ action: 'create', name: '=HYPERLINK("http://evil.example","klik")' })
    expect(f2).toMatchObject({ action: 'error', name: '__proto__', errors: [expect.objectContaining({ column: 'email', code: 'invalid_email' })] })
    expect(f3).toMatchObject({ action: 'create', name: 'constructor' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
    const applied = await a.admin.post(`/api/organizations/${a.id}/members/import/${res.body.data.job_id}/apply`)
    expect(applied.body.data.result.created).toBe(2)
    const stored = (await a.admin.get(`/api/organizations/${a.id}/members?q=F-1`)).body.data.members[0]
    expect(stored.name).toBe('=HYPERLINK("http://evil.example","klik")')
  })

  it('exports members to .xlsx and .csv with formula-like cells neutralised, and the export imports back unchanged', async () => {
    for (const [name, number] of [['=cmd|calc', 'X-1'], ['+1 sneaky', 'X-2'], ['-2 sneaky', 'X-3'], ['@SUM(1)', 'X-4']]) {
      expect((await a.admin.post(`/api/organizations/${a.id}/members`, { name, member_number: number })).status).toBe(201)
    }
    const xlsx = await download(t, a.support, `/api/organizations/${a.id}/members/export?q=X-`)
    expect(xlsx.status).toBe(200)
    expect(xlsx.headers.get('content-disposition')).toMatch(/attachment; filename="anggota-/)
    const parsed = await parseSpreadsheet(xlsx.bytes, 'xlsx')
    if (!parsed.ok) throw new Error(parsed.message)
    expect(parsed.header).toEqual(['nama', 'email', 'telepon', 'nomor_anggota', 'departemen', 'jabatan', 'peran', 'status', 'wajah_terdaftar', 'absen_terakhir'])
    expect(parsed.rows.map((r) => r.cells[0]).sort()).toEqual(['\'+1 sneaky', '\'-2 sneaky', '\'=cmd|calc', '\'@SUM(1)'])
    const csv = await download(t, a.admin, `/api/organizations/${a.id}/members/export?q=X-&format=csv`)
    const text = csv.bytes.toString('utf8')
    expect(text.startsWith('\uFEFFnama,email,telepon,nomor_anggota')).toBe(true)
    for (const cell of ['\'=cmd|calc', '\'+1 sneaky', '\'-2 sneaky', '\'@SUM(1)']) expect(text).toContain(cell)
    expect(text).not.toMatch(/(^|,)[=+\-@]/m)

    // The whole organization's export, imported back: nothing to do.
    const all = await download(t, a.admin, `/api/organizations/${a.id}/members/export`)
    const back = await uploadFile(t, a.admin, a.id, all.bytes, 'export.xlsx')
    expect(back.status, JSON.stringify(back.body)).toBe(200)
    expect(back.body.data.ignored_columns).toEqual(['status', 'wajah_terdaftar', 'absen_terakhir'])
    expect(back.body.data.counts.create + back.body.data.counts.update).toBe(0)
    expect(back.body.data.counts.unchanged).toBe((await a.admin.get(`/api/organizations/${a.id}/members`)).body.data.total)
    // Export filters, and the audit trail of a personal-data export.
    const petugas = await download(t, a.admin, `/api/organizations/${a.id}/members/export?role=petugas&format=csv`)
    expect(petugas.bytes.toString('utf8')).toContain('Petugas a')
    expect(petugas.bytes.toString('utf8')).not.toContain('Member a')
    expect((await t.db.select().from(auditLog).where(eq(auditLog.action, 'member.export'))).length).toBeGreaterThan(0)
    expect((await download(t, a.admin, `/api/organizations/${b.id}/members/export`)).status).toBe(404)
  })

  it('refuses malformed, oversized and unsupported files with a clear 4xx and writes nothing', async () => {
    const before = await snapshot()
    const cases: [Buffer | string, string, number, string][] = [
      [Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(2000, 7)]), 'rusak.xlsx', 422, 'IMPORT_FILE_INVALID'],
      [xlsxOf(FILE).subarray(0, 1500), 'terpotong.xlsx', 422, 'IMPORT_FILE_INVALID'],
      [Buffer.from([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0]), 'lama.xls', 422, 'IMPORT_FILE_INVALID'],
      [Buffer.from([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0]), 'foto.png', 422, 'IMPORT_FILE_INVALID'],
      ['name,member_number\r\n"Siti,S-1\r\n', 'kutip.csv', 422, 'IMPORT_FILE_INVALID'],
      ['nama_lengkap_saja\r\nSiti\r\n', 'kolom.csv', 422, 'IMPORT_COLUMNS_MISSING'],
      ['name,member_number\r\n', 'kosong.csv', 422, 'IMPORT_EMPTY'],
      ['', 'hampa.csv', 422, 'IMPORT_EMPTY'],
      ['x'.repeat(5 * 1024 * 1024 + 10), 'besar.csv', 413, 'IMPORT_TOO_LARGE'],
      ['x'.repeat(17 * 1024 * 1024), 'raksasa.csv', 413, 'PAYLOAD_TOO_LARGE'],
    ]
    for (const [file, name, status, code] of cases) {
      const res = await uploadFile(t, a.admin, a.id, file, name, { dry_run: 'false' })
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(status)
      expect(res.body.error.code, name).toBe(code)
      expect(typeof res.body.error.message).toBe('string')
    }
    // Not multipart, or no file: a stable 422.
    const json = await a.admin.post(importUrl(a), { file: 'x' })
    expect(json.status).toBe(422)
    expect(json.body.error.code).toBe('IMPORT_FILE_REQUIRED')
    expect(await snapshot()).toEqual(before)
  })

  it('refuses a zip bomb (a sheet that inflates to hundreds of MB), even when its headers lie about the size', async () => {
    const before = await snapshot()
    for (const lie of [false, true]) {
      const bomb = await zipBombXlsx(300, lie)
      expect(bomb.length).toBeLessThan(2 * 1024 * 1024)
      // The server runs in this process: the CPU it spent refusing, under the 20 s the time taken had (a busy machine
      // stretches the time, not the work).
      const started = process.cpuUsage()
      const res = await uploadFile(t, a.admin, a.id, bomb, 'bom.xlsx', { dry_run: 'false' })
      expect(res.status, JSON.stringify(res.body)).toBe(413)
      expect(res.body.error.code).toBe('IMPORT_TOO_LARGE')
      const spent = process.cpuUsage(started)
      expect((spent.user + spent.system) / 1e6).toBeLessThan(20)
    }
    expect(await snapshot()).toEqual(before)
  })

  it('takes at most 10,000 rows', async () => {
    const rows = (n: number) => [['name', 'member_number'], ...Array.from({ length: n }, (_, i) => [`Orang ${i}`, `R-${i}`])]
    const over = await uploadFile(t, a.admin, a.id, csvOf(rows(10_001)), 'banyak.csv')
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('IMPORT_TOO_MANY_ROWS')
    const overXlsx = await uploadFile(t, a.admin, a.id, xlsxOf(rows(10_001)), 'banyak.xlsx')
    expect(overXlsx.body.error.code).toBe('IMPORT_TOO_MANY_ROWS')
    const exactly = await uploadFile(t, a.admin, a.id, csvOf(rows(10_000)), 'pas.csv')
    expect(exactly.status, JSON.stringify(exactly.body).slice(0, 300)).toBe(200)
    expect(exactly.body.data.counts).toMatchObject({ total: 10_000, create: 10_000 })
  })

  it('streams progress while a large import is applied', async () => {
    const rows = [['nama', 'nis', 'kelas'], ...Array.from({ length: 1_200 }, (_, i) => [`Siswa ${i}`, `N-${i}`, `Kelas ${i % 12}`])]
    const preview = await uploadFile(t, a.admin, a.id, xlsxOf(rows), 'angkatan.xlsx')
    expect(preview.body.data.columns).toEqual({ name: 'nama', member_number: 'nis', department: 'kelas' })
    const { status, lines } = await applyStreamed(t, a.admin, a.id, preview.body.data.job_id)
    expect(status).toBe(200)
    const progress = lines.filter((l) => l.progress).map((l) => l.progress.done)
    expect(progress).toEqual([0, 500, 1000, 1200])
    expect(lines.at(-1).result.result).toMatchObject({ created: 1_200 })
    expect((await a.admin.get(`/api/organizations/${a.id}/members?q=N-1199`)).body.data.members[0]).toMatchObject({ name: 'Siswa 1199', department: 'Kelas 11' })
    const again = await applyStreamed(t, a.admin, a.id, preview.body.data.job_id)
    expect(again.status).toBe(409)
  })

  it('keeps import and its template to member:manage', async () => {
    for (const agent of [a.support, a.manager]) {
      const res = await uploadFile(t, agent, a.id, csvOf(FILE), 'siswa.csv')
      expect(res.status).toBe(403)
      expect(res.body.error.code).toBe('FORBIDDEN')
    }
    expect((await uploadFile(t, a.admin, b.id, csvOf(FILE), 'siswa.csv')).status).toBe(404)
  })
})
