/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { getMeta, hadirDb } from './offline/db'
import { exclusively, fetchTransport, flushOutbox } from './offline/sync'

declare let self: ServiceWorkerGlobalScope

// The page asks for this when the member taps "reload" on the update prompt.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') void self.skipWaiting()
})

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

// Every app route (/m/..., /p/..., /admin/...) is the single-page shell; the API must always reach the server.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api(\/|$)/] }))

clientsClaim()

// (Service workers may not use import(): the sync module is bundled in.)
// Background Sync (where the browser has it) flushes the same outbox as the page, under the same Web Lock.
interface SyncEvent extends ExtendableEvent {
  tag: string
}
self.addEventListener('sync', (event) => {
  const e = event as SyncEvent
  if (e.tag === 'hadir-sync') e.waitUntil(flushFromWorker())
})
self.addEventListener('activate', (event) => event.waitUntil(flushFromWorker().catch(() => undefined)))

async function flushFromWorker(): Promise<void> {
  const db = hadirDb()
  const id = await getMeta<string>(db, 'device_id')
  if (!id) return
  await exclusively(() => flushOutbox(db, fetchTransport(fetch), { deviceId: id }))
}
