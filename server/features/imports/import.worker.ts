import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'

/**
 * Reading an uploaded spreadsheet. `xlsx` 0.18.5 has known read-path flaws (prototype pollution, ReDoS), so every
 * upload is parsed in a throwaway worker thread: capped heap, a time limit (the worker is terminated), a cap on the
 * file size and on what its zip unpacks to (zip bombs), a check that parsing left the built-in prototypes as they
 * were, and only plain strings come back. The main thread never calls XLSX.read.
 */

export interface ParseLimits {
  /** Largest upload accepted, in bytes. */
  maxFileBytes: number
  /** Data rows (the header row aside). */
  maxRows: number
  /** Columns read per row; the rest are ignored. */
  maxColumns: number
  /** Characters kept per cell (longer values are cut to one more than this, so validation still sees them as too long). */
  maxCellChars: number
  /** What all the entries of an .xlsx (a zip) may unpack to, together. */
  maxUnzippedBytes: number
  maxZipEntries: number
  timeoutMs: number
  maxOldGenerationSizeMb: number
  maxYoungGenerationSizeMb: number
}

export const IMPORT_LIMITS: ParseLimits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxRows: 10_000,
  maxColumns: 40,
  maxCellChars: 1_000,
  maxUnzippedBytes: 64 * 1024 * 1024,
  maxZipEntries: 500,
  timeoutMs: 30_000,
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
}

export type SpreadsheetFormat = 'xlsx' | 'csv'

export type ParseErrorCode = 'IMPORT_FILE_INVALID' | 'IMPORT_TOO_LARGE' | 'IMPORT_TOO_MANY_ROWS' | 'IMPORT_TIMEOUT' | 'IMPORT_EMPTY'

export interface ParsedRow {
  /** The row's number as the spreadsheet shows it (1 = the header). */
  n: number
  cells: string[]
}

export type ParseResult =
  | { ok: true; format: SpreadsheetFormat; sheet: string | null; header: string[]; rows: ParsedRow[] }
  | { ok: false; code: ParseErrorCode; message: string }

/** What the bytes are: an .xlsx (a zip), an old binary .xls (refused), or text we read as CSV. */
export function sniffFormat(data: Uint8Array): SpreadsheetFormat | 'xls' | 'unknown' {
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) return 'xlsx'
  if (data.length >= 8 && data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0) return 'xls'
  // Text: no NUL bytes in the first 4 KB (UTF-16 files and binaries have them).
  const head = data.subarray(0, 4096)
  for (const byte of head) if (byte === 0) return 'unknown'
  return 'csv'
}

// ---------------------------------------------------------------------------------------------------------------
// The worker's program. It runs inside the worker as `(workerMain)(require)`, so it must not use anything from this
// module's scope; `req` is the worker's own require (never written as `require(...)` here, which a bundler rewrites).

