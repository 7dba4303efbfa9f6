import { describe, expect, it } from 'vitest'
import { parseSpreadsheet, sniffFormat } from './import.worker'
import { readTable } from './import.rows'
import { csvOf, xlsxOf } from './import.fixtures'

describe('the spreadsheet parser worker', () => {
  it('reads CSV with commas, semicolons or tabs, quotes, a BOM and blank lines; keeps spreadsheet row numbers', async () => {
    const text = '\uFEFFnama;email;catatan\r\n"Rahayu; Siti";siti@x.id;"baris ""dua""\nlanjut"\r\n\r\n;;\r\nBudi;budi@x.id;'
    const res = await parseSpreadsheet(Buffer.from(text, 'utf8'), 'csv')
    expect(res).toEqual({
      ok: true,
      format: 'csv',
      sheet: null,
      header: ['nama', 'email', 'catatan'],
      rows: [
        { n: 2, cells: ['Rahayu; Siti', 'siti@x.id', 'baris "dua"\nlanjut'] },
        { n: 6, cells: ['Budi', 'budi@x.id', ''] },
      ],
    })
    const tabs = await parseSpreadsheet(Buffer.from('name\tmember_number\nA\t1\n'), 'csv')
    expect(tabs.ok && tabs.rows[0]!.cells).toEqual(['A', '1'])
  })

  it('reads Windows-1252 CSV (Excel on Windows) when the bytes are not UTF-8', async () => {
    const res = await parseSpreadsheet(Buffer.from([...Buffer.from('name\r\nJos'), 0xE9, 0x0D, 0x0A]), 'csv')
    expect(res.ok && res.rows[0]!.cells).toEqual(['José'])
  })

  it('reads the cells that exist, with formulas as their text, numbers as digits', async () => {
    const file = xlsxOf([
      ['name', 'member_number', 'phone'],
      ['Ani', 2024001, { f: 'CONCAT("08","12")', v: '0812' }],
    ])
    const res = await parseSpreadsheet(file, 'xlsx')
    expect(res.ok && res.rows).toEqual([{ n: 2, cells: ['Ani', '2024001', '=CONCAT("08","12")'] }])
  })

  it('terminates a parse that runs past its time limit', async () => {
    const big = xlsxOf([['name', 'member_number'], ...Array.from({ length: 3000 }, (_, i) => [`Orang ${i}`, `N-${i}`])])
    const res = await parseSpreadsheet(big, 'xlsx', { timeoutMs: 200 })
    expect(res).toMatchObject({ ok: false, code: 'IMPORT_TIMEOUT' })
  })

  it('stops a parse that needs more memory than allowed', async () => {
    const rows = [['name', 'email', 'member_number'], ...Array.from({ length: 20_000 }, (_, i) => [`Orang dengan nama panjang ${i}`, `orang${i}@contoh.sch.id`, `N-${i}`])]
    const res = await parseSpreadsheet(xlsxOf(rows), 'xlsx', { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, maxRows: 50_000, timeoutMs: 60_000 })
    expect(res).toMatchObject({ ok: false, code: 'IMPORT_TOO_LARGE' })
  })

  it('refuses files over the size cap without starting a worker, and tells formats apart by their bytes', async () => {
    expect(await parseSpreadsheet(Buffer.alloc(100), 'csv', { maxFileBytes: 10 })).toMatchObject({ ok: false, code: 'IMPORT_TOO_LARGE' })
    expect(sniffFormat(xlsxOf([['a']]))).toBe('xlsx')
    expect(sniffFormat(Buffer.from([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))).toBe('xls')
    expect(sniffFormat(Buffer.from('name\nA'))).toBe('csv')
    expect(sniffFormat(Buffer.from([1, 0, 2]))).toBe('unknown')
  })
})

describe('reading the header', () => {
  it('accepts Indonesian column names and a title row above the header; reports ignored columns', () => {
    const parsed = { header: ['DAFTAR SISWA 2025'], rows: [{ n: 3, cells: ['Nama Lengkap', 'NIS', 'Kelas', 'No. HP', 'Jabatan', 'Peran', 'Catatan'] }, { n: 4, cells: ['Ani', '1', 'X-1', '0812', 'Siswa', 'anggota', 'x'] }] }
    const { columns, rows } = readTable(parsed.header, parsed.rows)
    expect(columns.headers).toEqual({ name: 'Nama Lengkap', member_number: 'NIS', department: 'Kelas', phone: 'No. HP', position: 'Jabatan', role: 'Peran' })
    expect(columns.ignored).toEqual(['Catatan'])
    expect(rows).toEqual([{ n: 4, values: { name: 'Ani', email: '', phone: '0812', member_number: '1', department: 'X-1', position: 'Siswa', role: 'anggota' } }])
  })

  it('takes back the apostrophe Hadir puts before formula-like text in its exports', () => {
    const { rows } = readTable(['name', 'phone'], [{ n: 2, cells: ['\'=1+1', '\'+62 812'] }])
    expect(rows[0]!.values).toMatchObject({ name: '=1+1', phone: '+62 812' })
  })

  it('refuses a file without a name column, listing what it found', () => {
    expect(() => readTable(['foo', 'bar'], [])).toThrow(expect.objectContaining({ code: 'IMPORT_COLUMNS_MISSING', details: expect.objectContaining({ found: ['foo', 'bar'] }) }))
    expect(csvOf([['a', 'b']])).toBe('a,b\r\n')
  })
})
