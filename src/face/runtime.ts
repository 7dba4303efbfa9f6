// The face runtime's files, downloaded on the page with byte progress before the face worker starts, so the screen can
// say "Mengunduh model wajah 3,1 / 6,7 MB" instead of waiting in silence: the face worker's script, the one tfjs WASM
// build this browser runs, the detector's and landmarks' weights and, for the kiosk, the recognition model and its
// runtime, and, for a petugas tablet, the petugas screens' code. The list and each file's size come from
// /device-files.json (written by the build, vite.config.ts deviceFiles).
// The service worker keeps every file fetched here (src/sw.ts: cache first), so the worker then starts from that cache,
// and a device works offline after its first face screen; a file already kept counts as downloaded at once.
// Best effort: without the list (the dev server, offline before any visit) the engine loads its files itself.

export interface RuntimeFile {
  url: string
  /** The file's size as served uncompressed (the bytes the page reads). */
  bytes: number
}

/** /device-files.json: what the build wrote. */
export interface RuntimeManifest {
  /** The face worker's script (and what it always loads with it). */
  worker: RuntimeFile[]
  /** tfjs's WASM builds by name: tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm.wasm... */
  wasm: RuntimeFile[]
  /** The detector's and landmarks' weight manifests and shards. */
  models: RuntimeFile[]
  /** The recognition model, the ONNX runtime and its WASM (the kiosk and roll-call only). */
  recognition: RuntimeFile[]
  /** The petugas screens' code no member screen shares (a tablet keeps it from its enrolment, for offline use). */
  petugas: RuntimeFile[]
}

/** What to download: the face runtime always; the recognition files and the petugas code for a petugas tablet. */
export interface RuntimeNeeds {
  recognition: boolean
  petugas?: boolean
}

export interface DownloadProgress {
  loaded: number
  total: number
}

/** A tiny module using one SIMD instruction: WebAssembly.validate says whether this browser runs WASM SIMD. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])

export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE)
  } catch {
    return false
  }
}

/**
 * The files this device needs: the worker, the models, the one tfjs WASM build it will run (SIMD where supported;
 * never the threaded build: Hadir's pages are not cross-origin isolated, so tfjs cannot use threads) and, with
 * `recognition`, the recognition model and its runtime.
 */
export function filesFor(manifest: RuntimeManifest, options: RuntimeNeeds & { simd: boolean }): RuntimeFile[] {
  const wasmName = options.simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'
  const wasm = manifest.wasm.filter((f) => f.url.endsWith(`/${wasmName}`))
  return [...manifest.worker, ...wasm, ...manifest.models, ...(options.recognition ? manifest.recognition : []), ...(options.petugas ? manifest.petugas : [])]
}

async function readManifest(baseUrl: string): Promise<RuntimeManifest | null> {
  try {
    // Precached by the service worker with the app (the list of this version's files, offline too).
    const response = await fetch(`${baseUrl}device-files.json`)
    if (!response.ok) return null
    return (await response.json()) as RuntimeManifest
  } catch {
    return null
  }
}

/** Reads a response to its end, calling `onBytes` with each chunk's size. */
async function drain(response: Response, onBytes: (n: number) => void): Promise<void> {
  if (!response.body) {
    onBytes((await response.arrayBuffer()).byteLength)
    return
  }
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    onBytes(value.byteLength)
  }
}

/** Whether the service worker keeps this file (then the worker reads it from there, nothing to download). */
async function kept(url: string): Promise<boolean> {
  if (typeof caches === 'undefined') return false
  return Boolean(await caches.match(url, { ignoreSearch: true }).catch(() => undefined))
}

/**
 * Downloads the files of the face runtime this device needs and does not keep yet, two at a time, reporting the bytes
 * read against their total (0 of 0 when everything is already on the device). Resolves with the totals, or null when
 * there is no list to follow (the engine then fetches its files itself). Throws when a file cannot be fetched (offline
 * before the files were ever kept, a server error).
 */
export async function downloadFaceRuntime(
  options: RuntimeNeeds & { baseUrl?: string; onProgress?: (progress: DownloadProgress) => void },
): Promise<DownloadProgress | null> {
  const baseUrl = options.baseUrl ?? new URL(import.meta.env.BASE_URL, location.href).href
  const manifest = await readManifest(baseUrl)
  if (!manifest) return null
  const needed = filesFor(manifest, { ...options, simd: wasmSimdSupported() })
  const keptNow = await Promise.all(needed.map((f) => kept(new URL(f.url, baseUrl).href)))
  const files = needed.filter((_, i) => !keptNow[i])
  const total = files.reduce((sum, f) => sum + f.bytes, 0)
  let loaded = 0
  const report = () => options.onProgress?.({ loaded: Math.min(loaded, total), total })
  report()
  const queue = [...files]
  const next = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const response = await fetch(new URL(file.url, baseUrl).href, { credentials: 'same-origin' })
      if (!response.ok) throw new Error(`${file.url}: HTTP ${response.status}`)
      let read = 0
      await drain(response, (n) => {
        read += n
        loaded += n
        report()
      })
      loaded += file.bytes - read // a size that differs from the list's (a proxy's rewrite) still ends at the total
      report()
    }
  }
  await Promise.all([next(), next()])
  return { loaded: total, total }
}

/** Whether every file of the face runtime this device needs is kept by the service worker (works offline). */
export async function faceRuntimeKept(options: RuntimeNeeds & { baseUrl?: string }): Promise<boolean> {
  if (typeof caches === 'undefined') return false
  const baseUrl = options.baseUrl ?? new URL(import.meta.env.BASE_URL, location.href).href
  const manifest = await readManifest(baseUrl)
  if (!manifest) return false
  const files = filesFor(manifest, { ...options, simd: wasmSimdSupported() })
  for (const file of files) if (!(await kept(new URL(file.url, baseUrl).href))) return false
  return files.length > 0
}

/** "3,1 / 6,7 MB" (Indonesian) or "3.1 / 6.7 MB": one decimal, the language's own separator. */
export function formatDownload(progress: DownloadProgress, locale: string): string {
  const mb = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  return `${mb.format(progress.loaded / 1_000_000)} / ${mb.format(progress.total / 1_000_000)} MB`
}
