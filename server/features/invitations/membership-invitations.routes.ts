import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allowAny, principalOf, scoped, signedIn } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { callerContext, serviceContext } from '../../lib/service-context'
import type { Permission } from '../../../shared/permissions'
import { answerInvitation } from './membership-invitations.answer'
import {
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

/** The signed-in person's context (these routes are `signedIn`: the user is known). */
function invitee(c: Context<AppEnv>) {
  return { ...callerContext(c), userId: principalOf(c).userId }
}

/**
 * The invited person on the dashboard (signed in with their own email and password, before or after choosing an
 * organization): their pending invitations come with GET /api/auth/me; here they accept or decline one. A member
 * invitation accepted here has no PIN yet: the organization's usual invitation link (with its QR code) sets it.
 */
export const webInvitationRoutes = new Hono<AppEnv>()
  .post('/membership-invitations/:invitationId/accept', signedIn('web'), validate('param', invitationParam), async (c) => ok(c, await answerInvitation(invitee(c), c.req.valid('param').invitationId, ['staff', 'member'], { how: 'accept' })))
  .post('/membership-invitations/:invitationId/decline', signedIn('web'), validate('param', invitationParam), async (c) => ok(c, await answerInvitation(invitee(c), c.req.valid('param').invitationId, ['staff', 'member'], { how: 'decline' })))

/**
 * The invited person in the app (signed in with a PIN of another organization): member invitations only (staff use
 * the dashboard). Accepting sets the PIN for the new organization.
 */
export const mobileInvitationRoutes = new Hono<AppEnv>()
  .get('/membership-invitations', signedIn('mobile'), async (c) => {
    return ok(c, { invitations: await myInvitations(c.get('deps').database.db, principalOf(c).userId, ['member']) })
  })
  .post('/membership-invitations/:invitationId/accept', signedIn('mobile'), validate('param', invitationParam), validate('json', pinInput), async (c) => {
    return ok(c, await answerInvitation(invitee(c), c.req.valid('param').invitationId, ['member'], { how: 'accept', pin: c.req.valid('json').pin }))
  })
  .post('/membership-invitations/:invitationId/decline', signedIn('mobile'), validate('param', invitationParam), async (c) => ok(c, await answerInvitation(invitee(c), c.req.valid('param').invitationId, ['member'], { how: 'decline' })))
