// Small helpers the attendance pages share: dates and times as people read them, and error sentences.
import { isApiError } from '~/api/client'
import { errorMessage } from '~/api/errors'
import { i18n } from '~/modules/i18n'

function tag(): string {
  return i18n.global.locale.value === 'id' ? 'id-ID' : 'en-GB'
}

/** "2026-11-16" -> "Mon 16 Nov 2026" (a calendar date: no time zone shift). */
export function formatDay(date: string | null | undefined, options: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }): string {
  if (!date) return '—'
  const d = new Date(`${date}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat(tag(), { ...options, timeZone: 'UTC' }).format(d)
}

/** "07:50:00" -> "07:50". */
export function formatTime(time: string | null | undefined): string {
  return time ? time.slice(0, 5) : '—'
}

/** An instant, shown on the organization's clock. */
export function formatInstant(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(tag(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone }).format(d)
}

/**
 * How a record came in, as a `dashAttendance.via.*` key: a capture from the app is a kiosk's when a petugas recorded
 * it (`recorded_by`), else the member's own phone; dashboard records keep their source (manual, website).
 */
export function recordedVia(source: string, recordedBy: string | null | undefined): 'phone' | 'kiosk' | 'manual' | 'website' {
  if (source === 'mobile') return recordedBy ? 'kiosk' : 'phone'
  return source === 'website' ? 'website' : 'manual'
}

/** "Kiosk · Pak Slamet", "Manual · Ibu Wulan", "Own phone": who recorded it and how, in one line. */
export function recordedLine(source: string, recordedBy: string | null | undefined): string {
  return [i18n.global.t(`dashAttendance.via.${recordedVia(source, recordedBy)}`), recordedBy].filter(Boolean).join(' · ')
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '—'
  return new Intl.NumberFormat(tag(), { style: 'percent', maximumFractionDigits: digits }).format(value)
}

/** A failure as a sentence: this area's own codes first, then the shared ones. */
export function attendanceError(error: unknown): string {
  if (isApiError(error)) {
    const key = `dashAttendance.errors.${error.code}`
    if (i18n.global.te(key, 'en')) return i18n.global.t(key)
  }
  return errorMessage(error)
}
