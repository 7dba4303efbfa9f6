// The server's verdict on one capture, for the screen that just made it: once the outbox has delivered the record,
// ask GET /api/attendance/captures/:clientId now and then (1 s, then less and less often) until the server's check
// of the evidence is done. Nothing is asked while the record still waits on this device or the device is offline.
import { computed, onScopeDispose, type Ref, shallowRef, watch } from 'vue'
import { type CaptureStatus, getCaptureStatus } from '~/api/attendance'
import { isApiError } from '~/api/client'
import { MAX_VERDICT_ATTEMPTS, type Verdict, verdictDelay, verdictOf } from './useMemberAttendanceRules'

/** unsent: still on this device; offline: sent, but the answer can only come once the device is online again. */
export type VerdictState = Verdict | 'unsent' | 'offline' | 'later'

export function useCaptureVerdict(clientId: Readonly<Ref<string | null>>, delivered: Readonly<Ref<boolean>>) {
  const status = shallowRef<CaptureStatus | null>(null)
  /** The screen stopped asking (a long check, or an answer it cannot use): the history will show the result. */
  const gaveUp = shallowRef(false)
  const offline = shallowRef(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let attempt = 0
  let asking: string | null = null
  let stopped = false

  function clear(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (typeof window !== 'undefined') window.removeEventListener('online', resume)
  }

  /** Back online: ask at once (the wait offline did not count as an attempt). */
  function resume(): void {
    offline.value = false
    if (asking) void ask(asking)
  }

  function schedule(id: string): void {
    clear()
    if (stopped || attempt >= MAX_VERDICT_ATTEMPTS) {
      gaveUp.value = attempt >= MAX_VERDICT_ATTEMPTS
      return
    }
    timer = setTimeout(() => void ask(id), verdictDelay(attempt++))
  }

  async function ask(id: string): Promise<void> {
    if (stopped || asking !== id) return
    // Offline: wait for the browser to say it is back rather than asking into the void.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      clear()
      offline.value = true
      window.addEventListener('online', resume, { once: true })
      return
    }
    try {
      const answer = await getCaptureStatus(id)
      if (asking !== id) return
      status.value = answer
      if (answer.verification === 'done' && answer.approval_status !== 'verifying') return clear()
    } catch (error) {
      if (asking !== id) return
      // Not found yet (the record is still on its way in), or no network: ask again later. Anything else: stop.
      if (!isApiError(error) || (error.status !== 0 && error.status !== 404 && error.status < 500)) {
        gaveUp.value = true
        return clear()
      }
    }
    schedule(id)
  }

  watch(
    [clientId, delivered],
    ([id, sent]) => {
      if (!id || !sent || asking === id) return
      asking = id
      attempt = 0
      status.value = null
      gaveUp.value = false
      void ask(id)
    },
    { immediate: true },
  )

  const state = computed<VerdictState>(() => {
    if (!delivered.value) return 'unsent'
    const verdict = verdictOf(status.value)
    if (verdict !== 'verifying') return verdict
    return offline.value ? 'offline' : gaveUp.value ? 'later' : verdict
  })

  onScopeDispose(() => {
    stopped = true
    clear()
  })

  return { status, state }
}
