import type { App } from 'vue'
import type { Router } from 'vue-router'

export interface ModuleContext {
  app: App
  router: Router
}

/** A file in src/modules/: one plugin, installed by main.ts. */
export type UserModule = (ctx: ModuleContext) => void
