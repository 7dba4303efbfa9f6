// Deterministic demo content: Indonesian names and plausible attendance (most on time, some late, a few absent).
import { addDays, isoWeekday } from '../../shared/calendar'

export const DEMO_DEPARTMENTS = [
  { name: 'Kelas X IPA', code: 'X-IPA' },
  { name: 'Kelas XI IPS', code: 'XI-IPS' },
  { name: 'Kelas XII IPA', code: 'XII-IPA' },
  { name: 'Guru dan Staf', code: 'GTK' },
  { name: 'Tata Usaha', code: 'TU' },
]
export const DEMO_POSITIONS = ['Kepala Sekolah', 'Guru', 'Siswa', 'Staf Administrasi', 'Wakil Kepala Sekolah']

/** The dashboard staff (indexes into DEMO_DEPARTMENTS and DEMO_POSITIONS). */
export const DEMO_STAFF = [
  { role: 'support', name: 'Sri Wahyuni', department: 4, position: 3 },
  { role: 'manager', name: 'Bambang Sutrisno', department: 3, position: 4 },
] as const

/**
 * Member i's department (an index into DEMO_DEPARTMENTS): most are pupils in the three classes, every fifth a teacher
 * and every tenth on the administration staff; the first is the principal (a teacher), the demo phone's member.
 */
export function demoDepartmentOf(i: number): number {
  if (i === 0 || i % 5 === 1) return 3
  if (i % 10 === 2) return 4
  return i % 3
}

/** Member i's position, which follows the department: the principal, teachers, pupils, administration staff. */
export function demoPositionOf(i: number): number {
  if (i === 0) return 0
  return [2, 2, 2, 1, 3][demoDepartmentOf(i)]!
}

const FIRST = ['Adi', 'Ayu', 'Bagus', 'Bayu', 'Citra', 'Dewi', 'Dimas', 'Eka', 'Fajar', 'Fitri', 'Gilang', 'Hana', 'Indah', 'Joko', 'Kartika', 'Lestari', 'Made', 'Nanda', 'Nur', 'Putri', 'Rizky', 'Sari', 'Tri', 'Wahyu', 'Yoga', 'Yuni']
const LAST = ['Pratama', 'Saputra', 'Wijaya', 'Santoso', 'Hidayat', 'Lestari', 'Kurniawan', 'Permata', 'Nugroho', 'Siregar', 'Wulandari', 'Setiawan', 'Rahmawati', 'Gunawan', 'Hasibuan', 'Putra', 'Anggraini']

/** A small seeded PRNG so the demo is the same every time. */
export function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function demoPeople(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]}`,
    number: `DM-${String(i + 1).padStart(4, '0')}`,
  }))
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h! * 60 + m!
}
function clock(total: number): string {
  const t = Math.max(0, Math.min(total, 23 * 60 + 59))
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}:00`
}

/** The calendar date (YYYY-MM-DD) and ISO weekday (1-7) `daysAgo` days before today in a time zone. */
export function localDay(timezone: string, daysAgo: number, now = new Date()) {
  const d = new Date(now.getTime() - daysAgo * 86_400_000)
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
  const weekday = isoWeekday(date)
  return { date, weekday }
}

/**
 * A few captures of the last three days wait for review (made outside every location's fence), so approving can be
 * tried at once: every ninth check-in by phone, the first member's latest among them for the demo phone.
 */
export function markDemoForReview<R extends { organizationMemberId: number; attendanceDate: string; source: string; checkInTime?: string | null; flags?: string[]; approvalStatus?: 'pending' | 'approved' }>(records: R[], firstMember: number, today: string): number {
  const recent = records.filter((r) => r.source === 'mobile' && r.checkInTime && r.attendanceDate >= addDays(today, -3))
  const chosen = recent.filter((_, i) => i % 9 === 4)
  const own = [...recent].reverse().find((r) => r.organizationMemberId === firstMember)
  if (own && !chosen.includes(own)) chosen.push(own)
  for (const r of chosen) {
    r.approvalStatus = 'pending'
    r.flags = [...(r.flags ?? []), 'outside_geofence'].sort()
  }
  return chosen.length
}

