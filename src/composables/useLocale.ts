import { computed } from 'vue'
import { i18n } from '~/modules/i18n'
import { type Locale, LOCALES, rememberLocale } from '~/locales'

/** The interface language: switch it anywhere, it is remembered and sets <html lang>. */
export function useLocale() {
  const locale = computed<Locale>(() => i18n.global.locale.value)

  function setLocale(next: Locale): void {
    i18n.global.locale.value = next
    document.documentElement.lang = next
    rememberLocale(next)
  }

  return { locale, locales: LOCALES, setLocale }
}
