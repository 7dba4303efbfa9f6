import type { Cell } from '../../lib/spreadsheet'
import { toCsv, toXlsx } from '../../lib/spreadsheet'
import type { MemberView } from '../members/members.queries'
import { IMPORT_HEADERS } from '../../../shared/members/import'
import { IMPORT_COLUMNS, MAX_LENGTH } from './import.rows'

/**
 * The member spreadsheets Hadir writes: the import template and the export. Both use the import's column names, so
 * an export can be edited and imported back (the extra export columns are ignored on import).
 */

export type SheetLanguage = 'id' | 'en'

const TEXT = {
  id: {
    sheet: 'Anggota',
    help: 'Petunjuk',
    column: 'Kolom',
    required: 'Wajib',
    yes: 'ya',
    no: 'tidak',
    meaning: 'Isi',
    descriptions: {
      name: 'Nama lengkap anggota.',
      email: 'Email anggota. Dipakai untuk mencocokkan bila nomor anggota kosong.',
      phone: 'Nomor telepon (angka, spasi, + - ( ) saja).',
      member_number: 'Nomor anggota (NIS, NIP, nomor karyawan). Baris dicocokkan dengan anggota lewat nomor ini.',
      department: 'Nama departemen atau kelas. Yang belum ada akan dibuat.',
      position: 'Nama jabatan. Yang belum ada akan dibuat.',
      role: 'siswa, guru, pegawai atau anggota (semuanya anggota yang absen sendiri), atau petugas (mencatat absensi orang lain di tablet). Kosong berarti anggota untuk anggota baru.',
    },
    notes: [
      'Setiap baris perlu nomor anggota atau email.',
      'Baris dicocokkan lewat nomor anggota, lalu lewat email. Baris yang cocok memperbarui anggota itu; yang tidak cocok menjadi anggota baru.',
      'Sel kosong tidak mengubah data yang sudah ada.',
      'Rumus tidak dijalankan: isinya dibaca sebagai teks.',
      'Paling banyak 10.000 baris dan 5 MB per berkas (.xlsx atau .csv).',
      'Ganti baris contoh dengan data Anda sendiri.',
    ],
    departments: 'Departemen yang sudah ada',
    positions: 'Jabatan yang sudah ada',
    example: ['Siti Rahayu', 'siti.rahayu@contoh.sch.id', '0812-3456-7890', '2024-001', 'Kelas X IPA 1', 'Siswa', 'siswa'],
    more: ['status', 'wajah_terdaftar', 'absen_terakhir'],
  },
  en: {
    sheet: 'Members',
    help: 'Instructions',
    column: 'Column',
    required: 'Required',
    yes: 'yes',
    no: 'no',
    meaning: 'What to write',
    descriptions: {
      name: 'The member\'s full name.',
      email: 'The member\'s email. Used to match the row when there is no member number.',
      phone: 'Phone number (digits, spaces, + - ( ) only).',
      member_number: 'Member number (student, staff or employee number). Rows are matched to members by it.',
      department: 'Department or class name. Missing ones are created.',
      position: 'Position name. Missing ones are created.',
      role: 'member (also student, teacher, employee: everyone who checks in) or petugas (records others on a tablet). Empty means member for a new member.',
    },
    notes: [
      'Every row needs a member number or an email.',
      'Rows are matched by member number, then by email. A matching row updates that member; any other row adds a new member.',
      'An empty cell leaves existing data as it is.',
      'Formulas are not run: their text is read as text.',
      'At most 10,000 rows and 5 MB per file (.xlsx or .csv).',
      'Replace the example row with your own data.',
    ],
    departments: 'Existing departments',
    positions: 'Existing positions',
    example: ['Siti Rahayu', 'siti.rahayu@example.com', '0812-3456-7890', '2024-001', 'Class X Science 1', 'Student', 'member'],
    more: ['status', 'face_registered', 'last_attendance'],
  },
} as const

const WIDTHS = [28, 30, 18, 16, 22, 18, 10]

export function importTemplate(lang: SheetLanguage, departments: string[], positions: string[]): Promise<Buffer> {
  const text = TEXT[lang]
  const help: Cell[][] = [[text.column, text.required, text.meaning]]
  const header = IMPORT_COLUMNS.map((column) => IMPORT_HEADERS[lang][column])
  for (const column of IMPORT_COLUMNS) {
    help.push([IMPORT_HEADERS[lang][column], column === 'name' ? text.yes : text.no, `${text.descriptions[column]} (≤ ${MAX_LENGTH[column]})`])
  }
  help.push([])
  for (const note of text.notes) help.push([note])
  if (departments.length > 0) help.push([], [text.departments], ...departments.map((d) => [d]))
  if (positions.length > 0) help.push([], [text.positions], ...positions.map((p) => [p]))
  return toXlsx([
    { name: text.sheet, rows: [header, [...text.example]], widths: WIDTHS },
    { name: text.help, rows: help, widths: [24, 10, 90] },
  ])
}

/** The export's columns: the import's (in the sheet's language) and three it ignores on the way back. */
function exportRows(members: MemberView[], lang: SheetLanguage): Cell[][] {
  const text = TEXT[lang]
  const role = (r: string) => (r === 'member' && lang === 'id' ? 'anggota' : r)
  return [
    [...IMPORT_COLUMNS.map((column) => IMPORT_HEADERS[lang][column]), ...text.more],
    ...members.map((m) => [
      m.name,
      m.email,
      m.phone,
      m.member_number,
      m.department,
      m.position,
      m.roles.filter((r) => r === 'member' || r === 'petugas').map(role).join(', '),
      m.status,
      m.face_registered ? text.yes : text.no,
      m.last_attendance,
    ]),
  ]
}

/** The members as .xlsx or .csv; every text cell neutralised against formula injection by server/lib/spreadsheet. */
export async function membersExport(members: MemberView[], format: 'xlsx' | 'csv', lang: SheetLanguage): Promise<Buffer | string> {
  const rows = exportRows(members, lang)
  if (format === 'csv') return toCsv(rows)
  return toXlsx([{ name: TEXT[lang].sheet, rows, widths: [...WIDTHS, 10, 14, 24] }])
}