/* eslint-disable @typescript-eslint/no-explicit-any */
function workerMain(req: (id: string) => any): void {
  const { parentPort, workerData } = req('node:worker_threads')
  const zlib = req('node:zlib')
  const { bytes, format, limits, xlsxPath } = workerData as { bytes: Uint8Array; format: 'xlsx' | 'csv'; limits: ParseLimits; xlsxPath: string }

  class Refusal extends Error {
    constructor(
      readonly code: string,
      message: string,
    ) {
      super(message)
    }
  }
  const invalid = (why: string) => new Refusal('IMPORT_FILE_INVALID', why)

  function cut(text: string): string {
    return text.length > limits.maxCellChars ? text.slice(0, limits.maxCellChars + 1) : text
  }

  /** Walks the zip's central directory and inflates every entry with a hard output cap: a zip bomb stops here. */
  function checkZip(buf: Uint8Array): void {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    const u16 = (at: number) => {
      if (at < 0 || at + 2 > buf.length) throw invalid('The zip structure is damaged')
      return view.getUint16(at, true)
    }
    const u32 = (at: number) => {
      if (at < 0 || at + 4 > buf.length) throw invalid('The zip structure is damaged')
      return view.getUint32(at, true)
    }
    let eocd = -1
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
      if (u32(i) === 0x06054b50) {
        eocd = i
        break
      }
    }
    if (eocd < 0) throw invalid('This is not a complete .xlsx file')
    const entries = u16(eocd + 10)
    const cdOffset = u32(eocd + 16)
    if (entries === 0xffff || cdOffset === 0xffffffff) throw invalid('ZIP64 files are not supported')
    if (entries > limits.maxZipEntries) throw new Refusal('IMPORT_TOO_LARGE', 'The file holds too many parts')
    let total = 0
    let p = cdOffset
    for (let i = 0; i < entries; i++) {
      if (u32(p) !== 0x02014b50) throw invalid('The zip directory is damaged')
      const flags = u16(p + 8)
      const method = u16(p + 10)
      const compressed = u32(p + 20)
      const nameLength = u16(p + 28)
      const extraLength = u16(p + 30)
      const commentLength = u16(p + 32)
      const local = u32(p + 42)
      p += 46 + nameLength + extraLength + commentLength
      if (flags & 0x1) throw invalid('Encrypted files are not supported')
      if (u32(local) !== 0x04034b50) throw invalid('The zip entries are damaged')
      const start = local + 30 + u16(local + 26) + u16(local + 28)
      if (start + compressed > buf.length) throw invalid('The zip entries are damaged')
      const data = buf.subarray(start, start + compressed)
      const budget = limits.maxUnzippedBytes - total
      if (method === 0) total += compressed
      else if (method === 8) {
        try {
          total += zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, budget) }).length
        } catch (error) {
          if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
            throw new Refusal('IMPORT_TOO_LARGE', 'The file unpacks to far more data than a member list needs')
          }
          throw invalid('A part of the file could not be unpacked')
        }
      } else throw invalid('The file uses an unsupported compression')
      if (total > limits.maxUnzippedBytes) throw new Refusal('IMPORT_TOO_LARGE', 'The file unpacks to far more data than a member list needs')
    }
  }

  function cellText(cell: any): string {
    if (!cell || typeof cell !== 'object') return ''
    // A formula is never evaluated: its text is the value, like any other text.
    if (typeof cell.f === 'string' && cell.f !== '') return cut('=' + cell.f)
    const v = cell.v
    if (v === undefined || v === null) return ''
    if (typeof v === 'string') return cut(v)
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE'
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10)
    return ''
  }

  function readXlsx(): { sheet: string | null; table: { n: number; cells: string[] }[] } {
    checkZip(bytes)
    const XLSX = req(xlsxPath)
    let book: any
    try {
      book = XLSX.read(bytes, {
        type: 'buffer',
        sheets: 0,
        cellFormula: true,
        cellHTML: false,
        cellNF: false,
        cellStyles: false,
        cellText: false,
        cellDates: true,
        bookVBA: false,
      })
    } catch {
      throw invalid('The file could not be read as an Excel workbook')
    }
    const name = Array.isArray(book?.SheetNames) ? book.SheetNames[0] : undefined
    const sheet = name === undefined ? undefined : book.Sheets?.[name]
    if (!sheet || typeof sheet['!ref'] !== 'string') return { sheet: typeof name === 'string' ? name : null, table: [] }
    // Walk the cells that exist, not the declared range: a sheet may claim a million rows and hold three.
    const byRow = new Map<number, Map<number, string>>()
    for (const address of Object.keys(sheet)) {
      if (address.startsWith('!')) continue
      const { r, c } = XLSX.utils.decode_cell(address)
      if (!(r >= 0) || !(c >= 0) || c >= limits.maxColumns) continue
      const text = cellText(sheet[address])
      if (text.trim() === '') continue
      let cells = byRow.get(r)
      if (!cells) {
        // The header row and at most maxRows data rows.
        if (byRow.size >= limits.maxRows + 1) throw new Refusal('IMPORT_TOO_MANY_ROWS', `The file has more than ${limits.maxRows} rows`)
        cells = new Map()
        byRow.set(r, cells)
      }
      cells.set(c, text)
    }
    const rowNumbers = [...byRow.keys()].sort((a, b) => a - b)
    const table = rowNumbers.map((r) => {
      const cells = byRow.get(r)!
      const width = Math.max(...cells.keys()) + 1
      const out: string[] = []
      for (let c = 0; c < width; c++) out.push(cells.get(c) ?? '')
      return { n: r + 1, cells: out }
    })
    return { sheet: typeof name === 'string' ? name : null, table }
  }

  function decodeText(buf: Uint8Array): string {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf)
    } catch {
      // Excel on Windows saves CSV in the ANSI code page.
      return new TextDecoder('windows-1252').decode(buf)
    }
  }

  /** RFC 4180 CSV; the delimiter (comma, semicolon as Excel in Indonesian uses, or tab) is read from the header line. */
  function readCsv(): { sheet: null; table: { n: number; cells: string[] }[] } {
    const text = decodeText(bytes)
    let firstLine = ''
    let quoted = false
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]
      if (ch === '"') quoted = !quoted
      else if (!quoted && (ch === '\n' || ch === '\r')) break
      else if (!quoted) firstLine += ch
    }
    const counts: [string, number][] = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1])
    counts.sort((a, b) => b[1] - a[1])
    const delimiter = counts[0]![1] > 0 ? counts[0]![0] : ','

    const table: { n: number; cells: string[] }[] = []
    let row: string[] = []
    let field = ''
    let inQuotes = false
    let line = 1
    let rowLine = 1
    let dataRows = 0
    const endField = () => {
      if (row.length < limits.maxColumns) row.push(cut(field))
      field = ''
    }
    const endRow = () => {
      endField()
      if (row.some((c) => c.trim() !== '')) {
        if (table.length > 0 && ++dataRows > limits.maxRows) throw new Refusal('IMPORT_TOO_MANY_ROWS', `The file has more than ${limits.maxRows} rows`)
        table.push({ n: rowLine, cells: row })
      }
      row = []
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i++
          } else inQuotes = false
        } else {
          if (ch === '\n') line++
          if (field.length <= limits.maxCellChars) field += ch
        }
      } else if (ch === '"' && field === '') inQuotes = true
      else if (ch === delimiter) endField()
      else if (ch === '\r' || ch === '\n') {
        if (ch === '\r' && text[i + 1] === '\n') i++
        endRow()
        line++
        rowLine = line
      } else if (field.length <= limits.maxCellChars) field += ch
    }
    if (inQuotes) throw invalid(`A quoted value that starts on line ${rowLine} never ends`)
    if (field !== '' || row.length > 0) endRow()
    return { sheet: null, table }
  }

  // What every object inherits, as it is before parsing. A file that makes the parser change it (prototype
  // pollution) is refused; the worker, polluted or not, is thrown away either way. (Freezing the prototypes instead
  // would break legitimate files: xlsx could no longer store a sheet named "constructor" or "toString".)
  const guarded = [Object.prototype, Array.prototype, Function.prototype, String.prototype]
  const fingerprint = () =>
    guarded.map((proto) =>
      Reflect.ownKeys(proto).map((key) => {
        const d = Object.getOwnPropertyDescriptor(proto, key)!
        return [key, d.value, d.get, d.set] as const
      }),
    )
  const before = fingerprint()
  const untouched = () => {
    const after = fingerprint()
    return after.every((props, i) => props.length === before[i]!.length && props.every((p, j) => p.every((x, k) => x === before[i]![j]![k])))
  }

  try {
    const { sheet, table } = format === 'xlsx' ? readXlsx() : readCsv()
    if (!untouched()) throw invalid('The file tried to change how the reader works')
    if (table.length === 0) {
      parentPort.postMessage({ ok: false, code: 'IMPORT_EMPTY', message: 'The file has no rows' })
      return
    }
    const [head, ...rows] = table
    parentPort.postMessage({ ok: true, format, sheet, header: head!.cells.map((h) => String(h)), rows })
  } catch (error) {
    if (error instanceof Refusal) parentPort.postMessage({ ok: false, code: error.code, message: error.message })
    else parentPort.postMessage({ ok: false, code: 'IMPORT_FILE_INVALID', message: 'The file could not be read' })
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// Transpilers that keep function names (tsx, esbuild's keepNames) wrap functions in a `__name` helper of their own
// module: the worker gets a stand-in.
const WORKER_SOURCE = `'use strict'; var __name = (target) => target; (${workerMain.toString()})(require)`
const XLSX_PATH = createRequire(import.meta.url).resolve('xlsx')

// At most two files are parsed at once (each worker may use a core and a few hundred MB); others wait their turn.
const MAX_PARALLEL = 2
let running = 0
const waiting: (() => void)[] = []

async function slot<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await task()
  } finally {
    running--
    waiting.shift()?.()
  }
}

