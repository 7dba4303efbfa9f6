// The report screens' two ways of showing a day (formatted by ~/composables/useFormat, like every date of the app).
import { formatCalendarDate } from '~/composables/useFormat'

/** "2026-10-05" -> "Senin, 5 Oktober 2026": a report's heading and its printed period. */
export function longDate(date: string): string {
  return formatCalendarDate(date, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
}

/** "2026-10-05" -> "Sen, 5 Okt" for table rows. */
export function shortDate(date: string): string {
  return formatCalendarDate(date, { weekday: 'short', day: 'numeric', month: 'short' })
}
