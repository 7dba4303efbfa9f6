import { createI18n } from 'vue-i18n'
import { dashboardMessages, initialLocale, LOCALES, type Locale, messages, type MessageSchema } from '~/locales'
import type { UserModule } from '~/types'

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value

let dashboardLoaded: Promise<void> | null = null

/** Merges the dashboard's messages (both languages) once; the admin routes wait for it with their code. */
export function loadDashboardMessages(): Promise<void> {
  dashboardLoaded ??= dashboardMessages().then(
    (loaded) => {
      for (const locale of LOCALES) i18n.global.mergeLocaleMessage(locale, loaded[locale])
    },
    (error: unknown) => {
      dashboardLoaded = null // try again on the next navigation
      throw error
    },
  )
  return dashboardLoaded
}

export const install: UserModule = ({ app }) => {
  app.use(i18n)
}
