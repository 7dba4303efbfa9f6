/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, type PrecacheEntry, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { getMeta, hadirDb } from './offline/db'
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
// a new version of the app fetches the new versions of the files a device had at once (carryDeviceFilesOver).
type Entry = PrecacheEntry & { group?: 'face' | 'recognition' | 'petugas' }
const manifest = self.__WB_MANIFEST as Entry[]
const deviceEntries = manifest.filter((e) => e.group)
const devicePaths = new Set(deviceEntries.map((e) => entryPath(e.url)))
/** One cache per version of the device files (their names and revisions), so an update never mixes versions. */
const DEVICE_CACHE = `hadir-device-${versionOf(deviceEntries)}`
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
self.addEventListener('install', (event) => event.waitUntil(keepPrecachedDeviceFiles()))
self.addEventListener('activate', (event) => event.waitUntil(carryDeviceFilesOver()))

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

function versionOf(entries: readonly Entry[]): string {
  let h = 0x811C9DC5 // FNV-1a over the names and revisions
  for (const e of entries) {
    const text = `${e.url}@${e.revision ?? ''}`
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  }
  return (h >>> 0).toString(36)
}

/** A file's name without its content hash (assets/face.worker-AbC123.js -> assets/face.worker.js), to match versions. */
function stem(pathname: string): string {
  return pathname.replace(/-[\w-]{8}(\.\w+)$/, '$1')
}

/** Caches of earlier versions' device files (and of versions that kept only the recognition model). */
const isOlderDeviceCache = (name: string) => (name.startsWith('hadir-device-') || name === 'hadir-recognizer-v1' || name === LEGACY_CACHE) && name !== DEVICE_CACHE

/**
 * A device that had device files keeps having them offline after an update: the new version of every file it had is
 * fetched now (from the legacy precache copy, only the face runtime's: every device had those), then the older caches
 * are deleted. Offline, they stay until the next start online.
 */
async function carryDeviceFilesOver(): Promise<void> {
  const names = (await caches.keys()).filter(isOlderDeviceCache)
  if (names.length === 0) return
  const had = new Set<string>()
  for (const name of names) {
    for (const request of await (await caches.open(name)).keys()) had.add(stem(new URL(request.url).pathname))
  }
  const cache = await caches.open(DEVICE_CACHE)
  const wanted = deviceEntries.filter((e) => had.has(stem(entryPath(e.url)))).map((e) => entryPath(e.url))
  try {
    for (const pathname of wanted) {
      if (await cache.match(pathname)) continue
      const response = await fetch(pathname, { credentials: 'same-origin' })
      if (response.ok) await cache.put(pathname, response)
    }
  } catch {
    return
  }
  for (const name of names) await caches.delete(name)
}

const LEGACY_CACHE = 'hadir-face-legacy'

/**
 * Versions before this one precached the face runtime on every device. Before the precache drops those files (when
 * this version activates), they are noted in a cache of their own, so carryDeviceFilesOver fetches their new versions.
 */
async function keepPrecachedDeviceFiles(): Promise<void> {
  const face = new Set(deviceEntries.filter((e) => e.group !== 'petugas').map((e) => stem(entryPath(e.url))))
  const legacy = await caches.open(LEGACY_CACHE)
  for (const name of (await caches.keys()).filter((n) => n.startsWith('workbox-precache'))) {
    const cache = await caches.open(name)
    for (const request of await cache.keys()) {
      const pathname = new URL(request.url).pathname
      if (!face.has(stem(pathname))) continue
      const response = await cache.match(request)
      if (response) await legacy.put(pathname, response)
    }
  }
  if ((await legacy.keys()).length === 0) await caches.delete(LEGACY_CACHE)
}