/** The kinds of an excused demo day, with the words a member writes. */
export const DEMO_EXCUSES = [
  { kind: 'sick', remarks: 'Sakit demam, ada surat dokter' },
  { kind: 'sick', remarks: 'Sakit, periksa ke puskesmas' },
  { kind: 'permit', remarks: 'Izin acara keluarga' },
  { kind: 'leave', remarks: 'Cuti tahunan' },
] as const

/** The approved leave request behind each excused demo day (its kind from the day's remarks). */
export function demoLeaveRequests(records: readonly { organizationMemberId: number; attendanceDate: string; status: string; remarks?: string | null }[]) {
  return records
    .filter((r) => r.status === 'excused')
    .map((r) => {
      const excuse = DEMO_EXCUSES.find((e) => e.remarks === r.remarks) ?? DEMO_EXCUSES[2]
      return { organizationMemberId: r.organizationMemberId, kind: excuse.kind, startDate: r.attendanceDate, endDate: r.attendanceDate, reason: excuse.remarks, status: 'approved' as const, decidedAt: new Date(`${r.attendanceDate}T00:00:00Z`) }
    })
}

export interface DemoAttendanceOptions {
  memberIds: number[]
  petugasId: number
  days: number
  timezone: string
  start: string
  end: string
  toleranceMinutes: number
  seed: number
  now?: Date
  /** Days off (national holidays, the organization's own): nobody has a record there. */
  daysOff?: ReadonlySet<string>
}

/** Working-day (Mon-Fri, not a day off) records for the past `days` days, today's check-outs left open. */
export function buildDemoAttendance(o: DemoAttendanceOptions) {
  const rand = mulberry32(o.seed)
  const start = minutes(o.start)
  const end = minutes(o.end)
  const rows = []
  for (let ago = o.days - 1; ago >= 0; ago--) {
    const { date, weekday } = localDay(o.timezone, ago, o.now)
    if (weekday > 5 || o.daysOff?.has(date)) continue
    for (const memberId of o.memberIds) {
      const r = rand()
      if (r < 0.05) continue // absent: no record
      if (r < 0.08) {
        // Sakit, Izin or Cuti: an approved leave request of that kind covers the day (demoLeaveRequests).
        const kind = DEMO_EXCUSES[Math.floor(rand() * DEMO_EXCUSES.length)]!
        rows.push({ organizationMemberId: memberId, attendanceDate: date, status: 'excused' as const, source: 'manual' as const, remarks: kind.remarks })
        continue
      }
      const arrive = start - 25 + Math.floor(rand() * 40) + (rand() < 0.1 ? Math.floor(rand() * 45) : 0)
      const late = arrive > start + o.toleranceMinutes
      const byPetugas = rand() < 0.4
      rows.push({
        organizationMemberId: memberId,
        recordedBy: byPetugas ? o.petugasId : null,
        clientId: crypto.randomUUID(),
        attendanceDate: date,
        checkInTime: clock(arrive),
        checkOutTime: ago === 0 ? null : clock(end + Math.floor(rand() * 60) - 10),
        status: late ? ('late' as const) : ('present' as const),
        faceMatchScore: Math.round((0.55 + rand() * 0.35) * 100) / 100,
        source: 'mobile' as const,
        flags: late ? ['late'] : [],
      })
    }
  }
  return rows
}

type DemoRecord = ReturnType<typeof buildDemoAttendance>[number]

const FORGOT_OUT = ['Lupa absen pulang, buru-buru menjemput anak', 'HP mati sore itu, baterai habis']
const FORGOT_DAY = ['Lupa absen, langsung mengajar jam pertama', 'Aplikasi tidak bisa dibuka pagi itu, sudah lapor ke TU']

/**
 * Pending correction requests ("lupa absen") for the demo: two members who checked in but never out on a recent day
 * (their record's check-out is taken away here, before the records are written), and two who have no record at all on
 * a recent working day. The first member is among them, for the demo phone. Days within the last two weeks, never today.
 */
