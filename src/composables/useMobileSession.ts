import { ref } from 'vue'
import { useRouter } from 'vue-router'
import type { MobileMe } from '~/api/types'
import { isPetugasSession } from '~/router/guards'
import { useMobileStore } from '~/stores/mobile'

/** Entering and leaving the app after a mobile sign-in: petugas go to the tablet home, members to their phone home. */
export function useMobileSession() {
  const router = useRouter()
  const mobile = useMobileStore()
  const leaving = ref(false)

  async function enter(me: MobileMe): Promise<void> {
    if (isPetugasSession(me)) {
      await router.replace({ name: 'petugas-home' })
      return
    }
    // Only a member's own phone remembers the account, so next time they type just the PIN.
    mobile.remember(me)
    await router.replace({ name: 'member-home' })
  }

  async function leave(loginRoute: 'member-login' | 'petugas-login'): Promise<void> {
    leaving.value = true
    try {
      await mobile.logout()
    } finally {
      leaving.value = false
    }
    await router.replace({ name: loginRoute })
  }

  return { enter, leave, leaving }
}
