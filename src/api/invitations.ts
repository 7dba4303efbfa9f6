// Membership invitations (docs/api.md, "Membership invitations"): an organization invites someone who already has a
// Hadir account (dashboard or app); that person accepts or declines where they sign in.
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

export type InvitationKind = 'staff' | 'member'

const org = routes.organizations[':id']['membership-invitations']

export const listOrganizationInvitations = async (id: string, kind: InvitationKind) =>
  (await call(org.$get({ param: { id }, query: { kind } }))).invitations
/** An invitation as the inviting organization sees it: only what its admin typed. */
export type OrganizationInvitation = AnswerOf<typeof listOrganizationInvitations>[number]
export const withdrawInvitation = (id: string, invitationId: Id) =>
  call(org[':invitationId'].$delete({ param: { id, invitationId: String(invitationId) } }))

/** Adding someone answers the new member/staff, or `{ invitation }` when their email has an account of its own. */
export function isInvitation<T extends object>(added: T): added is Extract<T, { invitation: unknown }> {
  return !!added && typeof added === 'object' && 'invitation' in added
}

const onDashboard = routes.auth['membership-invitations'][':invitationId']
export const acceptOnDashboard = (invitationId: Id) => call(onDashboard.accept.$post({ param: { invitationId: String(invitationId) } }))
export const declineOnDashboard = (invitationId: Id) => call(onDashboard.decline.$post({ param: { invitationId: String(invitationId) } }))
export type InvitationAnswer = AnswerOf<typeof acceptOnDashboard> | AnswerOf<typeof declineOnDashboard>

const inApp = routes.mobile['membership-invitations']
export const listMyAppInvitations = async () => (await call(inApp.$get())).invitations
/** An invitation as the invited person sees it. */
export type MyInvitation = AnswerOf<typeof listMyAppInvitations>[number]
export const acceptInApp = (invitationId: Id, pin: string) =>
  call(inApp[':invitationId'].accept.$post({ param: { invitationId: String(invitationId) }, json: { pin } }))
export const declineInApp = (invitationId: Id) => call(inApp[':invitationId'].decline.$post({ param: { invitationId: String(invitationId) } }))
