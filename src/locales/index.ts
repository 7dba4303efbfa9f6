import enBase from './en.json'
import idBase from './id.json'
import enAttendance from './en/attendance.json'
import idAttendance from './id/attendance.json'
import enMembers from './en/members.json'
import idMembers from './id/members.json'
import enReports from './en/reports.json'
import idReports from './id/reports.json'
import enSettings from './en/settings.json'
import idSettings from './id/settings.json'
import enLeave from './en/leave.json'
import idLeave from './id/leave.json'

// The base files hold the shell and the capture apps; each dashboard area keeps its namespaces in a file of its own
// (./en/<area>.json and ./id/<area>.json), so areas can grow without touching each other.
const en = { ...enBase, ...enAttendance, ...enMembers, ...enReports, ...enSettings, ...enLeave }
const id = { ...idBase, ...idAttendance, ...idMembers, ...idReports, ...idSettings, ...idLeave }

export const LOCALES = ['id', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export type MessageSchema = typeof en

export const messages: Record<Locale, MessageSchema> = { id, en }

const STORAGE_KEY = 'hadir.locale'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/** The remembered choice, else the browser's language: Indonesian for "id*", English otherwise. */
export function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (isLocale(saved)) return saved
  } catch {
    // Storage can be blocked (private mode); fall back to the browser language.
  }
  const language = typeof navigator === 'undefined' ? '' : navigator.language || ''
  return language.toLowerCase().startsWith('id') ? 'id' : 'en'
}

export function rememberLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // Not fatal: the choice just lasts for this visit.
  }
}
