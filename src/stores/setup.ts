import { defineStore } from 'pinia'
import { ref } from 'vue'
import { getSetupStatus } from '~/api/session'

/** Whether this installation still needs its first organization and admin (GET /api/setup/status). */
export const useSetupStore = defineStore('setup', () => {
  const needsSetup = ref<boolean | null>(null)
  let pending: Promise<boolean | null> | null = null

  /** Asked once per app start; an unreachable server leaves the answer unknown and is asked again next time. */
  function check(): Promise<boolean | null> {
    if (needsSetup.value !== null) return Promise.resolve(needsSetup.value)
    pending ??= getSetupStatus()
      .then((status) => (needsSetup.value = status.needs_setup))
      .catch(() => null)
      .finally(() => (pending = null))
    return pending
  }

  function markDone(): void {
    needsSetup.value = false
  }

  return { needsSetup, check, markDone }
})
