import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { workerMain } from './import.worker-program'
import { MAX_IMPORT_BYTES } from '../../../shared/members/import'

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
  maxFileBytes: MAX_IMPORT_BYTES,
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
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4B && data[2] === 0x03 && data[3] === 0x04) return 'xlsx'
  if (data.length >= 8 && data[0] === 0xD0 && data[1] === 0xCF && data[2] === 0x11 && data[3] === 0xE0) return 'xls'
  // Text: no NUL bytes in the first 4 KB (UTF-16 files and binaries have them).
  const head = data.subarray(0, 4096)
  for (const byte of head) if (byte === 0) return 'unknown'
  return 'csv'
}

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
