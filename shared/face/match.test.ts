import { describe, expect, it } from 'vitest'
import { DescriptorError, FACE_DESCRIPTOR_LENGTH } from './descriptor'
import {
  buildGallery,
  DEFAULT_FACE_MARGIN,
  DEFAULT_FACE_THRESHOLD,
  distanceToScore,
  emptyGallery,
  galleryMembers,
  galleryWithout,
  identify,
  l2Distance,
  verify,
  type FaceGallery,
  FACE_THRESHOLD_RANGE,
} from './match'

/** A base descriptor, and one at an exact L2 distance from it (moved along one axis). */
function base(): Float32Array {
  const d = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) d[i] = Math.sin(i) * 0.06
  return d
}
function moved(from: Float32Array, axis: number, distance: number): Float32Array {
  const d = Float32Array.from(from)
  d[axis] = (d[axis] as number) + distance
  return d
}
const P = base()
const opts = { threshold: 0.5, margin: 0.05 }

describe('l2Distance and score', () => {
  it('is euclidean, not cosine', () => {
    const a = moved(P, 3, 0.3)
    expect(l2Distance(P, a)).toBeCloseTo(0.3, 5)
    const scaled = P.map((v) => v * 2)
    expect(l2Distance(P, scaled)).toBeGreaterThan(0.1) // same direction, different length: not a match
  })

  it('maps distance to a clamped, monotone display score', () => {
    expect(distanceToScore(0)).toBe(1)
    expect(distanceToScore(1)).toBe(0.5) // unit vectors: cosine similarity 1 - d²/2
    expect(distanceToScore(DEFAULT_FACE_THRESHOLD)).toBeCloseTo(1 - DEFAULT_FACE_THRESHOLD ** 2 / 2, 10)
    expect(distanceToScore(1.5)).toBe(0)
    expect(distanceToScore(null)).toBe(0)
    expect(distanceToScore(0.2)).toBeGreaterThan(distanceToScore(0.3))
  })

  it('exports the organization defaults', () => {
    expect(DEFAULT_FACE_THRESHOLD).toBeGreaterThanOrEqual(FACE_THRESHOLD_RANGE.min)
    expect(DEFAULT_FACE_THRESHOLD).toBeLessThanOrEqual(FACE_THRESHOLD_RANGE.max)
    expect(DEFAULT_FACE_MARGIN).toBeGreaterThan(0)
    expect(DEFAULT_FACE_MARGIN).toBeLessThan(0.2)
  })
})

