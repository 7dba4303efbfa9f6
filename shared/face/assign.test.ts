import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import { buildGallery, identify, l2Distance } from './match'
import { assignFaces, hungarian } from './assign'

const options = { threshold: 0.5, margin: 0.05 }
const base = Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, (_, i) => Math.cos(i) * 0.1)
/** `base` moved by the given amounts on the first axes. */
const at = (...moves: number[]) => Float32Array.from(base, (v, i) => v + (moves[i] ?? 0))

describe('hungarian', () => {
  it('finds the cheapest one-to-one assignment', () => {
    expect(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])).toEqual([1, 0, 2])
    expect(hungarian([[1, 2]])).toEqual([0])
    expect(hungarian([])).toEqual([])
    expect(() => hungarian([[1], [2]])).toThrow(RangeError)
  })

  it('agrees with trying every assignment (random matrices)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 40, maxLength: 40 }), (n, extra, values) => {
        const m = n + extra
        const cost = Array.from({ length: n }, (_, r) => Array.from({ length: m }, (_, c) => values[(r * m + c) % values.length] as number))
        const got = hungarian(cost)
        expect(new Set(got).size).toBe(n)
        const total = got.reduce((s, c, r) => s + (cost[r]![c] as number), 0)
        let best = Infinity
        const walk = (r: number, used: Set<number>, sum: number) => {
          if (r === n) return void (best = Math.min(best, sum))
          for (let c = 0; c < m; c++) if (!used.has(c)) walk(r + 1, new Set([...used, c]), sum + (cost[r]![c] as number))
        }
        walk(0, new Set(), 0)
        expect(total).toBe(best)
      }),
      { numRuns: 200 },
    )
  })
})

describe('assignFaces (roll-call)', () => {
  it('names each face once; two faces nearest one member do not both get them', () => {
    const gallery = buildGallery([
      { memberId: 1, descriptor: at(0) },
      { memberId: 2, descriptor: at(0.6) },
      { memberId: 3, descriptor: at(0, 0.6) },
    ])
    // Face A is 0.1 from member 1; face B is 0.2 from member 1 and 0.4 from member 2. Alone, B's best match is 1.
    const faceA = at(0.1)
    const faceB = at(0.2)
    expect(identify(gallery, faceB, { threshold: 0.5, margin: 0 }).memberId).toBe(1)
    const [a, b] = assignFaces(gallery, [faceA, faceB], options)
    expect(a).toMatchObject({ face: 0, memberId: 1, status: 'named' })
    expect(b).toMatchObject({ face: 1, memberId: 2, nextMemberId: 1 })
    expect(b!.distance).toBeCloseTo(0.4, 5)
    // Member 1 (0.2) is closer to B, but taken by a face it fits better: B is named 2 only for the petugas to confirm.
    expect(b!.status).toBe('uncertain')
  })

  it('a face nobody is under the threshold for is unknown; an empty gallery names nobody', () => {
    const gallery = buildGallery([{ memberId: 1, descriptor: at(0) }])
    expect(assignFaces(gallery, [at(0.7)], options)).toEqual([{ face: 0, memberId: null, distance: null, nextMemberId: 1, nextDistance: expect.closeTo(0.7, 5), status: 'unknown' }])
    expect(assignFaces(buildGallery([]), [at(0)], options)).toEqual([{ face: 0, memberId: null, distance: null, nextMemberId: null, nextDistance: null, status: 'unknown' }])
    expect(assignFaces(gallery, [], options)).toEqual([])
  })

  it('a face with another member within the margin is uncertain', () => {
    const gallery = buildGallery([
      { memberId: 1, descriptor: at(0) },
      { memberId: 2, descriptor: at(0.5) },
    ])
    const [f] = assignFaces(gallery, [at(0.23)], options) // 0.23 from 1, 0.27 from 2
    expect(f).toMatchObject({ memberId: 1, nextMemberId: 2, status: 'uncertain' })
  })

  it('on random photos: no member twice, every name under the threshold, and no better one-to-one naming exists', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), (seed, members, faces) => {
        let s = seed
        const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1
        const gallery = buildGallery(Array.from({ length: members * 2 }, (_, i) => ({ memberId: (i % members) + 1, descriptor: at(rnd() * 0.4, rnd() * 0.4, rnd() * 0.4) })))
        const probes = Array.from({ length: faces }, () => at(rnd() * 0.4, rnd() * 0.4, rnd() * 0.4))
        const got = assignFaces(gallery, probes, options)
        const named = got.filter((g) => g.memberId !== null)
        expect(new Set(named.map((g) => g.memberId)).size).toBe(named.length)
        for (const g of named) expect(g.distance!).toBeLessThan(options.threshold)
        // Each face's distance to each member (smallest over the member's templates), then every naming by brute force:
        // each face a distinct member under the threshold, or nobody (costing the threshold).
        const dist = probes.map((p) =>
          Array.from({ length: members }, (_, m) => {
            let best = Infinity
            for (let r = 0; r < gallery.size; r++) {
              if (gallery.memberIds[r] === m + 1) best = Math.min(best, l2Distance(gallery.descriptors.subarray(r * FACE_DESCRIPTOR_LENGTH, (r + 1) * FACE_DESCRIPTOR_LENGTH), p))
            }
            return best
          }),
        )
        const cost = (list: (number | null)[]) => list.reduce<number>((sum, id, i) => sum + (id === null ? options.threshold : dist[i]![id - 1]!), 0)
        let best = Infinity
        const walk = (i: number, used: Set<number>, list: (number | null)[]) => {
          if (i === faces) return void (best = Math.min(best, cost(list)))
          walk(i + 1, used, [...list, null])
          for (let id = 1; id <= members; id++) if (!used.has(id) && dist[i]![id - 1]! < options.threshold) walk(i + 1, new Set([...used, id]), [...list, id])
        }
        walk(0, new Set(), [])
        expect(cost(got.map((g) => g.memberId))).toBeCloseTo(best, 9)
      }),
      { numRuns: 100 },
    )
  })
})
