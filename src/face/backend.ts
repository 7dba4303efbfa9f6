// Which tfjs backend runs face inference. WebGL only pays off on a real GPU; a software rasteriser (SwiftShader,
// llvmpipe — what a CPU-only machine or a GPU-less VM gets) is about ten times slower than WASM for these models.
// The engine measures once and the page remembers the answer here.
import type { FaceBackend } from './protocol'

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic|mesa offscreen|virgl/i

/** A WebGL renderer string that names a software rasteriser rather than a GPU. */
export function isSoftwareRenderer(renderer: string | null | undefined): boolean {
  return !renderer || SOFTWARE_RENDERERS.test(renderer)
}

/** Picks the faster backend from the self-test timings; WASM unless WebGL is clearly (20%) faster. */
export function pickBackend(timings: Partial<Record<FaceBackend, number>>): FaceBackend {
  const { webgl, wasm } = timings
  if (webgl === undefined || !Number.isFinite(webgl)) return 'wasm'
  if (wasm === undefined || !Number.isFinite(wasm)) return 'webgl'
  return webgl < wasm * 0.8 ? 'webgl' : 'wasm'
}

// Bump when the models or the self-test change, so every device measures again.
const KEY = 'hadir.face.backend.v1'

export function rememberedBackend(storage: Pick<Storage, 'getItem'> | null = safeStorage()): FaceBackend | null {
  const value = storage?.getItem(KEY)
  return value === 'webgl' || value === 'wasm' ? value : null
}

export function rememberBackend(backend: FaceBackend, storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try {
    storage?.setItem(KEY, backend)
  } catch {
    // Private mode or a full quota: the self-test simply runs again next time.
  }
}

export function forgetBackend(storage: Pick<Storage, 'removeItem'> | null = safeStorage()): void {
  storage?.removeItem(KEY)
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}
