import { describe, expect, it, vi } from 'vitest'
import { carryDeviceFilesOver, carryOver, type DeviceEntry, deviceCacheName, isOlderDeviceCache, keepPrecachedDeviceFiles, LEGACY_CACHE, stem } from './device-cache'

// The service worker's device files across an update (src/sw.ts: install keeps what an older version precached,
// activate carries what a device kept over to the new version's cache), on an in-memory CacheStorage: the new versions
// of the files a device had are fetched, nothing it never had, and the older caches go once that is done.

const ORIGIN = 'https://hadir.test'

/** A Cache in memory, by absolute URL (as the browser's: a path is resolved against the service worker's origin). */
class MemoryCache {
  readonly files = new Map<string, Response>()

  private key(request: RequestInfo | URL): string {
    return new URL(typeof request === 'string' ? request : request instanceof URL ? request.href : request.url, ORIGIN).href
  }

  match(request: RequestInfo | URL, options?: CacheQueryOptions): Promise<Response | undefined> {
    const key = this.key(request)
    const strip = (url: string) => url.split('?')[0]
    const hit = this.files.get(key) ?? (options?.ignoreSearch ? [...this.files].find(([url]) => strip(url) === strip(key))?.[1] : undefined)
    return Promise.resolve(hit?.clone())
  }

  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    this.files.set(this.key(request), new Response(await response.arrayBuffer(), { status: response.status }))
  }

  keys(): Promise<Request[]> {
    return Promise.resolve([...this.files.keys()].map((url) => new Request(url)))
  }

  /** The cached paths (with their search), sorted. */
  paths(): string[] {
    return [...this.files.keys()].map((url) => url.slice(ORIGIN.length)).sort()
  }

  async text(path: string): Promise<string | undefined> {
    return (await this.match(path))?.text()
  }
}

class MemoryCacheStorage {
  readonly named = new Map<string, MemoryCache>()

  open(name: string): Promise<MemoryCache> {
    if (!this.named.has(name)) this.named.set(name, new MemoryCache())
    return Promise.resolve(this.named.get(name)!)
  }

  keys(): Promise<string[]> {
    return Promise.resolve([...this.named.keys()])
  }

  delete(name: string): Promise<boolean> {
    return Promise.resolve(this.named.delete(name))
  }

  /** A cache filled with these paths (each answering "<label> <path>"). */
  fill(name: string, paths: string[], label = 'old'): MemoryCache {
    const cache = new MemoryCache()
    for (const path of paths) cache.files.set(new URL(path, ORIGIN).href, new Response(`${label} ${path}`))
    this.named.set(name, cache)
    return cache
  }
}

/** The new version's device files, as vite.config.ts tags them (hashes changed for the worker and the ONNX chunk). */
const ENTRIES: DeviceEntry[] = [
  { url: 'assets/face.worker-N3wHash1.js', revision: null, group: 'face' },
  { url: 'wasm/tfjs-backend-wasm-simd.wasm', revision: 'simd2', group: 'face' },
  { url: 'wasm/tfjs-backend-wasm.wasm', revision: 'plain2', group: 'face' },
  { url: 'models/tiny_face_detector_model-weights_manifest.json', revision: 'tm2', group: 'face' },
  { url: 'models/tiny_face_detector_model.bin', revision: 'tb2', group: 'face' },
  { url: 'models/arcface-fr_feature.onnx', revision: 'onnx2', group: 'recognition' },
  { url: 'assets/ort.wasm.bundle.min-N3wOrt22.js', revision: null, group: 'recognition' },
  { url: 'assets/petugas-N3wPetu3.js', revision: null, group: 'petugas' },
]
const NEW_CACHE = deviceCacheName(ENTRIES)

/** A server answering every path with "new <path>" (or failing while `offline`), and what was asked of it. */
function server() {
  const fetched: string[] = []
  const state = { offline: false, missing: new Set<string>() }
  const fetch = vi.fn((input: string, _init?: RequestInit) => {
    if (state.offline) return Promise.reject(new TypeError('Failed to fetch'))
    fetched.push(input)
    if (state.missing.has(input)) return Promise.resolve(new Response('gone', { status: 404 }))
    return Promise.resolve(new Response(`new ${input}`))
  })
  return { fetch, fetched, state }
}

function context(caches: MemoryCacheStorage, fetch: (input: string, init?: RequestInit) => Promise<Response>, entries = ENTRIES) {
  return { caches: caches as unknown as CacheStorage, fetch, entries, pathOf: (url: string) => new URL(url, `${ORIGIN}/`).pathname }
}

