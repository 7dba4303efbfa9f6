// The spreadsheet parser that runs inside the import's throwaway worker thread (started by import.worker.ts).
import type { ParseLimits } from './import.worker'

// The worker's program. It runs inside the worker as `(workerMain)(require)`, so it must not use anything from this
// module's scope; `req` is the worker's own require (never written as `require(...)` here, which a bundler rewrites).

export function workerMain(req: (id: string) => any): void {
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
      if (u32(i) === 0x06054B50) {
        eocd = i
        break
      }
    }
    if (eocd < 0) throw invalid('This is not a complete .xlsx file')
    const entries = u16(eocd + 10)
    const cdOffset = u32(eocd + 16)
    if (entries === 0xFFFF || cdOffset === 0xFFFFFFFF) throw invalid('ZIP64 files are not supported')
    if (entries > limits.maxZipEntries) throw new Refusal('IMPORT_TOO_LARGE', 'The file holds too many parts')
    let total = 0
    let p = cdOffset
    for (let i = 0; i < entries; i++) {
      if (u32(p) !== 0x02014B50) throw invalid('The zip directory is damaged')
      const flags = u16(p + 8)
      const method = u16(p + 10)
      const compressed = u32(p + 20)
      const nameLength = u16(p + 28)
      const extraLength = u16(p + 30)
      const commentLength = u16(p + 32)
      const local = u32(p + 42)
      p += 46 + nameLength + extraLength + commentLength
      if (flags & 0x1) throw invalid('Encrypted files are not supported')
      if (u32(local) !== 0x04034B50) throw invalid('The zip entries are damaged')
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
    if (typeof cell.f === 'string' && cell.f !== '') return cut(`=${cell.f}`)
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
