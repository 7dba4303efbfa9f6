/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { getMeta, hadirDb } from './offline/db'
import { flushRollCalls, rollCallTransport } from './offline/roll-calls'
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

// The face recognition model and its runtime (src/face/recognizer.ts) are not precached: only a kiosk needs them, so a
// member's phone never downloads them. The first time a kiosk fetches them they are kept here (cache first, by URL:
// the model's file name carries its version), so the kiosk identifies faces offline from then on.
const RECOGNIZER_CACHE = 'hadir-recognizer-v1'
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && (/^\/models\/[^/]+\.onnx$/.test(url.pathname) || /^\/assets\/ort-wasm[^/]*\.wasm$/.test(url.pathname)),
  async ({ request }) => {
    const cache = await caches.open(RECOGNIZER_CACHE)
    const hit = await cache.match(request)
    if (hit) return hit
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  },
)

// (Service workers may not use import(): the sync module is bundled in.)
// Background Sync (where the browser has it) flushes the same outbox and roll-calls as the page, under the same Web Lock.
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
  await exclusively(async () => {
    await flushOutbox(db, fetchTransport(fetch), { deviceId: id })
    await flushRollCalls(db, rollCallTransport(fetch))
  })
}