describe('identify', () => {
  it('returns nothing on an empty gallery', () => {
    const r = identify(emptyGallery(), P, opts)
    expect(r).toEqual({ memberId: null, distance: null, secondMemberId: null, secondDistance: null, verified: false, score: 0 })
  })

  it('accepts under the threshold and rejects at or over it', () => {
    const g = buildGallery([{ memberId: 7, descriptor: moved(P, 0, 0.49) }])
    expect(identify(g, P, opts)).toMatchObject({ memberId: 7, verified: true, secondDistance: null })
    const far = buildGallery([{ memberId: 7, descriptor: moved(P, 0, 0.5) }])
    const r = identify(far, P, opts)
    expect(r.memberId).toBe(7) // still reported as the closest, for hints and logs
    expect(r.distance).toBeCloseTo(0.5, 5)
    expect(r.verified).toBe(false)
  })

  it('with a single member, the margin passes', () => {
    const g = buildGallery([
      { memberId: 1, descriptor: moved(P, 0, 0.3) },
      { memberId: 1, descriptor: moved(P, 1, 0.32) },
    ])
    const r = identify(g, P, opts)
    expect(r).toMatchObject({ memberId: 1, secondMemberId: null, secondDistance: null, verified: true })
    expect(r.distance).toBeCloseTo(0.3, 5)
  })

  it('requires the best member to beat the best OTHER member by the margin', () => {
    const close = buildGallery([
      { memberId: 1, descriptor: moved(P, 0, 0.3) },
      { memberId: 2, descriptor: moved(P, 1, 0.33) },
    ])
    const r = identify(close, P, opts)
    expect(r).toMatchObject({ memberId: 1, secondMemberId: 2, verified: false })
    expect(r.secondDistance! - r.distance!).toBeCloseTo(0.03, 5)

    const clear = buildGallery([
      { memberId: 1, descriptor: moved(P, 0, 0.3) },
      { memberId: 2, descriptor: moved(P, 1, 0.36) },
    ])
    expect(identify(clear, P, opts)).toMatchObject({ memberId: 1, secondMemberId: 2, verified: true })
    expect(identify(close, P, { threshold: 0.5, margin: 0 }).verified).toBe(true)
  })

  it('ignores the best member\'s own other descriptors when computing the margin', () => {
    const g = buildGallery([
      { memberId: 1, descriptor: moved(P, 0, 0.3) },
      { memberId: 1, descriptor: moved(P, 1, 0.301) },
      { memberId: 1, descriptor: moved(P, 2, 0.302) },
      { memberId: 2, descriptor: moved(P, 3, 0.45) },
    ])
    const r = identify(g, P, opts)
    expect(r).toMatchObject({ memberId: 1, secondMemberId: 2, verified: true })
    expect(r.secondDistance).toBeCloseTo(0.45, 5)
  })

  it('uses the closest of several descriptors per member, in any row order', () => {
    const rows = [
      { memberId: 1, descriptor: moved(P, 0, 0.9) },
      { memberId: 2, descriptor: moved(P, 1, 0.6) },
      { memberId: 1, descriptor: moved(P, 2, 0.2) },
      { memberId: 3, descriptor: moved(P, 3, 0.4) },
      { memberId: 2, descriptor: moved(P, 4, 0.35) },
      { memberId: 1, descriptor: moved(P, 5, 0.7) },
    ]
    for (let rot = 0; rot < rows.length; rot++) {
      const g = buildGallery([...rows.slice(rot), ...rows.slice(0, rot)])
      const r = identify(g, P, opts)
      expect(r.memberId).toBe(1)
      expect(r.distance).toBeCloseTo(0.2, 5)
      expect(r.secondMemberId).toBe(2)
      expect(r.secondDistance).toBeCloseTo(0.35, 5)
      expect(r.verified).toBe(true)
    }
  })

  it('matches a brute-force reference on random galleries', () => {
    let seed = 42
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
    for (let trial = 0; trial < 30; trial++) {
      const rows = Array.from({ length: 1 + (trial % 9) * 7 }, () => ({
        memberId: Math.floor(((rnd() + 1) / 2) * 6),
        descriptor: Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, () => rnd() * 0.08),
      }))
      const probe = Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, () => rnd() * 0.08)
      const perMember = new Map<number, number>()
      for (const r of rows) perMember.set(r.memberId, Math.min(perMember.get(r.memberId) ?? Infinity, l2Distance(r.descriptor, probe)))
      const sorted = [...perMember.entries()].sort((a, b) => a[1] - b[1])
      const res = identify(buildGallery(rows), probe, { threshold: 2, margin: 0.02 })
      expect(res.memberId).toBe(sorted[0]![0])
      expect(res.distance).toBeCloseTo(sorted[0]![1], 5)
      if (sorted.length > 1) expect(res.secondDistance).toBeCloseTo(sorted[1]![1], 5)
      else expect(res.secondDistance).toBeNull()
    }
  })

  it('with a horizon, counts only members closer than it and agrees with the full scan inside it', () => {
    let seed = 7
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
    for (let trial = 0; trial < 40; trial++) {
      const rows = Array.from({ length: 5 + (trial % 8) * 9 }, () => ({
        memberId: Math.floor(((rnd() + 1) / 2) * 8),
        descriptor: Float32Array.from(P, (v) => v + rnd() * 0.06),
      }))
      const g = buildGallery(rows)
      const probe = Float32Array.from(P, (v) => v + rnd() * 0.03)
      const full = identify(g, probe, opts)
      for (const horizon of [0.2, 0.4, 0.6, 1, 3]) {
        const near = identify(g, probe, opts, { horizon })
        if (full.distance! < horizon) {
          expect(near.memberId).toBe(full.memberId)
          expect(near.distance).toBe(full.distance)
          if (full.secondDistance! < horizon) expect([near.secondMemberId, near.secondDistance]).toEqual([full.secondMemberId, full.secondDistance])
          else expect([near.secondMemberId, near.secondDistance]).toEqual([null, null])
        } else {
          expect(near).toMatchObject({ memberId: null, distance: null, verified: false })
        }
      }
    }
    expect(() => identify(buildGallery([{ memberId: 1, descriptor: P }]), P, opts, { horizon: 0 })).toThrow(RangeError)
  })

  it('treats member id 0 like any other id', () => {
    const g = buildGallery([
      { memberId: 0, descriptor: moved(P, 0, 0.1) },
      { memberId: 0, descriptor: moved(P, 1, 0.05) },
      { memberId: 5, descriptor: moved(P, 2, 0.4) },
    ])
    expect(identify(g, P, opts)).toMatchObject({ memberId: 0, secondMemberId: 5, verified: true })
  })

  it('rejects bad probes, bad options and bad gallery entries', () => {
    const g = buildGallery([{ memberId: 1, descriptor: P }])
    expect(() => identify(g, new Float32Array(64), opts)).toThrow(DescriptorError)
    const nan = Float32Array.from(P)
    nan[0] = Number.NaN
    expect(() => identify(g, nan, opts)).toThrow(DescriptorError)
    expect(() => identify(g, P, { threshold: 0, margin: 0 })).toThrow(RangeError)
    expect(() => identify(g, P, { threshold: 0.5, margin: -1 })).toThrow(RangeError)
    expect(() => buildGallery([{ memberId: 1, descriptor: new Uint8Array(512) }])).toThrow(DescriptorError)
    expect(() => buildGallery([{ memberId: 1.5, descriptor: P }])).toThrow(RangeError)
  })
})

