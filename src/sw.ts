/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, type PrecacheEntry, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { getMeta, hadirDb } from './offline/db'
import { carryOver, type DeviceEntry, deviceCacheName, keepPrecachedDeviceFiles } from './offline/device-cache'
import { flushRollCalls, rollCallTransport } from './offline/roll-calls'
import { exclusively, fetchTransport, flushOutbox } from './offline/sync'

declare let self: ServiceWorkerGlobalScope

// The page asks for this when the member taps "reload" on the update prompt.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') void self.skipWaiting()
})

// What a device downloads only when it needs it (vite.config.ts deviceGroups): the face runtime and the recognition
// model are the bulk of the app's bytes, the petugas code is of no use on a member's phone. None of it is precached,
// so opening the app on a phone with prepaid data costs the app alone, and a desktop admin never downloads a face
// model. A device fetches a group when it first needs it (the first face screen, with its download in words; a petugas
// tablet at enrolment: src/face/runtime.ts); this worker keeps each file so fetched (cache first) for offline use, and
// a new version of the app fetches the new versions of the files a device had at once, or when next opened online
// (carryOver).
// (./offline/device-cache.ts: the cache's name per version, what an update does with it.)
type Entry = PrecacheEntry & Pick<DeviceEntry, 'group'>
const manifest = self.__WB_MANIFEST as Entry[]
const deviceEntries = manifest.filter((e) => e.group)
const devicePaths = new Set(deviceEntries.map((e) => entryPath(e.url)))
/** One cache per version of the device files (their names and revisions), so an update never mixes versions. */
const DEVICE_CACHE = deviceCacheName(deviceEntries)
const deviceCache = { caches, fetch: (input: string, init?: RequestInit) => fetch(input, init), entries: deviceEntries, pathOf: entryPath }
precacheAndRoute(manifest.filter((e) => !e.group).map(({ url, revision, integrity }) => ({ url, revision, integrity })))
cleanupOutdatedCaches()

// Every app route (/m/..., /p/..., /admin/...) is the single-page shell; the API must always reach the server.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api(\/|$)/] }))

clientsClaim()

registerRoute(
  ({ url, sameOrigin }) => sameOrigin && devicePaths.has(url.pathname),
  async ({ request }) => {
    const cache = await caches.open(DEVICE_CACHE)
    const hit = await cache.match(request, { ignoreSearch: true })
    if (hit) return hit
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  },
)
self.addEventListener('install', (event) => event.waitUntil(keepPrecachedDeviceFiles(deviceCache)))
const carry = carryOver(deviceCache)
self.addEventListener('activate', (event) => event.waitUntil(carry()))
// A carry-over the update could not finish (offline then) is finished when the app is next opened.
self.addEventListener('fetch', (event) => {
  if (event.request.mode === 'navigate') event.waitUntil(carry())
})

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

function entryPath(url: string): string {
  return new URL(url, self.location.href).pathname
}

// Web Push (issue 19): the server's notification (title, body, the app page it opens) shown as the system's notice;
// a tap focuses an open window of the app on that page, or opens one.
interface PushNotice {
  title: string
  body: string
  url: string
  tag?: string
}
self.addEventListener('push', (event) => {
  let notice: PushNotice
  try {
    notice = event.data?.json() as PushNotice
  } catch {
    notice = { title: 'Hadir', body: event.data?.text() ?? '', url: '/' }
  }
  event.waitUntil(
    self.registration.showNotification(notice.title, { body: notice.body, tag: notice.tag, icon: '/icons/icon-192.png', badge: '/icons/icon-192.png', data: { url: notice.url } }),
  )
})
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const target = new URL((event.notification.data as { url?: string } | null)?.url ?? '/', self.location.origin)
  // Only this app's own pages: a push never opens another site.
  const url = target.origin === self.location.origin ? target.href : self.location.origin
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open = windows[0]
      if (open) {
        await open.navigate(url).catch(() => undefined)
        await open.focus()
        return
      }
      await self.clients.openWindow(url)
    })(),
  )
})
