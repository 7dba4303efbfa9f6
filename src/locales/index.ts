import en from './en.json'
import id from './id.json'

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
