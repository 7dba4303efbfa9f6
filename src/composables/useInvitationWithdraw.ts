import { ref } from 'vue'
import { type OrganizationInvitation, withdrawInvitation } from '~/api/invitations'

/** Withdrawing a pending invitation from a list, asked first: one row at a time is being confirmed or withdrawn. */
export function useInvitationWithdraw(organizationId: () => string, onWithdrawn: () => Promise<unknown>) {
  const withdrawing = ref<number | null>(null)
  const confirming = ref<number | null>(null)
  const failure = ref<unknown>(null)

  async function withdraw(invitation: OrganizationInvitation): Promise<void> {
    withdrawing.value = invitation.id
    failure.value = null
    try {
      await withdrawInvitation(organizationId(), invitation.id)
      confirming.value = null
      await onWithdrawn()
    } catch (error) {
      failure.value = error
    } finally {
      withdrawing.value = null
    }
  }

  return { withdrawing, confirming, failure, withdraw }
}
