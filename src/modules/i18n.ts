import { createI18n } from 'vue-i18n'
import { baseMessages, dashboardMessages, initialLocale, LOCALES, type Locale, type MessageSchema, onlineMessages } from '~/locales'
import type { UserModule } from '~/types'

// Messages come per language (loadLocale): main.ts loads the initial one before the app mounts, setLocale the other
// one before switching. Cast: the dashboard's namespaces are merged in by loadDashboardMessages() before a dashboard
// page renders.
export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { id: {}, en: {} } as Record<Locale, MessageSchema>,
  missingWarn: false,
  fallbackWarn: false,
})

if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value

const loading = new Map<Locale, Promise<void>>()

/** Loads a language's messages once (the base chunk of that language). */
export function loadLocale(locale: Locale): Promise<void> {
  let done = loading.get(locale)
  if (!done) {
    done = baseMessages(locale).then(
      (loaded) => i18n.global.mergeLocaleMessage(locale, loaded as MessageSchema),
      (error: unknown) => {
        loading.delete(locale) // try again next time
        throw error
      },
    )
    loading.set(locale, done)
  }
  return done
}

/** Both languages (tests that switch between them). */
export async function loadLocales(): Promise<void> {
  await Promise.all(LOCALES.map(loadLocale))
}

/**
 * Merges a set of messages (both languages) into the app once; every caller waits for the same load, and a failed one
 * is tried again at the next call (the next navigation).
 */
function mergedOnce<S extends object>(load: () => Promise<Record<Locale, S>>): () => Promise<void> {
  let loaded: Promise<void> | null = null
  return () => {
    loaded ??= load().then(
      (messages) => {
        for (const locale of LOCALES) i18n.global.mergeLocaleMessage(locale, messages[locale])
      },
      (error: unknown) => {
        loaded = null
        throw error
      },
    )
    return loaded
  }
}

/** The dashboard's messages; the admin routes wait for them with their code. */
export const loadDashboardMessages = mergedOnce(dashboardMessages)

export const install: UserModule = ({ app }) => {
  app.use(i18n)
}

/** The online-only screens' messages; their loaders wait for them with their code. */
export const loadOnlineMessages = mergedOnce(onlineMessages)
