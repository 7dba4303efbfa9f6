import type enBase from './en.json'
import type enLeave from './en/leave.json'
import type enCorrections from './en/corrections.json'
import type enNotifications from './en/notifications.json'
import type enAttendance from './en/attendance.json'
import type enMembers from './en/members.json'
import type enReports from './en/reports.json'
import type enSettings from './en/settings.json'
import type enIntegrations from './en/integrations.json'
import type enMyData from './en/mydata.json'

// The base files hold the shell and the capture apps (and leave and correction requests, which members ask for on the phone), one chunk per
// language: a device loads the language it shows (baseMessages()), the other one only when the person switches. Each
// dashboard area keeps its namespaces in a file of its own (./en/<area>.json and ./id/<area>.json), so areas can grow
// without touching each other. The dashboard's files load with the dashboard (dashboardMessages()), never on a phone.
type BaseSchema = typeof enBase & typeof enLeave & typeof enCorrections
/** The member screens that need the server anyway (notification settings, their own data): loaded when opened. */
type OnlineSchema = typeof enNotifications & typeof enMyData

type DashboardSchema = typeof enAttendance & typeof enMembers & typeof enReports & typeof enSettings & typeof enIntegrations
export const LOCALES = ['id', 'en'] as const
export type Locale = (typeof LOCALES)[number]
/** Every message, the dashboard's included (their keys are typed even before their files have loaded). */
export type MessageSchema = BaseSchema & DashboardSchema & OnlineSchema

/** The shell's and the capture apps' messages in one language (merged in by modules/i18n.ts loadLocale()). */
export async function baseMessages(locale: Locale): Promise<BaseSchema> {
  const [base, leave, corrections] = locale === 'id'
    ? await Promise.all([import('./id.json'), import('./id/leave.json'), import('./id/corrections.json')])
    : await Promise.all([import('./en.json'), import('./en/leave.json'), import('./en/corrections.json')])
  return { ...base.default, ...leave.default, ...corrections.default }
}

/** The online-only screens' messages in both languages (never precached: vite.config.ts ONLINE_ONLY). */
export async function onlineMessages(): Promise<Record<Locale, OnlineSchema>> {
  const [en, id, enData, idData] = await Promise.all([import('./en/notifications.json'), import('./id/notifications.json'), import('./en/mydata.json'), import('./id/mydata.json')])
  return { en: { ...en.default, ...enData.default }, id: { ...id.default, ...idData.default } }
}

/** The dashboard's namespaces in both languages (four small chunks of JSON). */
export async function dashboardMessages(): Promise<Record<Locale, DashboardSchema>> {
  const [ea, ia, em, im, er, ir, es, is, en, idn] = await Promise.all([
    import('./en/attendance.json'),
    import('./id/attendance.json'),
    import('./en/members.json'),
    import('./id/members.json'),
    import('./en/reports.json'),
    import('./id/reports.json'),
    import('./en/settings.json'),
    import('./id/settings.json'),
    import('./en/integrations.json'),
    import('./id/integrations.json'),
  ])
  return {
    en: { ...ea.default, ...em.default, ...er.default, ...es.default, ...en.default },
    id: { ...ia.default, ...im.default, ...ir.default, ...is.default, ...idn.default },
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