describe('the device cache across an update', () => {
  it('names one cache per version of the device files, and knows the older ones', () => {
    expect(NEW_CACHE).toMatch(/^hadir-device-\w+$/)
    expect(deviceCacheName(ENTRIES.map((e) => (e.url.startsWith('wasm/tfjs-backend-wasm.') ? { ...e, revision: 'plain3' } : e)))).not.toBe(NEW_CACHE)
    expect(deviceCacheName([...ENTRIES])).toBe(NEW_CACHE)
    expect(stem('/assets/face.worker-Ci7lhcUD.js')).toBe('/assets/face.worker.js')
    expect(stem('/assets/ort.wasm.bundle.min-CxCwzj-I.js')).toBe('/assets/ort.wasm.bundle.min.js')
    expect(stem('/wasm/tfjs-backend-wasm-simd.wasm')).toBe('/wasm/tfjs-backend-wasm-simd.wasm')
    expect(['hadir-device-old1', 'hadir-recognizer-v1', LEGACY_CACHE, NEW_CACHE, 'workbox-precache-v2-https://hadir.test/', 'hadir-other'].filter((n) => isOlderDeviceCache(n, NEW_CACHE))).toEqual([
      'hadir-device-old1',
      'hadir-recognizer-v1',
      LEGACY_CACHE,
    ])
  })

  it('fetches the new version of every file a member\'s phone kept, nothing else, into the new cache, then deletes the older cache', async () => {
    const caches = new MemoryCacheStorage()
    // A phone that reached a face screen: the worker, the SIMD build, the detector (not the recognition files).
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm', '/models/tiny_face_detector_model-weights_manifest.json', '/models/tiny_face_detector_model.bin'])
    const precache = caches.fill('workbox-precache-v2-https://hadir.test/', ['/index.html?__WB_REVISION__=abc', '/assets/index-AbCd1234.js'])
    caches.fill('hadir-other', ['/api/something'])
    const { fetch, fetched } = server()
    await carryDeviceFilesOver(context(caches, fetch))

    expect(fetched.sort()).toEqual(['/assets/face.worker-N3wHash1.js', '/models/tiny_face_detector_model-weights_manifest.json', '/models/tiny_face_detector_model.bin', '/wasm/tfjs-backend-wasm-simd.wasm'])
    const fresh = caches.named.get(NEW_CACHE)!
    expect(fresh.paths()).toEqual(fetched)
    expect(await fresh.text('/assets/face.worker-N3wHash1.js')).toBe('new /assets/face.worker-N3wHash1.js')
    expect(await fresh.text('/wasm/tfjs-backend-wasm-simd.wasm')).toBe('new /wasm/tfjs-backend-wasm-simd.wasm')
    expect(fetch.mock.calls.every(([, init]) => init?.credentials === 'same-origin')).toBe(true)
    // The older version's cache is gone; the app's precache and other caches are not this code's.
    expect([...caches.named.keys()].sort()).toEqual(['hadir-other', NEW_CACHE, 'workbox-precache-v2-https://hadir.test/'].sort())
    expect(caches.named.get('workbox-precache-v2-https://hadir.test/')).toBe(precache)
    expect(precache.paths()).toEqual(['/assets/index-AbCd1234.js', '/index.html?__WB_REVISION__=abc'])
  })

  it('carries a petugas tablet\'s recognition files and petugas code over too, from every older cache', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm.wasm', '/assets/ort.wasm.bundle.min-0ldOrt11.js', '/assets/petugas-0ldPetu1.js'])
    caches.fill('hadir-recognizer-v1', ['/models/arcface-fr_feature.onnx'])
    const { fetch, fetched } = server()
    await carryDeviceFilesOver(context(caches, fetch))
    expect(fetched.sort()).toEqual([
      '/assets/face.worker-N3wHash1.js',
      '/assets/ort.wasm.bundle.min-N3wOrt22.js',
      '/assets/petugas-N3wPetu3.js',
      '/models/arcface-fr_feature.onnx',
      '/wasm/tfjs-backend-wasm.wasm',
    ])
    expect(caches.named.get(NEW_CACHE)!.paths()).toEqual(fetched)
    expect([...caches.named.keys()]).toEqual([NEW_CACHE])
  })

  it('does not fetch a file the new cache already holds', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    caches.fill(NEW_CACHE, ['/assets/face.worker-N3wHash1.js'], 'kept')
    const { fetch, fetched } = server()
    await carryDeviceFilesOver(context(caches, fetch))
    expect(fetched).toEqual(['/wasm/tfjs-backend-wasm-simd.wasm'])
    expect(await caches.named.get(NEW_CACHE)!.text('/assets/face.worker-N3wHash1.js')).toBe('kept /assets/face.worker-N3wHash1.js')
    expect(caches.named.has('hadir-device-0ld1')).toBe(false)
  })

  it('offline, keeps the older cache (the device still has its files) and finishes at the next start online', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    const { fetch, fetched, state } = server()
    state.offline = true
    await carryDeviceFilesOver(context(caches, fetch))
    expect(caches.named.get('hadir-device-0ld1')!.paths()).toEqual(['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    expect(caches.named.get(NEW_CACHE)?.paths() ?? []).toEqual([])

    state.offline = false
    await carryDeviceFilesOver(context(caches, fetch))
    expect(fetched.sort()).toEqual(['/assets/face.worker-N3wHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    expect(caches.named.get(NEW_CACHE)!.paths()).toEqual(fetched)
    expect(caches.named.has('hadir-device-0ld1')).toBe(false)
  })

  it('keeps no answer that is not OK, and then keeps the older cache too (the device still has its files)', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    const { fetch, state } = server()
    state.missing.add('/wasm/tfjs-backend-wasm-simd.wasm')
    expect(await carryDeviceFilesOver(context(caches, fetch))).toBe(false)
    expect(caches.named.get(NEW_CACHE)!.paths()).toEqual(['/assets/face.worker-N3wHash1.js'])
    expect(caches.named.get('hadir-device-0ld1')!.paths()).toEqual(['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    // The server answers again: the next run fetches only what is missing and drops the older cache.
    state.missing.clear()
    expect(await carryDeviceFilesOver(context(caches, fetch))).toBe(true)
    expect(caches.named.get(NEW_CACHE)!.paths()).toEqual(['/assets/face.worker-N3wHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    expect(caches.named.has('hadir-device-0ld1')).toBe(false)
  })

  it('as the service worker runs it (carryOver): one run at a time, and an update that was offline finishes when the app is next opened', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('hadir-device-0ld1', ['/assets/face.worker-0ldHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    const { fetch, fetched, state } = server()
    const carry = carryOver(context(caches, fetch))
    // Activation offline: nothing carried, the older cache kept.
    state.offline = true
    expect(await carry()).toBe(false)
    expect(caches.named.has('hadir-device-0ld1')).toBe(true)
    // Online again, two pages opened at once: one run, each file fetched once, the older cache gone.
    state.offline = false
    const [first, second] = await Promise.all([carry(), carry()])
    expect([first, second]).toEqual([true, true])
    expect(fetched.sort()).toEqual(['/assets/face.worker-N3wHash1.js', '/wasm/tfjs-backend-wasm-simd.wasm'])
    expect(caches.named.has('hadir-device-0ld1')).toBe(false)
    // Later navigations: nothing to do, nothing fetched.
    expect(await carry()).toBe(true)
    expect(fetched).toHaveLength(2)
  })

  it('with no older device cache, fetches nothing and makes no cache', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill(NEW_CACHE, ['/assets/face.worker-N3wHash1.js'], 'kept')
    caches.fill('workbox-precache-v2-https://hadir.test/', ['/assets/face.worker-0ldHash1.js'])
    const { fetch } = server()
    await carryDeviceFilesOver(context(caches, fetch))
    expect(fetch).not.toHaveBeenCalled()
    expect([...caches.named.keys()].sort()).toEqual([NEW_CACHE, 'workbox-precache-v2-https://hadir.test/'].sort())
  })
})

describe('an update from a version that precached the face runtime', () => {
  it('notes the precached face runtime (not the app, not the petugas code) on install, then activate fetches its new versions and drops the note', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('workbox-precache-v2-https://hadir.test/', [
      '/index.html?__WB_REVISION__=abc',
      '/assets/index-AbCd1234.js',
      '/assets/face.worker-0ldHash1.js',
      '/wasm/tfjs-backend-wasm-simd.wasm?__WB_REVISION__=simd1',
      '/wasm/tfjs-backend-wasm.wasm?__WB_REVISION__=plain1',
      '/models/tiny_face_detector_model.bin?__WB_REVISION__=tb1',
      '/assets/petugas-0ldPetu1.js',
    ])
    const { fetch, fetched } = server()
    const ctx = context(caches, fetch)
    await keepPrecachedDeviceFiles(ctx)
    const legacy = caches.named.get(LEGACY_CACHE)!
    expect(legacy.paths()).toEqual(['/assets/face.worker-0ldHash1.js', '/models/tiny_face_detector_model.bin', '/wasm/tfjs-backend-wasm-simd.wasm', '/wasm/tfjs-backend-wasm.wasm'])
    expect(await legacy.text('/assets/face.worker-0ldHash1.js')).toBe('old /assets/face.worker-0ldHash1.js')
    expect(fetch).not.toHaveBeenCalled()

    await carryDeviceFilesOver(ctx)
    expect(fetched.sort()).toEqual(['/assets/face.worker-N3wHash1.js', '/models/tiny_face_detector_model.bin', '/wasm/tfjs-backend-wasm-simd.wasm', '/wasm/tfjs-backend-wasm.wasm'])
    expect(caches.named.get(NEW_CACHE)!.paths()).toEqual(fetched)
    expect(caches.named.has(LEGACY_CACHE)).toBe(false)
  })

  it('leaves no note when the precache held none of the face runtime', async () => {
    const caches = new MemoryCacheStorage()
    caches.fill('workbox-precache-v2-https://hadir.test/', ['/index.html?__WB_REVISION__=abc', '/assets/petugas-0ldPetu1.js'])
    const { fetch } = server()
    await keepPrecachedDeviceFiles(context(caches, fetch))
    expect(caches.named.has(LEGACY_CACHE)).toBe(false)
    await carryDeviceFilesOver(context(caches, fetch))
    expect(fetch).not.toHaveBeenCalled()
  })
})
