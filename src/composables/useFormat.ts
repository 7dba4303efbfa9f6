// The PWA's one way of showing dates, times and numbers: one locale per interface language (id-ID, en-GB), calendar
// dates parsed and checked by the shared calendar helpers (a day of the organization, never shifted by the viewer's
// zone), instants shown on the zone given (the organization's) or the viewer's. Absent values show as '—'; text that is
// not a date is shown as it is rather than as "Invalid Date".
import { isCalendarDate, utcNoon } from '@shared/calendar'
import { i18n } from '~/modules/i18n'

/** The Intl locale of an interface language (by default the current one). */
export function localeTag(locale: string = i18n.global.locale.value): string {
  return locale === 'id' ? 'id-ID' : 'en-GB'
}

const DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }

/** "2026-11-16" -> "Mon, 16 Nov 2026" / "Sen, 16 Nov 2026" (or as `options` say). */
export function formatCalendarDate(date: string | null | undefined, options: Intl.DateTimeFormatOptions = DAY, locale?: string): string {
  if (!date) return '—'
  if (!isCalendarDate(date)) return date
  return new Intl.DateTimeFormat(localeTag(locale), { ...options, timeZone: 'UTC' }).format(utcNoon(date))
}

const SHORT: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' }

/**
 * A span of calendar days, its year said once: "22 Jun – 10 Jul 2026", "22–26 Jun 2026", "29 Dec 2026 – 2 Jan 2027";
 * one day as the day ("Mon, 22 Jun 2026"). Each end is formatCalendarDate's.
 */
export function formatDateRange(start: string, end: string, locale?: string): string {
  if (!isCalendarDate(start) || !isCalendarDate(end)) return `${formatCalendarDate(start, SHORT, locale)} – ${formatCalendarDate(end, SHORT, locale)}`
  if (start === end) return formatCalendarDate(start, DAY, locale)
  const last = formatCalendarDate(end, SHORT, locale)
  if (start.slice(0, 4) !== end.slice(0, 4)) return `${formatCalendarDate(start, SHORT, locale)} – ${last}`
  if (start.slice(0, 7) === end.slice(0, 7)) return `${formatCalendarDate(start, { day: 'numeric' }, locale)}–${last}`
  return `${formatCalendarDate(start, { day: 'numeric', month: 'short' }, locale)} – ${last}`
}

/** "2026-10" -> "October 2026" / "Oktober 2026". */
export function formatMonth(month: string, locale?: string): string {
  return isCalendarDate(`${month}-01`) ? formatCalendarDate(`${month}-01`, { month: 'long', year: 'numeric' }, locale) : month
}

function instant(value: string): Date | null {
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** An instant as date and time, "5 Okt 2026 14.03". */
export function formatDateTime(value: string | null | undefined, timeZone?: string): string {
  if (!value) return '—'
  const date = instant(value)
  return date ? new Intl.DateTimeFormat(localeTag(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date) : value
}

/** An instant to the second, without the year: "16 Nov 07.50.12" (an audit trail, a capture's frames). */
export function formatInstant(value: string | null | undefined, timeZone?: string): string {
  if (!value) return '—'
  const date = instant(value)
  return date ? new Intl.DateTimeFormat(localeTag(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone }).format(date) : value
}

/** An instant's time of day, "07.50" / "07:50". */
export function formatClock(value: string, timeZone?: string): string {
  const date = instant(value)
  return date ? new Intl.DateTimeFormat(localeTag(), { hour: '2-digit', minute: '2-digit', timeZone }).format(date) : value
}

/** A wall-clock time ("07:50:00", "07:50") as the language writes it: "07.50" / "07:50". */
export function formatTime(time: string | null | undefined, locale: string = i18n.global.locale.value): string {
  if (!time) return '—'
  const m = /^(\d{2}):(\d{2})/.exec(time)
  return m ? `${m[1]}${locale === 'id' ? '.' : ':'}${m[2]}` : time
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(localeTag(), options).format(value)
}

/** A figure with grouping and at most two decimals (18.83 / 18,83). */
export function formatFigure(value: number): string {
  return formatNumber(value, { maximumFractionDigits: 2 })
}

/** A share (0..1) as a percentage, '—' when unknown. */
export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '—'
  return formatNumber(value, { style: 'percent', maximumFractionDigits: digits })
}

/** A length of time in minutes as people say it: "14 jam 49 menit", "20 menit" / "14 h 49 min", "20 min". */
export function formatDuration(minutes: number, locale: string = i18n.global.locale.value): string {
  const total = Math.max(0, Math.round(minutes))
  const h = Math.floor(total / 60)
  const m = total % 60
  const [hour, minute] = locale === 'id' ? ['jam', 'menit'] : ['h', 'min']
  if (h === 0) return `${formatNumber(m)} ${minute}`
  return m === 0 ? `${formatNumber(h)} ${hour}` : `${formatNumber(h)} ${hour} ${formatNumber(m)} ${minute}`
}