describe('gallery helpers', () => {
  it('keeps descriptors contiguous with a parallel member id array', () => {
    const a = moved(P, 0, 0.1)
    const b = moved(P, 1, 0.2)
    const g: FaceGallery = buildGallery([
      { memberId: 3, descriptor: a },
      { memberId: 9, descriptor: b },
    ])
    expect(g.size).toBe(2)
    expect(g.descriptors).toHaveLength(2 * FACE_DESCRIPTOR_LENGTH)
    expect(Array.from(g.memberIds)).toEqual([3, 9])
    expect(Array.from(g.descriptors.subarray(FACE_DESCRIPTOR_LENGTH))).toEqual(Array.from(b))
    expect(galleryMembers(g)).toEqual([3, 9])
    const without = galleryWithout(g, 3)
    expect(without.size).toBe(1)
    expect(Array.from(without.memberIds)).toEqual([9])
    expect(identify(without, a, opts).memberId).toBe(9)
  })
})

describe('verify (1:1)', () => {
  it('uses the closest of the member\'s descriptors against the threshold', () => {
    const mine = [moved(P, 0, 0.7), moved(P, 1, 0.45)]
    const r = verify(mine, P, 0.5)
    expect(r.verified).toBe(true)
    expect(r.distance).toBeCloseTo(0.45, 5)
    expect(verify(mine, P, 0.4).verified).toBe(false)
    expect(verify([], P)).toEqual({ distance: null, verified: false, score: 0 })
  })
})

describe('what a threshold means (measured pairs of different people)', () => {
  it('is none up to the closest measured pair, never optimistic in between, and unknown above the measurements', async () => {
    const { impostorPairsBelow, IMPOSTOR_PAIRS } = await import('./model')
    expect(impostorPairsBelow(DEFAULT_FACE_THRESHOLD)).toBe(0)
    expect(impostorPairsBelow(IMPOSTOR_PAIRS.closest)).toBe(0)
    expect(impostorPairsBelow(0.915)).toBe(2) // between the closest pair and 0.92: 0.92's count
    expect(impostorPairsBelow(0.95)).toBe(9)
    expect(impostorPairsBelow(1.0)).toBe(48)
    expect(impostorPairsBelow(1.01)).toBeNull()
    const counts = IMPOSTOR_PAIRS.below.map(([, n]) => n)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
  })
})
