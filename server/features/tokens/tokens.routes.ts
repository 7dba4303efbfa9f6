import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { name, pgArray, pgInt, rowIdParam } from '../../../shared/validation'
import { PERMISSIONS } from '../../../shared/permissions'
import { idParam } from '../organizations/organizations.schemas'
import { ForbiddenError } from '../../errors'
import { createToken, listTokens, revokeToken, type TokenRow } from './tokens.service'

const tokenInput = z.object({
  name,
  permissions: pgArray(z.enum(PERMISSIONS), PERMISSIONS.length).optional(),
  expires_in_days: pgInt(1, 730).default(90),
})
const tokenParams = z.object({ id: rowIdParam, tokenId: rowIdParam })

function presentToken(t: TokenRow, now = new Date()) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    permissions: t.permissions,
    status: t.revokedAt ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active',
    expires_at: t.expiresAt.toISOString(),
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    revoked_at: t.revokedAt?.toISOString() ?? null,
    created_at: t.createdAt.toISOString(),
  }
}

/**
 * Integrations are managed by a person on the dashboard: a token cannot mint or revoke tokens, nor change webhooks.
 * Placed right after the route's guard, before its input is read.
 */
export const peopleOnly: MiddlewareHandler<AppEnv> & { peopleOnly: true } = Object.assign(
  async (c: Parameters<MiddlewareHandler<AppEnv>>[0], next: Parameters<MiddlewareHandler<AppEnv>>[1]) => {
    if (c.get('principal')?.kind === 'token') throw new ForbiddenError('API tokens cannot manage integrations', 'TOKEN_NOT_ALLOWED')
    await next()
  },
  // Read by the route table (server/lib/route-table.ts): the OpenAPI document offers no bearer token for these routes.
  { peopleOnly: true as const },
)

/** An organization's API tokens (issue 19): list, create (the secret answered once), revoke. */
export const tokenRoutes = new Hono<AppEnv>()
  .get('/:id/api-tokens', allow('settings:manage'), peopleOnly, validate('param', idParam), async (c) => {
    return ok(c, { tokens: (await listTokens(serviceContext(c))).map((t) => presentToken(t)) })
  })
  .post('/:id/api-tokens', allow('settings:manage'), peopleOnly, validate('param', idParam), validate('json', tokenInput), async (c) => {
    const { token, secret } = await createToken(serviceContext(c), c.req.valid('json'))
    return ok(c, { ...presentToken(token), token: secret }, 201)
  })
  .delete('/:id/api-tokens/:tokenId', allow('settings:manage'), peopleOnly, validate('param', tokenParams), async (c) => {
    return ok(c, presentToken(await revokeToken(serviceContext(c), c.req.valid('param').tokenId)))
  })
