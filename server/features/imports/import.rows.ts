// Member import, reading the sheet: the columns and their header spellings, and each row's validation (zod). What each
// row would do is import.plan.ts; writing it, import.apply.ts. An empty cell leaves a field as it is.
import { z } from 'zod'
import { AppError } from '../../errors'
import type { ParseErrorCode, ParsedRow } from './import.worker'

import { IMPORT_COLUMNS, type ImportColumn, roleOfWord } from '../../../shared/members/import'

export { IMPORT_COLUMNS, type ImportColumn }

/** Header spellings accepted for each column (after normaliseHeader): the template's, and common Indonesian ones. */
const HEADER_ALIASES: Record<ImportColumn, string[]> = {
  name: ['name', 'full_name', 'nama', 'nama_lengkap'],
  email: ['email', 'e_mail', 'email_address', 'alamat_email', 'surel'],
  phone: ['phone', 'phone_number', 'telepon', 'telp', 'no_telepon', 'nomor_telepon', 'hp', 'no_hp', 'nomor_hp', 'whatsapp', 'no_wa'],
  member_number: ['member_number', 'number', 'id_number', 'nomor_anggota', 'no_anggota', 'nomor_induk', 'nis', 'nisn', 'nip', 'nik_karyawan', 'nomor'],
  department: ['department', 'departemen', 'divisi', 'bagian', 'unit', 'kelas'],
  position: ['position', 'job_title', 'jabatan', 'posisi'],
  role: ['role', 'peran'],
}

export const MAX_LENGTH: Record<ImportColumn, number> = {
  name: 120,
  email: 254,
  phone: 40,
  member_number: 60,
  department: 120,
  position: 120,
  role: 20,
}

export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '')
}

function columnOf(header: string): ImportColumn | null {
  const key = normaliseHeader(header)
  for (const column of IMPORT_COLUMNS) if (HEADER_ALIASES[column].includes(key)) return column
  return null
}

export interface ColumnMap {
  /** Column -> its index in the row. */
  index: Partial<Record<ImportColumn, number>>
  /** Column -> the header text as written in the file. */
  headers: Partial<Record<ImportColumn, string>>
  ignored: string[]
}

export class ImportError extends AppError {}

export function parseFailure(code: ParseErrorCode, message: string): ImportError {
  const status = code === 'IMPORT_TOO_LARGE' ? 413 : 422
  return new ImportError(status, code, message)
}

function mapHeader(header: string[]): ColumnMap | null {
  const map: ColumnMap = { index: {}, headers: {}, ignored: [] }
  header.forEach((text, i) => {
    const column = columnOf(text)
    if (column && map.index[column] === undefined) {
      map.index[column] = i
      map.headers[column] = text.trim()
    } else if (text.trim() !== '') map.ignored.push(text.trim().slice(0, 60))
  })
  return map.index.name === undefined ? null : map
}

export interface SourceRow {
  n: number
  values: Record<ImportColumn, string>
}

/** The header (the first of the top rows that names a `name` column, so a title row above it is fine) and the rows. */
export function readTable(header: string[], rows: ParsedRow[]): { columns: ColumnMap; rows: SourceRow[] } {
  const all = [{ n: 0, cells: header }, ...rows]
  for (let i = 0; i < Math.min(all.length, 10); i++) {
    const columns = mapHeader(all[i]!.cells)
    if (!columns) continue
    const source = all.slice(i + 1).map((row) => {
      const values = {} as Record<ImportColumn, string>
      for (const column of IMPORT_COLUMNS) {
        const at = columns.index[column]
        values[column] = at === undefined ? '' : unneutralise((row.cells[at] ?? '').trim())
      }
      return { n: row.n, values }
    })
    return { columns, rows: source }
  }
  throw new ImportError(422, 'IMPORT_COLUMNS_MISSING', 'The file has no "name" column. Start from the template.', {
    missing: ['name'],
    found: header.map((h) => h.trim()).filter(Boolean).slice(0, 40),
    expected: [...IMPORT_COLUMNS],
  })
}

/** Hadir's own exports put an apostrophe before text that looks like a formula; reading it back takes it off again. */
function unneutralise(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value
}

// ---------------------------------------------------------------------------------------------------------------
// Row validation

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const NO_CONTROL = /^[^\u0000-\u001F\u007F]*$/
const isEmail = (v: string) => z.email().safeParse(v).success

/** Each column's rule; an issue's message is the stable reason code the dashboard translates. */
export const rowSchema = z.object({
  name: z.string().min(1, 'required').max(MAX_LENGTH.name, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  email: z
    .string()
    .max(MAX_LENGTH.email, 'too_long')
    .transform((v) => v.toLowerCase())
    .refine((v) => v === '' || isEmail(v), 'invalid_email'),
  phone: z.string().max(MAX_LENGTH.phone, 'too_long').regex(/^[0-9+()\-./\s]*$/, 'invalid_phone'),
  member_number: z.string().max(MAX_LENGTH.member_number, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  department: z.string().max(MAX_LENGTH.department, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  position: z.string().max(MAX_LENGTH.position, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  role: z
    .string()
    .refine((v) => roleOfWord(v) !== null, 'invalid_role')
    .transform((v) => roleOfWord(v) ?? ''),
})
export type RowValues = z.infer<typeof rowSchema>

const REASONS: Record<string, string> = {
  required: 'Required',
  too_long: 'Too long',
  invalid_text: 'Contains control characters',
  invalid_email: 'Not a valid email address',
  invalid_phone: 'Not a phone number (digits, spaces, + - ( ) only)',
  invalid_role: 'Must be a member word (member, siswa, guru, pegawai...) or "petugas"',
  identifier_required: 'Give a member number or an email, so the row can be matched next time',
  duplicate_in_file: 'The same value is on an earlier row of this file',
  duplicate_member: 'An earlier row of this file already changes this member',
  email_taken: 'This email belongs to another person',
  number_taken: 'Another member already has this number',
  staff_account: 'This email belongs to a dashboard user of this organization',
  own_account: 'This person joined with their own account, so only they can change their name, email and phone',
}

export interface RowError {
  column: ImportColumn
  code: string
  message: string
  /** For too_long: the limit. For duplicate_in_file / duplicate_member: the earlier row. */
  max?: number
  row?: number
}

export function rowError(column: ImportColumn, code: string, extra: { row?: number } = {}): RowError {
  const message = code === 'too_long' ? `At most ${MAX_LENGTH[column]} characters` : (REASONS[code] ?? code)
  return { column, code, message, ...(code === 'too_long' ? { max: MAX_LENGTH[column] } : {}), ...extra }
}
