import type ExcelJS from 'exceljs'
import { z } from 'zod'
import { EXPORT_FORMATS } from '../../shared/reports/types'

/** A calendar day (YYYY-MM-DD): a date cell in a styled .xlsx (`Sheet.dateFormat`, or its own format), the text in CSV. */
export interface DateCell {
  date: string
  /** HH:MM: a date and time (a moment in the organization's zone). */
  time?: string
  format?: string
}
/** A time of day (HH:MM): a time cell (hh:mm) in a styled .xlsx, the text in CSV. */
export interface TimeCell {
  time: string
}
/** A cell value as exports write it. */
export type Cell = string | number | boolean | null | undefined | Date | DateCell | TimeCell

export const dateCell = (date: string | null, format?: string): DateCell | null => (date ? { date, ...(format ? { format } : {}) } : null)
export const timeCell = (time: string | null): TimeCell | null => (time ? { time } : null)

function isDateCell(value: Cell): value is DateCell {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'date' in value
}
function isTimeCell(value: Cell): value is TimeCell {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'time' in value
}
/** A cell as plain text or number (CSV and the SheetJS writer): a day or time becomes its text. */
function plain(value: Cell): string | number | boolean | null | undefined | Date {
  if (isDateCell(value)) return value.time ? `${value.date} ${value.time}` : value.date
  if (isTimeCell(value)) return value.time
  return value
}

/**
 * A text cell that a spreadsheet program would run as a formula (=, +, -, @, and tab/CR that some programs strip
 * first) gets a leading apostrophe, so it shows as the text it is (OWASP "CSV injection"). Numbers stay numbers, and a
 * lone '-' stays as it is.
 */
export function neutraliseCell(value: Cell): Exclude<Cell, undefined> {
  if (value === undefined) return null
  if (typeof value !== 'string') return value
  // A lone '-' (the day grid's "nothing to count") is text to every program.
  return value !== '-' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

export interface Sheet {
  name: string
  /** The first row is the header. */
  rows: Cell[][]
  /** Column widths in characters, optional. */
  widths?: number[]
  /** Styled .xlsx only: how many rows at the top are the header (bold, filled, frozen); 1 unless said, 0 for none. */
  headerRows?: number
  /** Styled .xlsx only: columns frozen at the left with the header (the names of a grid). */
  frozenColumns?: number
  /** Styled .xlsx only: the number format of date cells without their own (default yyyy-mm-dd). */
  dateFormat?: string
  /** Styled .xlsx only: a cell's own look (the grid's letters), by its 0-based row and column and its value. */
  cellStyle?: (row: number, column: number, value: Cell) => Partial<ExcelJS.Style> | undefined
  /** Styled .xlsx only: print the sheet landscape, one page wide. */
  landscape?: boolean
}

// The two workbook libraries are loaded when a workbook is first written, not when the server starts: together they
// were about 0.5 s of CPU in every start (a restart at the gate, each process a test starts) for something most
// processes never do.
const sheetJs = () => import('xlsx')
const excelJs = async () => (await import('exceljs')).default

/** An .xlsx workbook of the given sheets, every text cell neutralised. */
export async function toXlsx(sheets: Sheet[]): Promise<Buffer> {
  const XLSX = await sheetJs()
  const book = XLSX.utils.book_new()
  for (const sheet of sheets) {
    const ws = XLSX.utils.aoa_to_sheet(sheet.rows.map((row) => row.map((v) => neutraliseCell(plain(v)))), { cellDates: true })
    if (sheet.widths) ws['!cols'] = sheet.widths.map((wch) => ({ wch }))
    // Sheet names: at most 31 characters, none of []:*?/\ .
    XLSX.utils.book_append_sheet(book, ws, sheet.name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet')
  }
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer
}

const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet'

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F2' } }
const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF8EA9C8' } } }

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number]
  return h * 60 + m
}

/** Days since 1899-12-30 (Excel's serial date) of a YYYY-MM-DD, exactly, whatever the server's zone. */
function serialDay(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return Date.UTC(y, m - 1, d) / 86_400_000 + 25_569
}

/**
 * An .xlsx workbook of the given sheets with a look (exceljs; SheetJS community writes no styles): the header rows bold
 * on a fill and frozen (with `frozenColumns`), column widths, days and times as real date and time cells, every text
 * cell neutralised as in `toXlsx`.
 */
export async function toStyledXlsx(sheets: Sheet[]): Promise<Buffer> {
  const ExcelJS = await excelJs()
  const book = new ExcelJS.Workbook()
  book.creator = 'Hadir'
  for (const sheet of sheets) {
    const header = sheet.headerRows ?? 1
    const ws = book.addWorksheet(sheetName(sheet.name), {
      views: header || sheet.frozenColumns ? [{ state: 'frozen', xSplit: sheet.frozenColumns ?? 0, ySplit: header }] : [],
      // A4 landscape, one page wide, the header rows repeated on every printed page.
      pageSetup: sheet.landscape
        ? { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: header ? `1:${header}` : undefined, margins: { left: 0.3, right: 0.3, top: 0.4, bottom: 0.4, header: 0.2, footer: 0.2 } }
        : undefined,
    })
    if (sheet.widths) ws.columns = sheet.widths.map((width) => ({ width }))
    sheet.rows.forEach((values, r) => {
      const row = ws.getRow(r + 1)
      values.forEach((value, c) => {
        const cell = row.getCell(c + 1)
        if (isDateCell(value)) {
          cell.value = serialDay(value.date) + (value.time ? minutesOf(value.time) / 1440 : 0)
          cell.numFmt = value.format ?? sheet.dateFormat ?? 'yyyy-mm-dd'
        } else if (isTimeCell(value)) {
          cell.value = minutesOf(value.time) / 1440
          cell.numFmt = 'hh:mm'
        } else {
          cell.value = neutraliseCell(value) as string | number | boolean | Date | null
        }
        if (r < header) {
          cell.font = { bold: true }
          cell.fill = HEADER_FILL
          cell.border = HEADER_BORDER
          cell.alignment = { vertical: 'middle', wrapText: true }
        }
        const own = sheet.cellStyle?.(r, c, value)
        if (own) Object.assign(cell, own)
      })
    })
  }
  return Buffer.from(await book.xlsx.writeBuffer())
}

function csvField(value: Cell): string {
  const v = neutraliseCell(plain(value))
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
