import { createApp } from 'vue'
import App from './App.vue'
import { i18n, install as installI18n, loadLocale } from './modules/i18n'
import { install as installPinia } from './modules/pinia'
import { install as installPwa } from './modules/pwa'
import { install as installRouter } from './modules/router'
import { createAppRouter } from './router'
import type { ModuleContext } from './types'
import './styles/main.css'

// zod (the shared schemas) must not probe for `new Function`: the Content-Security-Policy forbids eval, and Chromium
// reports even the caught probe as a violation. Its JIT only speeds up parsing; the server keeps it.
;

((globalThis as { __zod_globalConfig?: Record<string, unknown> }).__zod_globalConfig ??= {}).jitless = true

const app = createApp(App)
const ctx: ModuleContext = { app, router: createAppRouter() }

// Order matters: stores and messages exist before the router's first navigation runs its guards. The messages of the
// language shown come first (one small chunk); without them the app still starts, showing message keys.
void loadLocale(i18n.global.locale.value)
  .catch((error: unknown) => console.error('The interface messages did not load:', error))
  .then(() => {
    for (const install of [installI18n, installPinia, installRouter, installPwa]) install(ctx)
    // A first screen that cannot load (offline, its code not on this device) is handled by the router's onError.
    return ctx.router.isReady().catch(() => undefined)
  })
  .then(() => app.mount('#app'))
