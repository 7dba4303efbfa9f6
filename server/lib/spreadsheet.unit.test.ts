import { describe, expect, it } from 'vitest'
import * as XLSX from 'xlsx'
import { attachment, neutraliseCell, toCsv, toXlsx } from './spreadsheet'

describe('spreadsheet exports', () => {
  it('neutralises cells a spreadsheet would run as formulas, and leaves the rest', () => {
    for (const bad of ['=1+1', '+62812', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) expect(neutraliseCell(bad)).toBe(`'${bad}`)
    expect(neutraliseCell('Budi')).toBe('Budi')
    expect(neutraliseCell('-')).toBe('-')
    expect(neutraliseCell('--')).toBe('\'--')
    expect(neutraliseCell(-5)).toBe(-5)
    expect(neutraliseCell(undefined)).toBeNull()
  })

  it('writes an .xlsx that reads back with the neutralised text', async () => {
    const buf = await toXlsx([{ name: 'Recap: 2026/11', rows: [['name', 'days'], ['=HYPERLINK("x")', 3]] }])
    const book = XLSX.read(buf, { type: 'buffer' })
    expect(book.SheetNames).toEqual(['Recap  2026 11'])
    const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1 })
    expect(rows[1]).toEqual(['\'=HYPERLINK("x")', 3])
    const cell = book.Sheets[book.SheetNames[0]!]!.A2
    expect(cell.f).toBeUndefined()
  })

  it('writes RFC 4180 CSV with a BOM', () => {
    expect(toCsv([['a', 'b,c'], ['say "hi"', '=cmd']])).toBe('\uFEFFa,"b,c"\r\n"say ""hi""",\'=cmd\r\n')
  })

  it('makes a safe attachment header', () => {
    expect(attachment('Rekap "Nov".xlsx')).toBe('attachment; filename="Rekap _Nov_.xlsx"; filename*=UTF-8\'\'Rekap%20%22Nov%22.xlsx')
  })
})
