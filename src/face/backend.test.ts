import { describe, expect, it } from 'vitest'
import { forgetBackend, isSoftwareRenderer, pickBackend, rememberBackend, rememberedBackend } from './backend'

function memoryStorage(): Storage {
  const map = new Map<string, string>()
  return {
    get length() {
      return map.size
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  }
}

describe('face backend choice', () => {
  it('recognises software rasterisers, which are no GPU', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true)
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true)
    expect(isSoftwareRenderer('Microsoft Basic Render Driver')).toBe(true)
    expect(isSoftwareRenderer(null)).toBe(true)
    expect(isSoftwareRenderer('ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)')).toBe(false)
    expect(isSoftwareRenderer('Adreno (TM) 650')).toBe(false)
    expect(isSoftwareRenderer('Mali-G78 MC14')).toBe(false)
  })

  it('keeps WASM unless WebGL is clearly faster', () => {
    expect(pickBackend({ wasm: 75, webgl: 780 })).toBe('wasm')
    expect(pickBackend({ wasm: 75, webgl: 70 })).toBe('wasm')
    expect(pickBackend({ wasm: 75, webgl: 20 })).toBe('webgl')
    expect(pickBackend({ wasm: 75 })).toBe('wasm')
    expect(pickBackend({ wasm: 75, webgl: Number.POSITIVE_INFINITY })).toBe('wasm')
    expect(pickBackend({ webgl: 20 })).toBe('webgl')
  })

  it('remembers the measured choice', () => {
    const storage = memoryStorage()
    expect(rememberedBackend(storage)).toBeNull()
    rememberBackend('webgl', storage)
    expect(rememberedBackend(storage)).toBe('webgl')
    storage.setItem('hadir.face.backend.v1', 'cpu')
    expect(rememberedBackend(storage)).toBeNull()
    rememberBackend('wasm', storage)
    forgetBackend(storage)
    expect(rememberedBackend(storage)).toBeNull()
  })
})
