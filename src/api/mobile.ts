// The member app's public calls (docs/api.md, "Mobile").
import { type AnswerOf, call, routes } from './client'

/** What an invitation code is for (public, before sign-in): the organization and the member it invites. */
export const getInvitation = (code: string) => call(routes.mobile.invitations[':code'].$get({ param: { code } }))
export type InvitationPreview = AnswerOf<typeof getInvitation>
