// Small helpers the attendance pages share: how a record came in, and error sentences (dates, times and numbers are
// shown with ~/composables/useFormat).
import { isApiError } from '~/api/client'
import { errorMessage } from '~/api/errors'
import { i18n } from '~/modules/i18n'

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

/** A failure as a sentence: this area's own codes first, then the shared ones. */
export function attendanceError(error: unknown): string {
  if (isApiError(error)) {
    const key = `dashAttendance.errors.${error.code}`
    if (i18n.global.te(key, 'en')) return i18n.global.t(key)
  }
  return errorMessage(error)
}
