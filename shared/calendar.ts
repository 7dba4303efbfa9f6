// Calendar dates ("YYYY-MM-DD", a day of the organization's zone, never shifted by anyone's clock): the arithmetic both
// the server and the PWA do on them. Pure: no clock, no time zone.

function toUtc(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)))
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/

/** Whether `text` is a real calendar date "YYYY-MM-DD" (not "2026-02-30", not "5 Oct"). */
export function isCalendarDate(text: string): boolean {
  return CALENDAR_DATE.test(text) && fromUtc(toUtc(text)) === text
}

/** The "YYYY-MM" month `months` later (earlier when negative). */
export function addMonths(month: string, months: number): string {
  return fromUtc(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1 + months, 1)).slice(0, 7)
}

/** A YYYY-MM month's first and last days. */
export function monthBounds(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` }
}

/** The date `days` later (earlier when negative). */
export function addDays(date: string, days: number): string {
  return fromUtc(toUtc(date) + days * 86_400_000)
}

/** Calendar days from `start` to `end`, both included (0 or less when end is before start). */
export function daysInclusive(start: string, end: string): number {
  return Math.round((toUtc(end) - toUtc(start)) / 86_400_000) + 1
}

/** ISO weekday of a calendar date: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(toUtc(date)).getUTCDay()
  return day === 0 ? 7 : day
}

/** Noon UTC of a calendar date: the instant to format it with Intl in `timeZone: 'UTC'`, the same day for any viewer. */
export function utcNoon(date: string): Date {
  return new Date(toUtc(date) + 12 * 3_600_000)
}

/** Every date from `start` to `end`, both included. */
export function datesBetween(start: string, end: string): string[] {
  const out: string[] = []
  for (let d = start; d <= end; d = addDays(d, 1)) out.push(d)
  return out
}
