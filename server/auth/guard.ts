import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, DevicePrincipal, Principal } from '../context'
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors'
import type { Permission } from '../../shared/permissions'

/**
 * What a route needs. Every /api route carries exactly one guard; the route table is read back from the app
 * (see routeAccessTable) so a test can hold every route to the permission matrix.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'session'; surface: 'web' | 'mobile' }
  | { kind: 'permission'; permission: Permission }
  | { kind: 'any-permission'; permissions: Permission[] }
  | { kind: 'device' }

export type Guard = MiddlewareHandler<AppEnv> & { access: Access }

function guard(access: Access, check: (c: Context<AppEnv>) => void): Guard {
  const mw: MiddlewareHandler<AppEnv> = async (c, next) => {
    check(c)
    await next()
  }
  return Object.assign(mw, { access })
}

/** Anyone, signed in or not. */
export const publicRoute = (): Guard => guard({ kind: 'public' }, () => {})

/** Any signed-in person on that surface, organization chosen or not (sign-in flow, "me"). */
export const signedIn = (surface: 'web' | 'mobile'): Guard =>
  guard({ kind: 'session', surface }, (c) => {
    const p = c.get('principal')
    if (!p || p.kind !== surface) throw new UnauthenticatedError()
  })

/** An enrolled petugas tablet (device cookie), person signed in or not. */
export const enrolledDevice = (): Guard =>
  guard({ kind: 'device' }, (c) => {
    if (!c.get('device')) throw new UnauthenticatedError('This tablet is not enrolled', 'DEVICE_NOT_ENROLLED')
  })

/**
 * A signed-in person whose role in the active organization grants `permission`. A route with an organization in its
 * path (`:id`) only answers for the active organization: any other is "not found", never another tenant's data.
 */
export const allow = (permission: Permission): Guard =>
  guard({ kind: 'permission', permission }, (c) => {
    const p = c.get('principal')
    if (!p) throw new UnauthenticatedError()
    if (p.organizationId === null) {
      throw new ForbiddenError('Choose an organization first', 'ORGANIZATION_NOT_SELECTED')
    }
    const orgParam = c.req.param('id' as never) as string | undefined
    if (orgParam !== undefined && String(p.organizationId) !== orgParam) throw new NotFoundError('Organization')
    if (!p.permissions.has(permission)) {
      throw new ForbiddenError('You do not have permission to do this', 'FORBIDDEN', { permission })
    }
  })

/**
 * Like `allow`, for routes two roles share (a member submitting their own record, a petugas recording anyone's), with
 * the same rule for an organization in the path: only the active one, any other is "not found".
 */
export const allowAny = (...permissions: Permission[]): Guard =>
  guard({ kind: 'any-permission', permissions }, (c) => {
    const p = c.get('principal')
    if (!p) throw new UnauthenticatedError()
    if (p.organizationId === null) throw new ForbiddenError('Choose an organization first', 'ORGANIZATION_NOT_SELECTED')
    const orgParam = c.req.param('id' as never) as string | undefined
    if (orgParam !== undefined && String(p.organizationId) !== orgParam) throw new NotFoundError('Organization')
    if (!permissions.some((x) => p.permissions.has(x))) {
      throw new ForbiddenError('You do not have permission to do this', 'FORBIDDEN', { permission: permissions.join(' | ') })
    }
  })

/** The principal of a route guarded by `allow`, with its organization known. */
export function scoped(c: Context<AppEnv>): Principal & { organizationId: number } {
  const p = c.get('principal')
  if (!p || p.organizationId === null) throw new UnauthenticatedError()
  return p as Principal & { organizationId: number }
}

export function principalOf(c: Context<AppEnv>): Principal {
  const p = c.get('principal')
  if (!p) throw new UnauthenticatedError()
  return p
}

export function deviceOf(c: Context<AppEnv>): DevicePrincipal {
  const d = c.get('device')
  if (!d) throw new UnauthenticatedError('This tablet is not enrolled', 'DEVICE_NOT_ENROLLED')
  return d
}

export interface RouteAccess {
  method: string
  path: string
  access: Access
}

/** Every /api route of an app with the access its guard declares (null when it has none: a bug the tests catch). */
export function routeAccessTable(routes: { method: string; path: string; handler: unknown }[]): (Omit<RouteAccess, 'access'> & { access: Access | null })[] {
  const byRoute = new Map<string, { method: string; path: string; access: Access | null; handlers: number }>()
  for (const r of routes) {
    if (!r.path.startsWith('/api/') || r.method === 'ALL') continue
    const key = `${r.method} ${r.path}`
    const entry = byRoute.get(key) ?? { method: r.method, path: r.path, access: null, handlers: 0 }
    const access = (r.handler as { access?: Access }).access
    if (access) entry.access = access
    entry.handlers++
    byRoute.set(key, entry)
  }
  return [...byRoute.values()].map(({ method, path, access }) => ({ method, path, access }))
}
