import { describe, expect, it } from 'vitest'
import { IMPORT_COLUMNS, IMPORT_HEADERS, roleOfWord } from './import'

describe('the role column of a member import', () => {
  it('reads the words a school or office writes', () => {
    for (const word of ['siswa', 'Guru', 'PEGAWAI', ' karyawan ', 'anggota', 'member', 'murid', 'staf']) expect(roleOfWord(word), word).toBe('member')
    for (const word of ['petugas', 'Petugas', 'officer']) expect(roleOfWord(word), word).toBe('petugas')
    expect(roleOfWord('')).toBe('')
    expect(roleOfWord('  ')).toBe('')
    expect(roleOfWord('kepala sekolah')).toBeNull()
    expect(roleOfWord('admin')).toBeNull()
  })

  it('has a header for every column in both languages', () => {
    for (const lang of ['id', 'en'] as const) expect(Object.keys(IMPORT_HEADERS[lang]).sort()).toEqual([...IMPORT_COLUMNS].sort())
    expect(IMPORT_COLUMNS.map((c) => IMPORT_HEADERS.id[c])).toEqual(['nama', 'email', 'telepon', 'nomor_anggota', 'departemen', 'jabatan', 'peran'])
  })
})
