import { ref } from 'vue'
import { removePushSubscription, savePushSubscription, type PushSubscriptionJson } from '~/api/notifications'

/** What this browser can do about push: unsupported (no service worker / Push API), or the permission's state. */
export type PushState = 'unsupported' | 'default' | 'granted' | 'denied'

function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '=')
  const raw = atob(base64)
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

/**
 * This browser's Web Push subscription for the signed-in person: asks the permission (only when the person taps the
 * button), subscribes with the server's VAPID public key through the app's service worker, and sends the subscription
 * to the server; `disable` unsubscribes and tells the server.
 */
export function usePushSubscription() {
  const state = ref<PushState>(pushSupported() ? (Notification.permission as PushState) : 'unsupported')
  const endpoint = ref<string | null>(null)

  async function current(): Promise<PushSubscription | null> {
    if (!pushSupported()) return null
    const registration = await navigator.serviceWorker.getRegistration()
    const sub = (await registration?.pushManager.getSubscription()) ?? null
    endpoint.value = sub?.endpoint ?? null
    return sub
  }

  async function enable(publicKey: string): Promise<boolean> {
    if (!pushSupported()) return false
    const permission = await Notification.requestPermission()
    state.value = permission as PushState
    if (permission !== 'granted') return false
    const registration = await navigator.serviceWorker.ready
    const sub = (await registration.pushManager.getSubscription()) ?? (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }))
    await savePushSubscription(sub.toJSON() as PushSubscriptionJson)
    endpoint.value = sub.endpoint
    return true
  }

  async function disable(): Promise<void> {
    const sub = await current()
    if (!sub) return
    await removePushSubscription(sub.endpoint).catch(() => undefined)
    await sub.unsubscribe()
    endpoint.value = null
  }

  return { state, endpoint, current, enable, disable }
}
