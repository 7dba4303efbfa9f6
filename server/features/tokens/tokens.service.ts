import { and, desc, eq, isNull } from 'drizzle-orm'
import { apiTokens } from '../../db/schema'
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors'
import { auditBy, tenantTransaction, type ServiceContext } from '../../lib/service-context'
import type { Permission } from '../../../shared/permissions'
import { TOKEN_PERMISSIONS, TOKEN_READ_PERMISSIONS } from '../../../shared/integrations'
import { newTokenSecret, tokenHash } from './tokens.auth'

export type TokenRow = typeof apiTokens.$inferSelect

export interface NewToken {
  name: string
  permissions?: Permission[]
  expires_in_days: number
}

/** The organization's tokens, newest first (never their secret: only its first characters). */
export function listTokens(ctx: ServiceContext): Promise<TokenRow[]> {
  return tenantTransaction(ctx, (tx) => tx.select().from(apiTokens).where(eq(apiTokens.organizationId, ctx.organizationId)).orderBy(desc(apiTokens.createdAt)))
}

/**
 * A token with the chosen permissions: read-only when none are chosen; never a permission the creating admin does not
 * hold, nor one no dashboard role has (recording attendance, registering faces). The secret is answered once.
 */
export async function createToken(ctx: ServiceContext, input: NewToken): Promise<{ token: TokenRow; secret: string }> {
  const wanted = [...new Set(input.permissions ?? TOKEN_READ_PERMISSIONS.filter((p) => ctx.permissions.has(p)))]
  const notForTokens = wanted.filter((p) => !TOKEN_PERMISSIONS.includes(p))
  if (notForTokens.length) throw new ValidationError('An API token cannot carry these permissions', { permissions: notForTokens }, 'TOKEN_PERMISSION_NOT_ALLOWED')
  const notHeld = wanted.filter((p) => !ctx.permissions.has(p))
  if (notHeld.length) throw new ForbiddenError('A token cannot have a permission you do not hold', 'TOKEN_PERMISSION_NOT_HELD', { permissions: notHeld })
  if (wanted.length === 0) throw new ValidationError('Choose at least one permission', { permissions: [] }, 'TOKEN_PERMISSIONS_EMPTY')
  const secret = newTokenSecret()
  const token = await tenantTransaction(ctx, async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({
        organizationId: ctx.organizationId,
        name: input.name,
        prefix: secret.slice(0, 10),
        tokenHash: tokenHash(secret),
        permissions: wanted,
        expiresAt: new Date(Date.now() + input.expires_in_days * 24 * 3600_000),
        createdBy: ctx.userId,
      })
      .returning()
    await auditBy(tx, ctx, { action: 'api_token.create', entityType: 'api_token', entityId: row!.id, details: { name: input.name, permissions: wanted, expires_at: row!.expiresAt.toISOString() } })
    return row!
  })
  return { token, secret }
}

/** Revokes a token: its next request gets 401. Revoking twice is refused as not found (nothing left to revoke). */
export function revokeToken(ctx: ServiceContext, tokenId: number): Promise<TokenRow> {
  return tenantTransaction(ctx, async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.organizationId, ctx.organizationId), isNull(apiTokens.revokedAt)))
      .returning()
    if (!row) throw new NotFoundError('API token')
    await auditBy(tx, ctx, { action: 'api_token.revoke', entityType: 'api_token', entityId: tokenId, details: { name: row.name } })
    return row
  })
}
