// Dates and times as people type and read them in the app's language, not the browser's: "3 Des 2026" / "3 Dec 2026",
// "07.26" / "07:26". A native <input type="date|time"> shows the browser's format (a 12-hour clock on an English
// browser, "12/03/2026" month first), whatever the app's language; DateInput and TimeInput use these instead.
// Plain functions: no DOM, no Vue.
import { addDays, isCalendarDate, isoWeekday } from '@shared/calendar'
import { formatCalendarDate, formatTime, localeTag } from '~/composables/useFormat'

const SHORT: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' }

/** "2026-12-03" -> "3 Des 2026" / "3 Dec 2026"; '' for ''. */
export function dateText(iso: string, locale: string): string {
  return iso ? formatCalendarDate(iso, SHORT, locale) : ''
}

/** Month names of both languages, lower case, without dots: "januari", "jan", "january", "agu", "agt", "sept"... */
const MONTHS: readonly (readonly string[])[] = (() => {
  const names = Array.from({ length: 12 }, () => new Set<string>())
  for (const locale of ['id-ID', 'en-GB', 'en-US']) {
    for (const month of ['long', 'short'] as const) {
      const format = new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC' })
      for (let m = 0; m < 12; m++) names[m]!.add(format.format(Date.UTC(2026, m, 15)).toLowerCase().replace(/\.$/, ''))
    }
  }
  // Short forms people write that Intl does not give: "Agt" (Agustus), "Sep"/"Sept".
  names[7]!.add('agt')
  names[8]!.add('sep').add('sept')
  return names.map((set) => [...set])
})()

function monthOfName(name: string): number | null {
  const word = name.toLowerCase().replace(/\.$/, '')
  if (word.length < 3) return null
  for (let m = 0; m < 12; m++) if (MONTHS[m]!.some((n) => n === word || (word.length >= 3 && n.startsWith(word)))) return m + 1
  return null
}

function iso(year: number, month: number, day: number): string | null {
  const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  return isCalendarDate(text) ? text : null
}

/**
 * A typed date as YYYY-MM-DD, or null when it is not a real day: "3 Des 2026", "3 desember 2026", "Sen, 3 Des 2026",
 * "3 Dec 2026", "3/12/2026", "03-12-2026", "3.12.2026" (day first, as both languages write it) and "2026-12-03".
 */
export function parseDateText(text: string): string | null {
  const s = text.trim().replace(/^\p{L}+\.?,\s*/u, '')
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)
  if (m) return iso(+m[1]!, +m[2]!, +m[3]!)
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s)
  if (m) return iso(+m[3]!, +m[2]!, +m[1]!)
  m = /^(\d{1,2})\s+(\p{L}+\.?)\s+(\d{4})$/u.exec(s)
  if (m) {
    const month = monthOfName(m[2]!)
    return month === null ? null : iso(+m[3]!, month, +m[1]!)
  }
  return null
}

/** "07:26" or "07:26:00" -> "07.26" / "07:26" (formatTime's); '' for ''. */
export function timeText(time: string, locale: string): string {
  return time ? formatTime(time, locale) : ''
}

/**
 * A typed time of day on a 24-hour clock as "HH:MM", or null: "7.26", "07:26", "0726", "726", "7" (07:00), "19.05".
 * Never a 12-hour reading: "7" is seven in the morning.
 */
export function parseTimeText(text: string): string | null {
  const s = text.trim()
  let m = /^(\d{1,2})(?:[.:,h ](\d{2}))?$/.exec(s)
  if (!m) {
    const digits = /^(\d{3,4})$/.exec(s)
    if (!digits) return null
    m = /^(\d{1,2})(\d{2})$/.exec(digits[1]!)
    if (!m) return null
  }
  const h = Number(m[1])
  const min = Number(m[2] ?? 0)
  if (h > 23 || min > 59) return null
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`
}

/**
 * A typed month as YYYY-MM, or null: "Desember 2026", "des 2026", "December 2026", "12/2026", "12-2026", "2026-12".
 */
export function parseMonthText(text: string): string | null {
  const s = text.trim()
  let m = /^(\d{4})-(\d{1,2})$/.exec(s)
  let year: number
  let month: number | null
  if (m) [year, month] = [+m[1]!, +m[2]!]
  else if ((m = /^(\d{1,2})[./-](\d{4})$/.exec(s))) [year, month] = [+m[2]!, +m[1]!]
  else if ((m = /^(\p{L}+\.?)\s+(\d{4})$/u.exec(s))) [year, month] = [+m[2]!, monthOfName(m[1]!)]
  else return null
  if (month === null || month < 1 || month > 12 || year < 1900 || year > 2999) return null
  return `${year}-${String(month).padStart(2, '0')}`
}

/** The weekday initials of a calendar's header, Monday first: ["Sen", "Sel", ...] / ["Mon", "Tue", ...]. */
export function weekdayNames(locale: string): string[] {
  const format = new Intl.DateTimeFormat(localeTag(locale), { weekday: 'short', timeZone: 'UTC' })
  // 2026-11-30 is a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(Date.UTC(2026, 10, 30 + i)))
}

/** "2026-12" -> "Desember 2026" / "December 2026". */
export function monthTitle(month: string, locale: string): string {
  return formatCalendarDate(`${month}-01`, { month: 'long', year: 'numeric' }, locale)
}

/**
 * The days a month's calendar page shows, Monday first: the month's days with the days of the neighbouring months
 * that fill its first and last weeks (`inMonth` false), whole weeks only.
 */
export function calendarPage(month: string): { date: string; inMonth: boolean }[] {
  const first = `${month}-01`
  const start = addDays(first, 1 - isoWeekday(first))
  const days: { date: string; inMonth: boolean }[] = []
  for (let date = start; days.length < 42; date = addDays(date, 1)) {
    if (days.length % 7 === 0 && days.length > 0 && date.slice(0, 7) > month) break
    days.push({ date, inMonth: date.slice(0, 7) === month })
  }
  return days
}
