import type { Access } from '../auth/guard'
import { validationsOf, type RouteValidation } from './validate'

export interface RouteEntry { method: string; path: string; handler: unknown }

/** One /api route as the app's route table has it: its guard's access and its validators, in order. */
export interface ApiRoute {
  method: string
  /** hono's path, `/api/organizations/:id` */
  path: string
  access: Access | null
  validations: RouteValidation[]
  /** Whether an API token (Authorization: Bearer) may call it: a permission route without a people-only middleware. */
  tokens: boolean
}

/** Every /api route of an app (what routeAccessTable walks), with its validators (what the hardening fuzzer reads). */
export function apiRoutes(routes: RouteEntry[]): ApiRoute[] {
  const byRoute = new Map<string, { method: string; path: string; handlers: unknown[] }>()
  for (const r of routes) {
    if (!r.path.startsWith('/api/') || r.method === 'ALL') continue
    const key = `${r.method} ${r.path}`
    const entry = byRoute.get(key) ?? { method: r.method, path: r.path, handlers: [] }
    entry.handlers.push(r.handler)
    byRoute.set(key, entry)
  }
  return [...byRoute.values()].map(({ method, path, handlers }) => {
    const access = handlers.map((h) => (h as { access?: Access } | null)?.access).find((a) => a !== undefined) ?? null
    const peopleOnly = handlers.some((h) => (h as { peopleOnly?: boolean } | null)?.peopleOnly === true)
    const tokens = !peopleOnly && (access?.kind === 'permission' || access?.kind === 'any-permission')
    return { method, path, access, validations: validationsOf(handlers), tokens }
  })
}
