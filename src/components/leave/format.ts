// Dates of leave requests are calendar dates of the organization ("YYYY-MM-DD"): shown as they are, never shifted by
// the viewer's time zone.
import { utcNoon } from '@shared/calendar'

function tag(locale: string): string {
  return locale === 'id' ? 'id-ID' : 'en-GB'
}

/** "Kam, 19 Nov" (with the year when it is not this year's); "19 Nov" without the weekday. */
export function formatDay(date: string, locale: string, options: { weekday?: boolean } = {}): string {
  const withYear = date.slice(0, 4) !== String(new Date().getFullYear())
  return new Intl.DateTimeFormat(tag(locale), {
    ...(options.weekday === false ? {} : { weekday: 'short' }),
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  }).format(utcNoon(date))
}

/** One day, or "first – last". */
export function formatRange(start: string, end: string, locale: string): string {
  return start === end ? formatDay(start, locale) : `${formatDay(start, locale)} – ${formatDay(end, locale)}`
}
