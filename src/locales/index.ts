import enBase from './en.json'
import idBase from './id.json'
import enLeave from './en/leave.json'
import idLeave from './id/leave.json'
import type enAttendance from './en/attendance.json'
import type enMembers from './en/members.json'
import type enReports from './en/reports.json'
import type enSettings from './en/settings.json'

// The base files hold the shell and the capture apps (and leave, which members ask for on the phone); each dashboard
// area keeps its namespaces in a file of its own (./en/<area>.json and ./id/<area>.json), so areas can grow without
// touching each other. The dashboard's files load with the dashboard (dashboardMessages()), never on a phone.
const en = { ...enBase, ...enLeave }
const id = { ...idBase, ...idLeave }

type DashboardSchema = typeof enAttendance & typeof enMembers & typeof enReports & typeof enSettings
export const LOCALES = ['id', 'en'] as const
export type Locale = (typeof LOCALES)[number]
/** Every message, the dashboard's included (their keys are typed even before their files have loaded). */
export type MessageSchema = typeof en & DashboardSchema

// Cast: the dashboard's namespaces are merged in by loadDashboardMessages() (modules/i18n.ts) before a dashboard page
// renders.
export const messages = { id, en } as Record<Locale, MessageSchema>

/** The dashboard's namespaces in both languages (four small chunks of JSON). */
export async function dashboardMessages(): Promise<Record<Locale, DashboardSchema>> {
  const [ea, ia, em, im, er, ir, es, is] = await Promise.all([
    import('./en/attendance.json'),
    import('./id/attendance.json'),
    import('./en/members.json'),
    import('./id/members.json'),
    import('./en/reports.json'),
    import('./id/reports.json'),
    import('./en/settings.json'),
    import('./id/settings.json'),
  ])
  return {
    en: { ...ea.default, ...em.default, ...er.default, ...es.default },
    id: { ...ia.default, ...im.default, ...ir.default, ...is.default },
  }
}

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
