import { createI18n } from 'vue-i18n'
import { initialLocale, type Locale, messages, type MessageSchema } from '~/locales'
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

export const install: UserModule = ({ app }) => {
  app.use(i18n)
}