/** Parses an upload in a throwaway worker. Never throws: a refusal comes back as `{ ok: false, code, message }`. */
export function parseSpreadsheet(data: Uint8Array, format: SpreadsheetFormat, overrides: Partial<ParseLimits> = {}): Promise<ParseResult> {
  const limits = { ...IMPORT_LIMITS, ...overrides }
  if (data.byteLength > limits.maxFileBytes) {
    return Promise.resolve({ ok: false, code: 'IMPORT_TOO_LARGE', message: `The file is larger than ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB` })
  }
  return slot(
    () =>
      new Promise<ParseResult>((resolve) => {
        let settled = false
        const copy = new Uint8Array(data) // the worker gets its own copy, transferred
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { bytes: copy, format, limits, xlsxPath: XLSX_PATH },
          transferList: [copy.buffer],
          resourceLimits: {
            maxOldGenerationSizeMb: limits.maxOldGenerationSizeMb,
            maxYoungGenerationSizeMb: limits.maxYoungGenerationSizeMb,
            stackSizeMb: 4,
          },
          stdout: true,
          stderr: true,
        })
        const finish = (result: ParseResult) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          void worker.terminate()
          resolve(result)
        }
        const timer = setTimeout(
          () => finish({ ok: false, code: 'IMPORT_TIMEOUT', message: `Reading the file took longer than ${Math.round(limits.timeoutMs / 1000)} seconds` }),
          limits.timeoutMs,
        )
        worker.on('message', (message: ParseResult) => finish(message))
        worker.on('error', (error: Error & { code?: string }) => {
          if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') finish({ ok: false, code: 'IMPORT_TOO_LARGE', message: 'The file needs more memory to read than an import may use' })
          else finish({ ok: false, code: 'IMPORT_FILE_INVALID', message: 'The file could not be read' })
        })
        worker.on('exit', () => finish({ ok: false, code: 'IMPORT_FILE_INVALID', message: 'The file could not be read' }))
      }),
  )
}
