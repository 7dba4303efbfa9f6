// Search and QR opened from kiosk mode (`?from=kiosk`) go back to face mode by themselves: after a short idle (nobody
// touched the screen) and after the record, so the tablet at the gate never stays on a screen the next person in
// the queue cannot use (issue 18).
import { computed, onBeforeUnmount, onMounted } from 'vue'
import { type RouteLocationRaw, useRoute, useRouter } from 'vue-router'

/** Nobody touched the screen for this long: back to face mode. */
export const KIOSK_RETURN_IDLE_MS = 20_000

export function useKioskReturn(options: { idleMs?: number; active?: () => boolean } = {}) {
  const route = useRoute()
  const router = useRouter()
  const fromKiosk = computed(() => route.query.from === 'kiosk')
  let timer: ReturnType<typeof setTimeout> | null = null

  /** Where "back" and "next" lead: face mode when opened from it, else `otherwise`. */
  function back(otherwise: RouteLocationRaw): RouteLocationRaw {
    return fromKiosk.value ? { name: 'petugas-kiosk' } : otherwise
  }

  /** The query that keeps "from kiosk" on the next screen (search -> record, QR -> record). */
  const carry = computed(() => (fromKiosk.value ? { from: 'kiosk' } : {}))

  function toKiosk(): Promise<unknown> {
    return router.replace({ name: 'petugas-kiosk' })
  }

  function touch(): void {
    if (timer) clearTimeout(timer)
    if (!fromKiosk.value) return
    timer = setTimeout(() => {
      // Someone is in the middle of it (a face being checked, a record being saved): wait for the next idle.
      if (options.active?.()) return touch()
      void toKiosk()
    }, options.idleMs ?? KIOSK_RETURN_IDLE_MS)
  }

  const events = ['pointerdown', 'keydown', 'input'] as const
  onMounted(() => {
    for (const e of events) window.addEventListener(e, touch, { passive: true })
    touch()
  })
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer)
    for (const e of events) window.removeEventListener(e, touch)
  })

  return { fromKiosk, back, carry, toKiosk, touch }
}
