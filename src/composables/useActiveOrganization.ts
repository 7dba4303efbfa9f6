import { computed } from 'vue'
import { useSessionStore } from '~/stores/session'

/** The active organization's id for dashboard calls; dashboard views only render while one is active. */
export function useActiveOrganization() {
  const session = useSessionStore()
  const id = computed(() => String(session.organizationId ?? ''))
  return { id, session }
}
