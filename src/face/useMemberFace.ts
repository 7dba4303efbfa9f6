// The signed-in member's face data: registered or not, consent given for the current text or not.
import { CONSENT_VERSION } from '@shared/face/consent'
import { computed } from 'vue'
import { type FaceStatus, getFaceStatus } from '~/api/face'
import { useResource } from '~/composables/useResource'
import { useMobileStore } from '~/stores/mobile'

/** A consent as the server sends it (`current`: its own verdict), or as an older answer kept offline without one. */
type ConsentLike = Omit<NonNullable<FaceStatus['consent']>, 'current'> & { current?: boolean }

export function hasCurrentConsent(status: { consent: ConsentLike | null } | null | undefined): boolean {
  const consent = status?.consent
  if (!consent) return false
  return consent.current ?? consent.version === CONSENT_VERSION
}

export function useMemberFace() {
  const mobile = useMobileStore()
  const memberId = computed(() => mobile.me?.member.id ?? null)
  const status = useResource(async () => {
    if (memberId.value === null) return null
    return getFaceStatus(memberId.value)
  })
  const registered = computed(() => status.data.value?.registered === true)
  const consented = computed(() => hasCurrentConsent(status.data.value))
  return { memberId, status, registered, consented }
}
