// Dates of leave requests are calendar dates of the organization ("YYYY-MM-DD"): shown as they are, never shifted by
// the viewer's time zone (formatted by ~/composables/useFormat, like every date of the app).
import { formatCalendarDate } from '~/composables/useFormat'

/** "Kam, 19 Nov" (with the year when it is not this year's); "19 Nov" without the weekday. */
export function formatDay(date: string, locale: string, options: { weekday?: boolean } = {}): string {
  const withYear = date.slice(0, 4) !== String(new Date().getFullYear())
  return formatCalendarDate(date, { ...(options.weekday === false ? {} : { weekday: 'short' }), day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}) }, locale)
}
/** One day, or "first – last". */
export function formatRange(start: string, end: string, locale: string): string {
  return start === end ? formatDay(start, locale) : `${formatDay(start, locale)} – ${formatDay(end, locale)}`
}
