import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allowAny, principalOf, scoped, signedIn } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { hashSecret } from '../../auth/crypto'
import { audit } from '../../audit'
import { ValidationError } from '../../errors'
import type { Permission } from '../../../shared/permissions'
import { isTrivialPin } from '../mobile/mobile.service'
import {
  acceptInvitation,
  declineInvitation,
  invitationsOf,
  myInvitations,
  withdrawOpenInvitation,
  type InvitationKind,
} from './membership-invitations.service'

const orgParam = z.object({ id: z.coerce.number().int().positive() })
const orgInvitationParams = z.object({ id: z.coerce.number().int().positive(), invitationId: z.coerce.number().int().positive() })
const invitationParam = z.object({ invitationId: z.coerce.number().int().positive() })
const listQuery = z.object({ kind: z.enum(['staff', 'member']).optional() })
const pinInput = z.object({ pin: z.string().regex(/^\d{6}$/, 'The PIN is 6 digits') })

/** Staff invitations belong to whoever manages staff (settings), member invitations to whoever manages members. */
function kindsFor(permissions: Set<Permission>, reading: boolean): InvitationKind[] {
  const kinds: InvitationKind[] = []
  if (permissions.has('settings:manage')) kinds.push('staff')
  if (permissions.has(reading ? 'member:view' : 'member:manage')) kinds.push('member')
  return kinds
}

/** The inviting organization: its open invitations to existing accounts, and withdrawing one. */
export const organizationInvitationRoutes = new Hono<AppEnv>()
  .get('/:id/membership-invitations', allowAny('settings:manage', 'member:view'), validate('param', orgParam), validate('query', listQuery), async (c) => {
    const { kind } = c.req.valid('query')
    const kinds = kindsFor(scoped(c).permissions, true).filter((k) => kind === undefined || k === kind)
    return ok(c, { invitations: await invitationsOf(serviceContext(c), kinds) })
  })
  .delete('/:id/membership-invitations/:invitationId', allowAny('settings:manage', 'member:manage'), validate('param', orgInvitationParams), async (c) => {
    await withdrawOpenInvitation(serviceContext(c), c.req.valid('param').invitationId, kindsFor(scoped(c).permissions, false))
    return ok(c, { deleted: true })
  })

async function answer(c: Context<AppEnv>, invitationId: number, kinds: InvitationKind[], how: 'accept' | 'decline', pinHash?: string) {
  const p = principalOf(c)
  return c.get('deps').database.db.transaction(async (tx) => {
    if (how === 'decline') {
      const row = await declineInvitation(tx, p.userId, invitationId, kinds)
      // No actor: the organization sees only the name its admin typed, never the account's own.
      await audit(tx, { organizationId: row.organizationId, action: 'invitation.decline', entityType: 'invitation', entityId: row.id, details: { name: row.name, kind: row.kind } })
      return { declined: true as const }
    }
    const done = await acceptInvitation(tx, p.userId, invitationId, { kinds, pinHash })
    await audit(tx, {
      organizationId: done.organization.id,
      actorUserId: p.userId,
      action: 'invitation.accept',
      entityType: 'member',
      entityId: done.memberId,
      details: { name: done.invitation.name, kind: done.invitation.kind, role_id: done.invitation.roleId },
      ip: clientIp(c),
    })
    return { accepted: true as const, kind: done.invitation.kind, organization: done.organization }
  })
}

/**
 * The invited person on the dashboard (signed in with their own email and password, before or after choosing an
 * organization): their pending invitations come with GET /api/auth/me; here they accept or decline one. A member
 * invitation accepted here has no PIN yet: the organization's usual invitation link (with its QR code) sets it.
 */
export const webInvitationRoutes = new Hono<AppEnv>()
  .post('/membership-invitations/:invitationId/accept', signedIn('web'), validate('param', invitationParam), async (c) => ok(c, await answer(c, c.req.valid('param').invitationId, ['staff', 'member'], 'accept')))
  .post('/membership-invitations/:invitationId/decline', signedIn('web'), validate('param', invitationParam), async (c) => ok(c, await answer(c, c.req.valid('param').invitationId, ['staff', 'member'], 'decline')))

/**
 * The invited person in the app (signed in with a PIN of another organization): member invitations only (staff use
 * the dashboard). Accepting sets the PIN for the new organization.
 */
export const mobileInvitationRoutes = new Hono<AppEnv>()
  .get('/membership-invitations', signedIn('mobile'), async (c) => {
    return ok(c, { invitations: await myInvitations(c.get('deps').database.db, principalOf(c).userId, ['member']) })
  })
  .post('/membership-invitations/:invitationId/accept', signedIn('mobile'), validate('param', invitationParam), validate('json', pinInput), async (c) => {
    const { pin } = c.req.valid('json')
    if (isTrivialPin(pin)) {
      throw new ValidationError('Choose a PIN that is harder to guess', [{ path: 'pin', message: 'Too easy to guess' }], 'PIN_TOO_SIMPLE')
    }
    return ok(c, await answer(c, c.req.valid('param').invitationId, ['member'], 'accept', await hashSecret(pin)))
  })
  .post('/membership-invitations/:invitationId/decline', signedIn('mobile'), validate('param', invitationParam), async (c) => ok(c, await answer(c, c.req.valid('param').invitationId, ['member'], 'decline')))
