// Member import (Excel/CSV): the template's columns in order and the largest file accepted, for the server's reader
// and the dashboard's upload screen.

/** The template's columns, in order (a file's headers are matched to these, also by their Indonesian names). */
export const IMPORT_COLUMNS = ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'] as const
export type ImportColumn = (typeof IMPORT_COLUMNS)[number]

/**
 * The template's header row in each language. The Indonesian template is written in Indonesian; a file's headers are
 * matched in either language (and by common spellings: nis, nip, kelas...), so an edited export imports back.
 */
export const IMPORT_HEADERS: Record<'id' | 'en', Record<ImportColumn, string>> = {
  id: { name: 'nama', email: 'email', phone: 'telepon', member_number: 'nomor_anggota', department: 'departemen', position: 'jabatan', role: 'peran' },
  en: { name: 'name', email: 'email', phone: 'phone', member_number: 'member_number', department: 'department', position: 'position', role: 'role' },
}

/**
 * The words a school or office writes in the role column, and the role each means: pupils, teachers and staff all check
 * in as members; petugas record others on a tablet. Matched without case.
 */
export const ROLE_WORDS: Record<'member' | 'petugas', readonly string[]> = {
  member: ['member', 'anggota', 'siswa', 'murid', 'pelajar', 'mahasiswa', 'guru', 'pengajar', 'dosen', 'pegawai', 'karyawan', 'staf', 'staff', 'student', 'teacher', 'employee'],
  petugas: ['petugas', 'officer', 'operator'],
}

/** The role a role cell means ('' for an empty cell), or null when it is none of ROLE_WORDS. */
export function roleOfWord(cell: string): '' | 'member' | 'petugas' | null {
  const word = cell.trim().toLowerCase()
  if (word === '') return ''
  if (ROLE_WORDS.member.includes(word)) return 'member'
  if (ROLE_WORDS.petugas.includes(word)) return 'petugas'
  return null
}

/** The largest file an import reads (5 MB); the dashboard refuses a larger one before uploading it. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024
