import { afterEach, describe, expect, it, vi } from 'vitest'
import { downloadFaceRuntime, faceRuntimeKept, filesFor, formatDownload, type RuntimeManifest, wasmSimdSupported } from './runtime'

// The face runtime's download: the files this device needs (one WASM build, the recognition files only for the
// kiosk), nothing the service worker already keeps, progress in bytes that ends at the total, the size in words.

const MANIFEST: RuntimeManifest = {
  worker: [{ url: 'assets/face.worker-AbCd1234.js', bytes: 1_400_000 }],
  wasm: [
    { url: 'wasm/tfjs-backend-wasm-simd.wasm', bytes: 400_000 },
    { url: 'wasm/tfjs-backend-wasm-threaded-simd.wasm', bytes: 420_000 },
    { url: 'wasm/tfjs-backend-wasm.wasm', bytes: 380_000 },
  ],
  models: [
    { url: 'models/tiny_face_detector_model-weights_manifest.json', bytes: 3_000 },
    { url: 'models/tiny_face_detector_model.bin', bytes: 190_000 },
  ],
  recognition: [
    { url: 'models/arcface-fr_feature.onnx', bytes: 4_900_000 },
    { url: 'assets/ort-wasm-simd-threaded-XyZw9876.wasm', bytes: 14_000_000 },
  ],
  petugas: [{ url: 'assets/petugas-QwEr5678.js', bytes: 90_000 }],
}
const BASE = 'http://hadir.test/'

/** A server answering every file of MANIFEST with its size in bytes (in two chunks), and the list itself. */
function serve(fail: string | null = null) {
  const sizes = new Map([...MANIFEST.worker, ...MANIFEST.wasm, ...MANIFEST.models, ...MANIFEST.recognition, ...MANIFEST.petugas].map((f) => [new URL(f.url, BASE).href, f.bytes]))
  const fetched: string[] = []
  let inFlight = 0
  let most = 0
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url === `${BASE}device-files.json`) return new Response(JSON.stringify(MANIFEST))
    fetched.push(url)
    if (url === fail) return new Response('nope', { status: 503 })
    const size = sizes.get(url)
    if (size === undefined) return new Response('missing', { status: 404 })
    inFlight++
    most = Math.max(most, inFlight)
    await new Promise((resolve) => setTimeout(resolve, 1))
    inFlight--
    const half = Math.floor(size / 2)
    return new Response(new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(half))
        controller.enqueue(new Uint8Array(size - half))
        controller.close()
      },
    }))
  }))
  return { fetched, most: () => most }
}

/** The service worker's caches, holding these URLs. */
function keep(urls: string[]) {
  vi.stubGlobal('caches', { match: vi.fn(async (url: string) => (urls.includes(url) ? new Response('') : undefined)) })
}

afterEach(() => vi.unstubAllGlobals())

describe('the face runtime download', () => {
  it('lists the worker, one WASM build and the models; the recognition files only for the kiosk', () => {
    const phone = filesFor(MANIFEST, { recognition: false, simd: true }).map((f) => f.url)
    expect(phone).toEqual(['assets/face.worker-AbCd1234.js', 'wasm/tfjs-backend-wasm-simd.wasm', 'models/tiny_face_detector_model-weights_manifest.json', 'models/tiny_face_detector_model.bin'])
    expect(filesFor(MANIFEST, { recognition: false, simd: false }).map((f) => f.url)).toContain('wasm/tfjs-backend-wasm.wasm')
    expect(filesFor(MANIFEST, { recognition: false, simd: false }).map((f) => f.url)).not.toContain('wasm/tfjs-backend-wasm-simd.wasm')
    const kiosk = filesFor(MANIFEST, { recognition: true, simd: true }).map((f) => f.url)
    expect(kiosk).toEqual([...phone, 'models/arcface-fr_feature.onnx', 'assets/ort-wasm-simd-threaded-XyZw9876.wasm'])
    expect(kiosk.some((u) => u.includes('threaded-simd.wasm') && u.startsWith('wasm/'))).toBe(false)
    const tablet = filesFor(MANIFEST, { recognition: true, petugas: true, simd: true }).map((f) => f.url)
    expect(tablet).toEqual([...kiosk, 'assets/petugas-QwEr5678.js'])
  })

  it('says whether this runtime has WASM SIMD (Node does)', () => {
    expect(wasmSimdSupported()).toBe(true)
  })

  it('downloads what the device lacks, two files at a time, with progress that ends at the total', async () => {
    const server = serve()
    keep([`${BASE}models/tiny_face_detector_model.bin`])
    const seen: { loaded: number; total: number }[] = []
    const done = await downloadFaceRuntime({ recognition: false, baseUrl: BASE, onProgress: (p) => seen.push(p) })
    const total = 1_400_000 + (wasmSimdSupported() ? 400_000 : 380_000) + 3_000 // the kept .bin is not downloaded
    expect(done).toEqual({ loaded: total, total })
    expect(server.fetched).not.toContain(`${BASE}models/tiny_face_detector_model.bin`)
    expect(server.fetched).toHaveLength(3)
    expect(server.most()).toBe(2)
    expect(seen[0]).toEqual({ loaded: 0, total })
    expect(seen.at(-1)).toEqual({ loaded: total, total })
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.loaded).toBeGreaterThanOrEqual(seen[i - 1]!.loaded)
  })

  it('downloads nothing when the device keeps everything, and says so', async () => {
    const server = serve()
    const all = filesFor(MANIFEST, { recognition: true, petugas: true, simd: wasmSimdSupported() }).map((f) => new URL(f.url, BASE).href)
    keep(all)
    expect(await downloadFaceRuntime({ recognition: true, petugas: true, baseUrl: BASE })).toEqual({ loaded: 0, total: 0 })
    expect(server.fetched).toEqual([])
    expect(await faceRuntimeKept({ recognition: true, petugas: true, baseUrl: BASE })).toBe(true)
    keep(all.slice(0, -1))
    expect(await faceRuntimeKept({ recognition: true, baseUrl: BASE })).toBe(true)
    expect(await faceRuntimeKept({ recognition: true, petugas: true, baseUrl: BASE })).toBe(false)
  })

  it('fails when a file cannot be fetched, and answers null without a list to follow', async () => {
    serve(`${BASE}assets/face.worker-AbCd1234.js`)
    keep([])
    await expect(downloadFaceRuntime({ recognition: false, baseUrl: BASE })).rejects.toThrow('HTTP 503')
    vi.stubGlobal('fetch', vi.fn(async () => new Response('not found', { status: 404 })))
    expect(await downloadFaceRuntime({ recognition: false, baseUrl: BASE })).toBeNull()
    expect(await faceRuntimeKept({ recognition: false, baseUrl: BASE })).toBe(false)
  })

  it('says the size in words, each language with its own decimal mark', () => {
    expect(formatDownload({ loaded: 3_100_000, total: 6_700_000 }, 'id')).toBe('3,1 / 6,7 MB')
    expect(formatDownload({ loaded: 3_100_000, total: 6_700_000 }, 'en')).toBe('3.1 / 6.7 MB')
  })
})
