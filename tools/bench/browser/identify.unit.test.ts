// The kiosk's 1:N browser bench: its page bundles into one browser module, and the page's exactness check holds on a
// small gallery and throws when identify() strays from the full scan by a single bit (the page code runs in Node too).
import { describe, expect, it, vi } from 'vitest'
import { Rng, SyntheticFaces } from '../descriptors'
import { identifyPageScript } from './identify'
import type { IdentifyPage, PageParams } from './identify-page'

const skew = vi.hoisted(() => ({ on: false }))
vi.mock('../../../shared/face/match', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../shared/face/match')>()
  return {
    ...real,
    identify: (...args: Parameters<typeof real.identify>) => {
      const answer = real.identify(...args)
      return skew.on && answer.distance !== null ? { ...answer, distance: answer.distance + answer.distance * 2 ** -40 } : answer
    },
  }
})

/** A small gallery (3,000 rows: enough for an index) of members drawn like the bench's. */
function params(): PageParams {
  const D = 512
  const faces = new SyntheticFaces({ mean: new Float32Array(D).fill(0.02), between: new Float32Array(D).fill(0.04), within: 0.012, real: { norm: 0, samePerson: 0, otherPerson: 0 } }, new Rng(7))
  return { members: 1000, templates: 3, probes: 6, seed: 16, model: { mean: Array.from(faces.model.mean), between: Array.from(faces.model.between), within: faces.model.within } }
}

async function page(): Promise<IdentifyPage> {
  await import('./identify-page')
  return (globalThis as unknown as { hadirIdentify: IdentifyPage }).hadirIdentify
}

describe('the kiosk 1:N browser bench', () => {
  it('bundles its page, with the kiosk code, into one module without Node imports', async () => {
    const script = await identifyPageScript()
    expect(script).toContain('hadirIdentify')
    expect(script).not.toMatch(/from\s*["']node:|require\(/)
  })

  it('identifies exactly (the full scan\'s answers) through the WebAssembly SIMD index, half the probes recognised', async () => {
    const bench = await page()
    const built = bench.build(params())
    expect(built.simd).toBe(true)
    expect(built.kernels).toEqual(['wasm-simd'])
    expect(built.indexBytes).toBeGreaterThan(0)
    const times = bench.measure()
    expect(times.identifyMs).toHaveLength(6)
    expect(times.scanMs).toHaveLength(6)
    expect(times.recognised).toBe(3)
  })

  it('throws when identify() differs from the full scan', async () => {
    const bench = await page()
    bench.build(params())
    skew.on = true
    try {
      expect(() => bench.measure()).toThrow(/not the full scan's answer on 6 of 6 probes/)
    } finally {
      skew.on = false
    }
  })
})
