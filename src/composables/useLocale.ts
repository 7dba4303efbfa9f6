import { computed } from 'vue'
import { i18n, loadLocale } from '~/modules/i18n'
import { type Locale, LOCALES, rememberLocale } from '~/locales'

/** The interface language: switch it anywhere, it is remembered and sets <html lang>. */
export function useLocale() {
  const locale = computed<Locale>(() => i18n.global.locale.value)

  /**
   * Switches once the language's messages are loaded (a small chunk, precached for offline use); when they cannot
   * load, the interface stays in its language rather than show message keys.
   */
  async function setLocale(next: Locale): Promise<void> {
    try {
      await loadLocale(next)
    } catch (error) {
      console.error(`The ${next} messages did not load:`, error)
      return
    }
    i18n.global.locale.value = next
    document.documentElement.lang = next
    rememberLocale(next)
  }

  return { locale, locales: LOCALES, setLocale }
}
