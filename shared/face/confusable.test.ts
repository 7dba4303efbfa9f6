import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import { buildGallery, l2Distance } from './match'
import { confusableLimit, confusableMembers, confusablePairs } from './confusable'

const options = { threshold: 0.5, margin: 0.05 }

/** A descriptor `d` away from `base` along one axis. */
function near(base: Float32Array, axis: number, d: number): Float32Array {
  const v = Float32Array.from(base)
  v[axis] = (v[axis] as number) + d
  return v
}

describe('confusablePairs', () => {
  const base = Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, (_, i) => Math.sin(i) * 0.1)

  it('finds members whose closest templates are nearer than threshold + margin, closest first', () => {
    const far = Float32Array.from(base, (v, i) => v + (i % 2 ? 0.05 : -0.05)) // 0.05 * sqrt(512) = 1.13 from base
    const gallery = buildGallery([
      { memberId: 1, descriptor: base },
      { memberId: 1, descriptor: near(base, 0, 0.9) },
      { memberId: 2, descriptor: near(base, 1, 0.52) }, // 0.52 from member 1: over the threshold, under + margin
      { memberId: 3, descriptor: near(base, 2, 0.3) }, // 0.3 from member 1
      { memberId: 4, descriptor: far },
      { memberId: 4, descriptor: near(far, 5, 0.1) },
    ])
    const pairs = confusablePairs(gallery, options)
    // 2 and 3 are 0.6 apart (0.52 and 0.3 on two axes): not a pair.
    expect(pairs.map((p) => [p.a, p.b])).toEqual([
      [1, 3],
      [1, 2],
    ])
    expect(pairs[0]!.distance).toBeCloseTo(0.3, 5)
    expect(pairs[1]!.distance).toBeCloseTo(0.52, 5)
    expect([...confusableMembers(pairs)].sort()).toEqual([1, 2, 3]) // member 4's own templates never pair up
    expect(confusableLimit(options)).toBeCloseTo(0.55, 10)
  })

  it('a pair exactly at the limit is not confusable; an empty or one-member gallery has none', () => {
    const zero = Float32Array.from(base, (v, i) => (i === 3 ? 0 : v)) // exact in float32: 0 and 0.5 on axis 3
    const g = buildGallery([
      { memberId: 1, descriptor: zero },
      { memberId: 2, descriptor: near(zero, 3, 0.5) },
    ])
    expect(confusablePairs(g, { threshold: 0.25, margin: 0.25 })).toEqual([])
    expect(confusablePairs(g, { threshold: 0.26, margin: 0.25 })).toEqual([{ a: 1, b: 2, distance: 0.5 }])
    expect(confusablePairs(buildGallery([]), options)).toEqual([])
    expect(confusablePairs(buildGallery([{ memberId: 7, descriptor: base }, { memberId: 7, descriptor: base }]), options)).toEqual([])
  })

  it('agrees with a brute-force scan of every pair (random galleries of look-alikes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 12 }), fc.double({ min: 0.01, max: 0.08, noNaN: true }), (seed, members, spread) => {
        let s = seed
        const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1
        const entries = Array.from({ length: members * 2 }, (_, i) => ({
          memberId: (i % members) + 1,
          descriptor: Float32Array.from(base, (v) => v + rnd() * spread),
        }))
        const gallery = buildGallery(entries)
        const want = new Map<string, number>()
        for (const x of entries) {
          for (const y of entries) {
            if (x.memberId >= y.memberId) continue
            const d = l2Distance(x.descriptor, y.descriptor)
            const key = `${x.memberId}:${y.memberId}`
            if (d < 0.55 && d < (want.get(key) ?? Infinity)) want.set(key, d)
          }
        }
        const got = confusablePairs(gallery, options)
        expect(new Map(got.map((p) => [`${p.a}:${p.b}`, p.distance]))).toEqual(want)
        for (let i = 1; i < got.length; i++) expect(got[i]!.distance).toBeGreaterThanOrEqual(got[i - 1]!.distance)
      }),
      { numRuns: 60 },
    )
  })
})
