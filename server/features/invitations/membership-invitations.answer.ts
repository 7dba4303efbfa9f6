// The invited person answers an invitation to an organization (on the dashboard before or after choosing one, or in the
// app signed in to another organization): the verb both surfaces call, with the caller's context and the audit entry
// the inviting organization sees.
import { hashSecret } from '../../auth/crypto'
import { auditAs, type CallerContext } from '../../lib/service-context'
import { refuseTrivialPin } from '../mobile/mobile.sign-in'
import { acceptInvitation, declineInvitation, type InvitationKind } from './membership-invitations.service'

export type InvitationAnswer = { how: 'accept'; pin?: string } | { how: 'decline' }

/**
 * Accepts (with the app's PIN for the new organization when the member answers on the phone) or declines one of the
 * caller's own invitations of the given kinds. A decline is audited without an actor: the organization sees only the
 * name its admin typed, never the account's own.
 */
export async function answerInvitation(ctx: CallerContext & { userId: number }, invitationId: number, kinds: InvitationKind[], answer: InvitationAnswer) {
  let pinHash: string | undefined
  if (answer.how === 'accept' && answer.pin !== undefined) {
    refuseTrivialPin(answer.pin)
    pinHash = await hashSecret(answer.pin)
  }
  return ctx.deps.database.db.transaction(async (tx) => {
    if (answer.how === 'decline') {
      const row = await declineInvitation(tx, ctx.userId, invitationId, kinds)
      await auditAs(tx, ctx, { organizationId: row.organizationId, actorUserId: null, ip: null, action: 'invitation.decline', entityType: 'invitation', entityId: row.id, details: { name: row.name, kind: row.kind } })
      return { declined: true as const }
    }
    const done = await acceptInvitation(tx, ctx.userId, invitationId, { kinds, pinHash })
    await auditAs(tx, ctx, {
      organizationId: done.organization.id,
      action: 'invitation.accept',
      entityType: 'member',
      entityId: done.memberId,
      details: { name: done.invitation.name, kind: done.invitation.kind, role_id: done.invitation.roleId },
    })
    return { accepted: true as const, kind: done.invitation.kind, organization: done.organization }
  })
}
