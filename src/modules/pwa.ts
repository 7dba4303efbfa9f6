import { registerSW } from 'virtual:pwa-register'
import { setPwaState } from '~/composables/usePwaUpdate'
import type { UserModule } from '~/types'

// Check for a new version every hour: kiosks stay open for days.
const UPDATE_INTERVAL_MS = 60 * 60 * 1000

export const install: UserModule = () => {
  if (!('serviceWorker' in navigator)) return
  const updateSW = registerSW({
    immediate: true,
    onNeedRefresh: () => setPwaState({ needRefresh: true }),
    onOfflineReady: () => setPwaState({ offlineReady: true }),
    onRegisteredSW: (_url, registration) => {
      if (!registration) return
      setInterval(() => {
        if (navigator.onLine) void registration.update()
      }, UPDATE_INTERVAL_MS)
    },
  })
  setPwaState({ update: () => updateSW(true) })
}