export function planDemoCorrections(records: DemoRecord[], memberIds: number[], today: string) {
  const recent = (date: string) => date < today && date >= addDays(today, -14)
  const out: { organizationMemberId: number; attendanceDate: string; kind: 'check_out' | 'both'; claimedCheckInTime: string | null; claimedCheckOutTime: string | null; reason: string }[] = []
  for (const memberId of memberIds.slice(0, 2)) {
    const r = [...records].reverse().find((x) => x.organizationMemberId === memberId && recent(x.attendanceDate) && 'checkInTime' in x && x.checkOutTime)
    if (!r || !('checkInTime' in r)) continue
    r.checkOutTime = null
    out.push({ organizationMemberId: memberId, attendanceDate: r.attendanceDate, kind: 'check_out', claimedCheckInTime: null, claimedCheckOutTime: '15:40:00', reason: FORGOT_OUT[out.length % FORGOT_OUT.length]! })
  }
  const working = [...new Set(records.map((x) => x.attendanceDate))].filter(recent).sort().reverse()
  for (const memberId of memberIds.slice(2, 12)) {
    if (out.length >= 4) break
    const date = working.find((d) => !records.some((x) => x.organizationMemberId === memberId && x.attendanceDate === d))
    if (!date) continue
    out.push({ organizationMemberId: memberId, attendanceDate: date, kind: 'both', claimedCheckInTime: '07:25:00', claimedCheckOutTime: '15:35:00', reason: FORGOT_DAY[out.length % FORGOT_DAY.length]! })
  }
  return out
}

/** The school's guards work shifts round the clock: a morning, an afternoon and a night that ends the next morning. */
export const DEMO_SHIFT_DEPARTMENT = { name: 'Satpam', code: 'SPM' }
export const DEMO_SHIFTS = [
  { name: 'Pagi', code: 'P', start: '06:00', end: '14:00' },
  { name: 'Siang', code: 'S', start: '14:00', end: '22:00' },
  { name: 'Malam', code: 'M', start: '22:00', end: '06:00' },
] as const
/** Two mornings, two afternoons, two nights, two days off (indexes into DEMO_SHIFTS); each guard two steps after the last. */
export const DEMO_SHIFT_PATTERN: readonly (number | null)[] = [0, 0, 1, 1, 2, 2, null, null]
export const DEMO_GUARDS = ['Agus Salim', 'Bambang Riyadi', 'Slamet Widodo', 'Teguh Prasetyo']

/** The shift index (or null: off) of guard `g` on `date`, the roster starting on `start`. */
export function demoShiftOn(g: number, date: string, start: string): number | null {
  const step = Math.round((Date.parse(date) - Date.parse(start)) / 86_400_000) + 2 * g
  return DEMO_SHIFT_PATTERN[((step % DEMO_SHIFT_PATTERN.length) + DEMO_SHIFT_PATTERN.length) % DEMO_SHIFT_PATTERN.length]!
}

/**
 * The guards' records of the past `days` days by their roster (not today's, nor last night's, which may still run):
 * a night's record is dated the evening it started and checked out the next morning.
 */
export function buildDemoShiftAttendance(o: { guardIds: number[]; days: number; timezone: string; rosterStart: string; seed: number; now?: Date; daysOff?: ReadonlySet<string> }) {
  const rand = mulberry32(o.seed + 7)
  const rows = []
  for (let ago = o.days - 1; ago >= 2; ago--) {
    const { date } = localDay(o.timezone, ago, o.now)
    if (o.daysOff?.has(date)) continue
    for (const [g, memberId] of o.guardIds.entries()) {
      const index = demoShiftOn(g, date, o.rosterStart)
      if (index === null) continue
      const shift = DEMO_SHIFTS[index]!
      const start = minutes(shift.start)
      const arrive = start - 15 + Math.floor(rand() * 25)
      const late = arrive > start + 10
      const leave = (minutes(shift.end) + Math.floor(rand() * 20)) % (24 * 60)
      rows.push({
        organizationMemberId: memberId,
        recordedBy: null,
        clientId: crypto.randomUUID(),
        attendanceDate: date,
        checkInTime: clock(arrive),
        checkOutTime: clock(leave) as string | null,
        status: late ? ('late' as const) : ('present' as const),
        faceMatchScore: Math.round((0.6 + rand() * 0.3) * 100) / 100,
        source: 'mobile' as const,
        flags: late ? ['late'] : [],
      })
    }
  }
  return rows
}
