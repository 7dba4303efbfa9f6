import * as XLSX from 'xlsx'
import { z } from 'zod'
import { EXPORT_FORMATS } from '../../shared/reports/types'

/** A cell value as exports write it. */
export type Cell = string | number | boolean | null | undefined | Date

/**
 * A text cell that a spreadsheet program would run as a formula (=, +, -, @, and tab/CR that some programs strip
 * first) gets a leading apostrophe, so it shows as the text it is (OWASP "CSV injection"). Numbers stay numbers.
 */
export function neutraliseCell(value: Cell): Exclude<Cell, undefined> {
  if (value === undefined) return null
  if (typeof value !== 'string') return value
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

export interface Sheet {
  name: string
  /** The first row is the header. */
  rows: Cell[][]
  /** Column widths in characters, optional. */
  widths?: number[]
}

/** An .xlsx workbook of the given sheets, every text cell neutralised. */
export function toXlsx(sheets: Sheet[]): Buffer {
  const book = XLSX.utils.book_new()
  for (const sheet of sheets) {
    const ws = XLSX.utils.aoa_to_sheet(sheet.rows.map((row) => row.map(neutraliseCell)), { cellDates: true })
    if (sheet.widths) ws['!cols'] = sheet.widths.map((wch) => ({ wch }))
    // Sheet names: at most 31 characters, none of []:*?/\ .
    XLSX.utils.book_append_sheet(book, ws, sheet.name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet')
  }
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer
}

function csvField(value: Cell): string {
  const v = neutraliseCell(value)
  if (v === null) return ''
  const text = v instanceof Date ? v.toISOString() : String(v)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** RFC 4180 CSV with a UTF-8 BOM (so Excel reads names with accents right), CRLF line ends, cells neutralised. */
export function toCsv(rows: Cell[][]): string {
  return `\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
export const CSV_TYPE = 'text/csv; charset=utf-8'

/** A Content-Disposition header for a download, safe for any file name (RFC 6266 / 5987). */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\w.\- ]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/** The `format` query parameter of an export (members, reports): an .xlsx workbook unless `csv` is asked for. */
export const exportFormat = z.enum(EXPORT_FORMATS).default('xlsx')
