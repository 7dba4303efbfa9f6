// Days off as a spreadsheet (issue 17 item 1): the export writes the organization's own days in the columns the import
// reads back (real dates, the departments by name), and the national days of the year on a second sheet. The import
// reads the upload in the parser worker (server/features/imports/import.worker.ts: no formula runs, zip bombs and
// oversized sheets are refused), checks every row with the same schema as the form, and writes all rows or none.
import { AppError } from '../../errors'
import { type Cell, type Sheet, toCsv, toXlsx } from '../../lib/spreadsheet'
import type { Upload } from '../../lib/upload'
import { parseSpreadsheet, sniffFormat } from '../imports/import.worker'
import { holidayInput, type HolidayInput, type OwnHoliday } from '../../../shared/holidays/holidays'
import type { NationalHoliday } from '../../../shared/holidays/national'
import { issueDetails, type IssueDetail } from '../../../shared/validation'

export type SheetLanguage = 'id' | 'en'
type Column = 'name' | 'start_date' | 'end_date' | 'departments'

const HEADERS: Record<SheetLanguage, Record<Column, string>> = {
  id: { name: 'Nama', start_date: 'Tanggal mulai', end_date: 'Tanggal selesai', departments: 'Departemen' },
  en: { name: 'Name', start_date: 'Start date', end_date: 'End date', departments: 'Departments' },
}
const COLUMNS: Column[] = ['name', 'start_date', 'end_date', 'departments']
/** Import rows at most (a year of days off fits many times over). */
export const HOLIDAY_IMPORT_MAX_ROWS = 1000

/** A calendar date as a spreadsheet cell: a real date (midnight UTC), shown as a date by Excel and LibreOffice. */
function dateCell(date: string): Date {
  return new Date(`${date}T00:00:00Z`)
}

function departmentText(ids: number[] | null, names: Map<number, string>): string {
  return ids ? ids.map((id) => names.get(id) ?? `#${id}`).join(', ') : ''
}

export async function holidaysFile(input: { format: 'xlsx' | 'csv'; lang: SheetLanguage; own: OwnHoliday[]; national: (NationalHoliday & { observed: boolean })[]; departments: Map<number, string> }): Promise<Buffer | string> {
  const h = HEADERS[input.lang]
  const ownRows: Cell[][] = [COLUMNS.map((c) => h[c]), ...input.own.map((o) => [o.name, dateCell(o.start_date), dateCell(o.end_date), departmentText(o.department_ids, input.departments)])]
  if (input.format === 'csv') return toCsv(input.own.length === 0 ? [ownRows[0]!] : [ownRows[0]!, ...input.own.map((o) => [o.name, o.start_date, o.end_date, departmentText(o.department_ids, input.departments)])])
  const en = input.lang === 'en'
  const national: Sheet = {
    name: en ? 'National holidays' : 'Libur nasional',
    widths: [14, 52, 16, 70, 12, 12],
    rows: [
      en ? ['Date', 'Name', 'Kind', 'Decree', 'Estimate', 'Day off'] : ['Tanggal', 'Nama', 'Jenis', 'Dasar', 'Perkiraan', 'Libur'],
      ...input.national.map((n) => [
        dateCell(n.date),
        n.name,
        n.kind === 'cuti_bersama' ? (en ? 'Collective leave' : 'Cuti bersama') : (en ? 'National holiday' : 'Libur nasional'),
        n.decree ?? (en ? 'Not decreed yet' : 'Belum ada SKB'),
        n.provisional ? (en ? 'Yes' : 'Ya') : '',
        n.observed ? (en ? 'Yes' : 'Ya') : (en ? 'No (working day)' : 'Tidak (hari kerja)'),
      ]),
    ],
  }
  return toXlsx([{ name: en ? 'Own days off' : 'Hari libur', widths: [40, 16, 16, 50], rows: ownRows }, national])
}

/** The column a header names, in either language, whatever its case and spacing. */
function columnOf(header: string): Column | null {
  const norm = header.trim().toLowerCase().replace(/\s+/g, ' ')
  for (const lang of ['id', 'en'] as const) {
    for (const c of COLUMNS) if (HEADERS[lang][c].toLowerCase() === norm) return c
  }
  return null
}

/** A date as people type it in a sheet: 2026-07-01, 1/7/2026 or 1-7-2026 (day first, as in Indonesia). */
export function readDate(text: string): string {
  const t = text.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t)
  if (m) return `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`
  return t
}

export interface ImportRow {
  /** The row's number in the spreadsheet. */
  row: number
  input: HolidayInput | null
  errors: IssueDetail[]
}

/** Reads an upload into checked rows (department names mapped to ids); refusals of the file itself are 4xx errors. */
export async function readHolidaySheet(upload: Upload, departments: Map<number, string>): Promise<ImportRow[]> {
  const format = sniffFormat(upload.bytes)
  if (format === 'xls' || format === 'unknown') throw new AppError(422, 'IMPORT_FILE_INVALID', 'This is not an .xlsx or .csv file', { reason: format === 'xls' ? 'xls' : 'not_spreadsheet' })
  const parsed = await parseSpreadsheet(upload.bytes, format, { maxRows: HOLIDAY_IMPORT_MAX_ROWS })
  if (!parsed.ok) throw new AppError(parsed.code === 'IMPORT_TOO_LARGE' ? 413 : 422, parsed.code, parsed.message)
  const index: Partial<Record<Column, number>> = {}
  parsed.header.forEach((text, i) => {
    const column = columnOf(text)
    if (column && index[column] === undefined) index[column] = i
  })
  const missing = (['name', 'start_date'] as const).filter((c) => index[c] === undefined)
  if (missing.length > 0) throw new AppError(422, 'IMPORT_COLUMNS_MISSING', `The sheet needs the columns ${missing.map((c) => `"${HEADERS.id[c]}" / "${HEADERS.en[c]}"`).join(' and ')}`, { missing })
  if (parsed.rows.length === 0) throw new AppError(422, 'IMPORT_EMPTY', 'The file has a header but no rows')
  const byName = new Map([...departments].map(([id, name]) => [name.trim().toLowerCase(), id]))
  return parsed.rows.map((r) => {
    const cell = (c: Column) => (index[c] === undefined ? '' : (r.cells[index[c]!] ?? '').trim())
    const start = readDate(cell('start_date'))
    const errors: IssueDetail[] = []
    const names = cell('departments').split(/[,;]/).map((n) => n.trim()).filter(Boolean)
    const ids: number[] = []
    for (const n of names) {
      const id = byName.get(n.toLowerCase())
      if (id === undefined) errors.push({ path: 'departments', message: `Unknown department: ${n.slice(0, 60)}`, code: 'UNKNOWN_DEPARTMENT' })
      else ids.push(id)
    }
    const checked = holidayInput.safeParse({ name: cell('name'), start_date: start, end_date: cell('end_date') ? readDate(cell('end_date')) : start, department_ids: ids.length > 0 ? ids : null })
    if (!checked.success) errors.push(...issueDetails(checked.error.issues))
    return { row: r.n, input: errors.length === 0 && checked.success ? checked.data : null, errors }
  })
}
