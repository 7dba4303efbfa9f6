// Indonesia's national public holidays (hari libur nasional) and collective leave days (cuti bersama), shipped with
// Hadir as data and applied to every organization unless it opts a day out (server/features/holidays). Each day keeps
// its Indonesian name and the decree it comes from.
//
// 2026: the joint decree of the Minister of Religious Affairs, the Minister of Manpower and the Minister of
// Administrative and Bureaucratic Reform (SKB 3 Menteri) No. 1497/2025, 2/2025 and 5/2025: 17 holidays, 8 days of cuti
// bersama.
// 2027: the 2027 decree was not available when this list was written. The days fixed by the calendar (1 January,
// 1 May, 1 June, 17 August, 25 December) and the Easter dates are exact; the days of the Hijri, Chinese, Saka and
// Buddhist calendars are estimates (`provisional`: the app says so) and there is no cuti bersama yet. An organization
// opts a wrong day out and adds the right one as its own until the list is updated.

export type NationalHolidayKind = 'national' | 'cuti_bersama'

export interface NationalHoliday {
  /** YYYY-MM-DD. */
  date: string
  /** The day's name as the decree writes it. */
  name: string
  kind: NationalHolidayKind
  /** The decree it comes from, or null when none has been published yet. */
  decree: string | null
  /** True when the date is an estimate awaiting the year's decree. */
  provisional: boolean
}

const SKB_2026 = 'SKB Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB No. 1497/2025, 2/2025, 5/2025'

function year2026(date: string, name: string, kind: NationalHolidayKind = 'national'): NationalHoliday {
  return { date, name, kind, decree: SKB_2026, provisional: false }
}

function year2027(date: string, name: string, provisional: boolean): NationalHoliday {
  return { date, name, kind: 'national', decree: null, provisional }
}

export const NATIONAL_HOLIDAYS: readonly NationalHoliday[] = Object.freeze([
  year2026('2026-01-01', 'Tahun Baru 2026 Masehi'),
  year2026('2026-01-16', 'Isra Mikraj Nabi Muhammad SAW'),
  year2026('2026-02-16', 'Cuti Bersama Tahun Baru Imlek 2577 Kongzili', 'cuti_bersama'),
  year2026('2026-02-17', 'Tahun Baru Imlek 2577 Kongzili'),
  year2026('2026-03-18', 'Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)', 'cuti_bersama'),
  year2026('2026-03-19', 'Hari Suci Nyepi (Tahun Baru Saka 1948)'),
  year2026('2026-03-20', 'Cuti Bersama Idul Fitri 1447 Hijriah', 'cuti_bersama'),
  year2026('2026-03-21', 'Idul Fitri 1447 Hijriah'),
  year2026('2026-03-22', 'Idul Fitri 1447 Hijriah'),
  year2026('2026-03-23', 'Cuti Bersama Idul Fitri 1447 Hijriah', 'cuti_bersama'),
  year2026('2026-03-24', 'Cuti Bersama Idul Fitri 1447 Hijriah', 'cuti_bersama'),
  year2026('2026-04-03', 'Wafat Yesus Kristus'),
  year2026('2026-04-05', 'Kebangkitan Yesus Kristus (Paskah)'),
  year2026('2026-05-01', 'Hari Buruh Internasional'),
  year2026('2026-05-14', 'Kenaikan Yesus Kristus'),
  year2026('2026-05-15', 'Cuti Bersama Kenaikan Yesus Kristus', 'cuti_bersama'),
  year2026('2026-05-27', 'Idul Adha 1447 Hijriah'),
  year2026('2026-05-28', 'Cuti Bersama Idul Adha 1447 Hijriah', 'cuti_bersama'),
  year2026('2026-05-31', 'Hari Raya Waisak 2570 BE'),
  year2026('2026-06-01', 'Hari Lahir Pancasila'),
  year2026('2026-06-16', '1 Muharam Tahun Baru Islam 1448 Hijriah'),
  year2026('2026-08-17', 'Proklamasi Kemerdekaan'),
  year2026('2026-08-25', 'Maulid Nabi Muhammad SAW'),
  year2026('2026-12-24', 'Cuti Bersama Kelahiran Yesus Kristus', 'cuti_bersama'),
  year2026('2026-12-25', 'Kelahiran Yesus Kristus'),

  year2027('2027-01-01', 'Tahun Baru 2027 Masehi', false),
  year2027('2027-01-05', 'Isra Mikraj Nabi Muhammad SAW', true),
  year2027('2027-02-06', 'Tahun Baru Imlek 2578 Kongzili', true),
  year2027('2027-03-08', 'Hari Suci Nyepi (Tahun Baru Saka 1949)', true),
  year2027('2027-03-10', 'Idul Fitri 1448 Hijriah', true),
  year2027('2027-03-11', 'Idul Fitri 1448 Hijriah', true),
  year2027('2027-03-26', 'Wafat Yesus Kristus', false),
  year2027('2027-03-28', 'Kebangkitan Yesus Kristus (Paskah)', false),
  year2027('2027-05-01', 'Hari Buruh Internasional', false),
  year2027('2027-05-06', 'Kenaikan Yesus Kristus', false),
  year2027('2027-05-16', 'Idul Adha 1448 Hijriah', true),
  year2027('2027-05-20', 'Hari Raya Waisak 2571 BE', true),
  year2027('2027-06-01', 'Hari Lahir Pancasila', false),
  year2027('2027-06-05', '1 Muharam Tahun Baru Islam 1449 Hijriah', true),
  year2027('2027-08-14', 'Maulid Nabi Muhammad SAW', true),
  year2027('2027-08-17', 'Proklamasi Kemerdekaan', false),
  year2027('2027-12-25', 'Kelahiran Yesus Kristus', false),
])

/** The years the list covers. */
export const NATIONAL_HOLIDAY_YEARS: readonly number[] = Object.freeze([...new Set(NATIONAL_HOLIDAYS.map((h) => Number(h.date.slice(0, 4))))])

/** The national days from `start` to `end` (YYYY-MM-DD, both included), in date order. */
export function nationalHolidaysBetween(start: string, end: string): NationalHoliday[] {
  return NATIONAL_HOLIDAYS.filter((h) => h.date >= start && h.date <= end)
}
