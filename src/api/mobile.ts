import { api } from './client'
import type { InvitationPreview } from './types'

export const getInvitation = (code: string) => api.get<InvitationPreview>(`/api/mobile/invitations/${encodeURIComponent(code)}`)
