// The service worker's cache of the files a device downloads only when it needs it (vite.config.ts deviceGroups: the
// face runtime, the recognition model, the petugas code; src/sw.ts keeps each one cache first): the cache's name for
// a version of the app, and what an update does with the files a device had kept. The caches and fetch are passed in,
// so ./device-cache.test.ts runs the same code on an in-memory CacheStorage.

export type DeviceGroup = 'face' | 'recognition' | 'petugas'

/** A precache manifest entry (vite.config.ts manifestTransforms): the device files carry their group. */
export interface DeviceEntry {
  url: string
  revision?: string | null
  group?: DeviceGroup
}

export interface DeviceCacheContext {
  caches: CacheStorage
  fetch: (input: string, init?: RequestInit) => Promise<Response>
  /** This version's device files (the manifest's entries with a group). */
  entries: readonly DeviceEntry[]
  /** An entry's URL as a path on this origin (/assets/...). */
  pathOf: (url: string) => string
}

/** Versions before the device cache precached the face runtime on every device: noted here on install. */
export const LEGACY_CACHE = 'hadir-face-legacy'
/** The cache of the versions that kept only the recognition model. */
const RECOGNIZER_CACHE = 'hadir-recognizer-v1'

function versionOf(entries: readonly DeviceEntry[]): string {
  let h = 0x811C9DC5 // FNV-1a over the names and revisions
  for (const e of entries) {
    const text = `${e.url}@${e.revision ?? ''}`
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  }
  return (h >>> 0).toString(36)
}

/** One cache per version of the device files (their names and revisions), so an update never mixes versions. */
export function deviceCacheName(entries: readonly DeviceEntry[]): string {
  return `hadir-device-${versionOf(entries)}`
}

/** A file's name without its content hash (assets/face.worker-AbC123.js -> assets/face.worker.js), to match versions. */
export function stem(pathname: string): string {
  return pathname.replace(/-[\w-]{8}(\.\w+)$/, '$1')
}

/** Caches of earlier versions' device files (and of versions that kept only the recognition model). */
export function isOlderDeviceCache(name: string, current: string): boolean {
  return (name.startsWith('hadir-device-') || name === RECOGNIZER_CACHE || name === LEGACY_CACHE) && name !== current
}

/**
 * A device that had device files keeps having them offline after an update: the new version of every file it had is
 * fetched now (from the legacy precache copy, only the face runtime's: every device had those), then the older caches
 * are deleted. When a file cannot be fetched (offline, the server down, an answer that is not OK), the older caches
 * stay (the device still has its files) and the next call finishes the work: the service worker calls it again each
 * time the app is opened (carryOver). Returns whether nothing is left to carry.
 */
export async function carryDeviceFilesOver({ caches, fetch, entries, pathOf }: DeviceCacheContext): Promise<boolean> {
  const current = deviceCacheName(entries)
  const names = (await caches.keys()).filter((name) => isOlderDeviceCache(name, current))
  if (names.length === 0) return true
  const had = new Set<string>()
  for (const name of names) {
    for (const request of await (await caches.open(name)).keys()) had.add(stem(new URL(request.url).pathname))
  }
  const cache = await caches.open(current)
  const wanted = entries.filter((e) => had.has(stem(pathOf(e.url)))).map((e) => pathOf(e.url))
  try {
    for (const pathname of wanted) {
      if (await cache.match(pathname)) continue
      const response = await fetch(pathname, { credentials: 'same-origin' })
      if (!response.ok) return false
      await cache.put(pathname, response)
    }
  } catch {
    return false
  }
  for (const name of names) await caches.delete(name)
  return true
}

/**
 * carryDeviceFilesOver for the service worker's events: at most one run at a time (activation and the pages opened
 * meanwhile share it). The worker calls it on activation and again on every navigation, so a carry-over an update
 * could not finish (the phone offline at that moment) completes the next time the app is opened online, not only at
 * the next update. With nothing left to carry it costs one look at the cache names.
 */
export function carryOver(context: DeviceCacheContext): () => Promise<boolean> {
  let running: Promise<boolean> | null = null
  return () => (running ??= carryDeviceFilesOver(context).finally(() => {
    running = null
  }))
}

/**
 * Versions before this one precached the face runtime on every device. Before the precache drops those files (when
 * this version activates), they are noted in a cache of their own, so carryDeviceFilesOver fetches their new versions.
 */
export async function keepPrecachedDeviceFiles({ caches, entries, pathOf }: Omit<DeviceCacheContext, 'fetch'>): Promise<void> {
  const face = new Set(entries.filter((e) => e.group !== 'petugas').map((e) => stem(pathOf(e.url))))
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
