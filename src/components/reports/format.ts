// Formatting for report screens: dates and months in the interface language, hours with up to two decimals.
import { i18n } from '~/modules/i18n'

function tag(): string {
  return i18n.global.locale.value === 'id' ? 'id-ID' : 'en-GB'
}

/** "2026-10-05" -> "Senin, 5 Oktober 2026" (a calendar day: no zone shift). */
export function longDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat(tag(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d)
}

/** "2026-10-05" -> "Sen, 5 Okt" for table rows. */
export function shortDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat(tag(), { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(d)
}

/** "2026-10" -> "Oktober 2026". */
export function monthName(month: string): string {
  const d = new Date(`${month}-15T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return month
  return new Intl.DateTimeFormat(tag(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d)
}

/** A number as the page shows it: grouping and at most two decimals (18.83 / 18,83). */
export function figure(value: number): string {
  return new Intl.NumberFormat(tag(), { maximumFractionDigits: 2 }).format(value)
}

/** An instant on the organization's wall clock, "5 Okt 2026 14.03". */
export function madeAt(iso: string, timeZone: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d)
}

/** A YYYY-MM month moved by `months`. */
export function shiftMonth(month: string, months: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + months, 15))
  return d.toISOString().slice(0, 7)
}
