import { setUnauthorizedListener } from '~/api/client'
import { usePwaUpdate } from '~/composables/usePwaUpdate'
import { installGuards } from '~/router/guards'
import { useDeviceStore } from '~/stores/device'
import { useMobileStore } from '~/stores/mobile'
import { useSessionStore } from '~/stores/session'
import type { UserModule } from '~/types'

export const install: UserModule = ({ app, router }) => {
  installGuards(router)

  // A 401 from any call means the session ended (expired, logged out elsewhere, device revoked):
  // forget it and go to the login screen of the surface the person is on.
  setUnauthorizedListener((error) => {
    const route = router.currentRoute.value
    switch (route.meta.surface) {
      case 'admin':
        useSessionStore().clear()
        if (!route.meta.guest) void router.push({ name: 'admin-login', query: { redirect: route.fullPath } })
        break
      case 'member':
        useMobileStore().clear()
        if (!route.meta.guest) void router.push({ name: 'member-login' })
        break
      case 'petugas':
        useMobileStore().clear()
        if (error.code === 'DEVICE_NOT_ENROLLED') {
          useDeviceStore().loaded = false
          void router.push({ name: 'petugas-enrol' })
        } else if (!route.meta.guest) {
          void router.push({ name: 'petugas-login' })
        }
        break
    }
  })

  // After a deployment, a page still running the old shell asks for chunks that no longer exist (the dashboard is not
  // precached). Load the new version once: through the waiting service worker when there is one, else a plain reload.
  const RETRY_KEY = 'hadir.chunk-retry'
  // Offline, a screen whose code this device does not keep (the petugas screens before a tablet's enrolment, the
  // dashboard) cannot load: say so in words rather than leave the page empty.
  router.onError((error: unknown, to) => {
    const message = error instanceof Error ? error.message : String(error)
    if (!/dynamically imported module|Importing a module script failed|Failed to fetch|Unable to preload CSS/i.test(message)) return
    if (!navigator.onLine) {
      if (to.name !== 'offline-unavailable') void router.replace({ name: 'offline-unavailable', query: { to: to.fullPath } })
      return
    }
    if (sessionStorage.getItem(RETRY_KEY) === to.fullPath) return
    sessionStorage.setItem(RETRY_KEY, to.fullPath)
    const pwa = usePwaUpdate()
    if (pwa.needRefresh.value) void pwa.reload()
    else window.location.assign(to.fullPath)
  })
  router.afterEach(() => sessionStorage.removeItem(RETRY_KEY))

  app.use(router)
}
