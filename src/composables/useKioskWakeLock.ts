// A kiosk's screen must not go dark while it waits for the next person: hold a screen wake lock while the camera
// screen is open (taken again when the tablet comes back to it; browsers release it when the page is hidden).
import { onBeforeUnmount, onMounted } from 'vue'

interface WakeLockSentinelLike {
  release: () => Promise<void>
}

export function useKioskWakeLock(): void {
  let sentinel: WakeLockSentinelLike | null = null
  let active = false

  async function acquire(): Promise<void> {
    const wakeLock = (navigator as Navigator & { wakeLock?: { request: (type: 'screen') => Promise<WakeLockSentinelLike> } }).wakeLock
    if (!active || !wakeLock || document.visibilityState !== 'visible') return
    try {
      sentinel = await wakeLock.request('screen')
    } catch {
      // Not allowed (battery saver, no user gesture yet): the screen may dim, nothing else changes.
    }
  }

  const visible = () => void acquire()
  onMounted(() => {
    active = true
    void acquire()
    document.addEventListener('visibilitychange', visible)
  })
  onBeforeUnmount(() => {
    active = false
    document.removeEventListener('visibilitychange', visible)
    void sentinel?.release().catch(() => undefined)
    sentinel = null
  })
}
