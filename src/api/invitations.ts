// Invitations to people who already have a Hadir account (server/features/invitations). An organization that adds
// such a person (staff, member, or a row of an import) gets a pending invitation; the person accepts or declines it
// with their own sign-in: on the dashboard's organization choice, or on the app's home.
import { api } from './client'
import type { Id, Member } from './types'

export type InvitationKind = 'staff' | 'member'

/** An invitation as the inviting organization sees it: only what its admin typed. */
export interface OrganizationInvitation {
  id: Id
  kind: InvitationKind
  name: string
  email: string
  role: { id: Id; key: string; name: string }
  member_number: string | null
  department: string | null
  position: string | null
  status: 'pending' | 'declined' | 'expired'
  created_at: string
  expires_at: string
  responded_at: string | null
}

/** An invitation as the invited person sees it. */
export interface MyInvitation {
  id: Id
  kind: InvitationKind
  organization: { id: Id; name: string }
  role: { id: Id; key: string; name: string }
  invited_by: string | null
  created_at: string
  expires_at: string
}

export interface InvitationAnswer {
  accepted?: true
  declined?: true
  kind?: InvitationKind
  organization?: { id: Id; name: string }
}

/** Adding someone answers the new member/staff, or `{ invitation }` when their email has an account of its own. */
export type Added<T> = T | { invitation: OrganizationInvitation }
export function isInvitation<T>(added: Added<T>): added is { invitation: OrganizationInvitation } {
  return !!added && typeof added === 'object' && 'invitation' in added
}
export type AddedMember = Added<Member>

const org = (id: string) => `/api/organizations/${encodeURIComponent(id)}`

export const listOrganizationInvitations = async (id: string, kind: InvitationKind) =>
  (await api.get<{ invitations: OrganizationInvitation[] }>(`${org(id)}/membership-invitations`, { query: { kind } })).invitations
export const withdrawInvitation = (id: string, invitationId: Id) => api.delete<{ deleted: true }>(`${org(id)}/membership-invitations/${invitationId}`)

// The person, on the dashboard (their invitations come with GET /api/auth/me).
export const acceptOnDashboard = (invitationId: Id) => api.post<InvitationAnswer>(`/api/auth/membership-invitations/${invitationId}/accept`)
export const declineOnDashboard = (invitationId: Id) => api.post<InvitationAnswer>(`/api/auth/membership-invitations/${invitationId}/decline`)

// The person, in the app (member invitations; accepting sets the PIN for that organization).
export const listMyAppInvitations = async () => (await api.get<{ invitations: MyInvitation[] }>('/api/mobile/membership-invitations')).invitations
export const acceptInApp = (invitationId: Id, pin: string) => api.post<InvitationAnswer>(`/api/mobile/membership-invitations/${invitationId}/accept`, { pin })
export const declineInApp = (invitationId: Id) => api.post<InvitationAnswer>(`/api/mobile/membership-invitations/${invitationId}/decline`)
