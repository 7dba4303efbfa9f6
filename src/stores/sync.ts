import { defineStore } from 'pinia'
import { computed, reactive } from 'vue'
import { getMeta, hadirDb, setMeta } from '~/offline/db'
import { enqueueCapture, type NewCapture } from '~/offline/outbox'
import { enqueueRollCall, type NewRollCall, rollCallTransport } from '~/offline/roll-calls'
import { SyncLoop, type SyncState } from '~/offline/loop'
import { fetchTransport } from '~/offline/sync'
import { deviceId } from '~/face/device'

/**
 * The device's sync state for the whole app: how many captures wait, how many need attention, when the last sync
 * succeeded. One loop per page; it starts when a member or petugas is signed in.
 */
export const useSyncStore = defineStore('sync', () => {
  const state = reactive<SyncState>({ pending: 0, attention: 0, lastSyncAt: null, syncing: false, online: typeof navigator === 'undefined' ? true : navigator.onLine, lastError: null })
  let loop: SyncLoop | null = null
  let organization: number | null = null

  async function start(organizationId: number): Promise<void> {
    if (loop && organization === organizationId) return
    stop()
    organization = organizationId
    const db = hadirDb()
    const id = deviceId()
    // The service worker has no localStorage: it reads the device id from IndexedDB.
    if ((await getMeta<string>(db, 'device_id')) !== id) await setMeta(db, 'device_id', id)
    void navigator.storage?.persist?.().catch(() => false)
    loop = new SyncLoop({ db, transport: fetchTransport(), rollCalls: rollCallTransport(), deviceId: id, organizationId, onChange: (s) => Object.assign(state, s) })
    loop.start()
  }

  function stop(): void {
    loop?.stop()
    loop = null
    organization = null
  }

  /** Saves a capture (record + outbox entry, one transaction) and tries to send it at once. */
  async function capture(entry: NewCapture): Promise<void> {
    await enqueueCapture(hadirDb(), entry)
    await loop?.refresh()
    void requestBackgroundSync()
    void loop?.flush()
  }

  /** Saves a confirmed roll-call (and its faces' captures) and tries to send it at once; it waits offline. */
  async function rollCall(entry: NewRollCall): Promise<void> {
    await enqueueRollCall(hadirDb(), entry)
    await loop?.refresh()
    void requestBackgroundSync()
    void loop?.flush()
  }

  async function flush(): Promise<void> {
    await loop?.flush()
  }

  const waiting = computed(() => state.pending + state.attention)
  return { state, waiting, start, stop, capture, rollCall, flush }
})

/** Asks the service worker to flush when connectivity returns, where the browser supports Background Sync. */
async function requestBackgroundSync(): Promise<void> {
  try {
    const reg = (await navigator.serviceWorker?.ready) as (ServiceWorkerRegistration & { sync?: { register: (tag: string) => Promise<void> } }) | undefined
    await reg?.sync?.register('hadir-sync')
  } catch {
    // Not supported (Safari, Firefox) or not allowed: the page's loop covers it.
  }
}
