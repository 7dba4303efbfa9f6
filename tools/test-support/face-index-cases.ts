// Property-test cases for the 1:N index (shared/face/match-index.ts): seeded random galleries with ties, near-ties,
// duplicates and several templates per member, probes and decisions at the exact distances, and the plain full scan
// every indexed answer must equal. Used by shared/face/match-index.test.ts and server/face/kernel-helper.unit.test.ts.
import { expect } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { buildGallery, distanceToScore, identifyIndexed, type FaceGallery, type IdentifyResult, type MatchOptions } from '../../shared/face/match'
import type { FaceIndex } from '../../shared/face/match-index'

const D = FACE_DESCRIPTOR_LENGTH

/** Seeded random numbers (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  const int = (n: number): number => Math.floor(next() * n)
  return { next, gauss, int }
}
export type Rng = ReturnType<typeof rng>

export function unit(v: Float32Array): Float32Array {
  let s = 0
  for (const x of v) s += x * x
  const n = Math.sqrt(s)
  return v.map((x) => x / n)
}
export function randomUnit(r: Rng): Float32Array {
  return unit(Float32Array.from({ length: D }, () => r.gauss()))
}
export function near(r: Rng, centre: Float32Array, spread: number): Float32Array {
  return unit(Float32Array.from(centre, (x) => x + r.gauss() * spread))
}

/**
 * The reference: a plain full scan. Squared distance in double, accumulated in four lanes by index mod 4 and summed as
 * ((s0 + s1) + s2) + s3: the arithmetic identify() documents, so distances must agree to the last bit. The best member
 * is the one of the first row (in gallery order) at the smallest distance; the second, the one of the first row at the
 * smallest distance among the other members' rows; only rows closer than the horizon count.
 */
export function fullScan(gallery: FaceGallery, probe: Float32Array, options: MatchOptions, horizon?: number): IdentifyResult {
  const limit = horizon === undefined ? Infinity : horizon * horizon
  const delta: number[] = []
  for (let r = 0; r < gallery.size; r++) {
    const lanes = [0, 0, 0, 0]
    for (let i = 0; i < D; i++) {
      const d = (gallery.descriptors[r * D + i] as number) - (probe[i] as number)
      lanes[i % 4]! += d * d
    }
    delta.push(lanes[0]! + lanes[1]! + lanes[2]! + lanes[3]!)
  }
  let bestRow = -1
  for (let r = 0; r < gallery.size; r++) if (delta[r]! < limit && (bestRow < 0 || delta[r]! < delta[bestRow]!)) bestRow = r
  if (bestRow < 0) return { memberId: null, distance: null, secondMemberId: null, secondDistance: null, verified: false, score: 0 }
  const bestId = gallery.memberIds[bestRow]!
  let secondRow = -1
  for (let r = 0; r < gallery.size; r++) {
    if (gallery.memberIds[r] === bestId || !(delta[r]! < limit)) continue
    if (secondRow < 0 || delta[r]! < delta[secondRow]!) secondRow = r
  }
  const distance = Math.sqrt(delta[bestRow]!)
  const secondDistance = secondRow < 0 ? null : Math.sqrt(delta[secondRow]!)
  return {
    memberId: bestId,
    distance,
    secondMemberId: secondRow < 0 ? null : gallery.memberIds[secondRow]!,
    secondDistance,
    verified: distance < options.threshold && (secondDistance === null || secondDistance - distance >= options.margin),
    score: distanceToScore(distance),
  }
}

/** One ulp up or down of a float32 component. */
export function nudge(v: Float32Array, i: number, up: boolean): Float32Array {
  const out = Float32Array.from(v)
  const bits = new Int32Array(out.buffer)
  bits[i] = (bits[i] as number) + (((out[i] as number) >= 0) === up ? 1 : -1)
  return out
}

export interface Case {
  gallery: FaceGallery
  probes: Float32Array[]
}

/**
 * A random gallery: members with 1..6 templates around their own centre, some members close to each other, exact
 * duplicates (within a member and across members), rows one ulp apart, rows in shuffled order; and probes: a gallery
 * row itself, a member seen again, a stranger, a point halfway between two members.
 */
export function randomCase(r: Rng, rows: number): Case {
  const members = Math.max(1, Math.round(rows / (1 + r.int(6))))
  const ids = Array.from({ length: members }, (_, m) => (r.next() < 0.1 ? -m : m * 7 + r.int(7)))
  const centres = ids.map(() => randomUnit(r))
  // Some members look alike.
  for (let m = 1; m < members; m++) if (r.next() < 0.3) centres[m] = near(r, centres[r.int(m)]!, 0.02 + r.next() * 0.03)
  const entries: { memberId: number; descriptor: Float32Array }[] = []
  for (let k = 0; k < rows; k++) {
    const m = k < members ? k : r.int(members)
    const roll = r.next()
    let descriptor: Float32Array
    if (entries.length > 0 && roll < 0.05) descriptor = Float32Array.from(entries[r.int(entries.length)]!.descriptor) // duplicate
    else if (entries.length > 0 && roll < 0.1) descriptor = nudge(entries[r.int(entries.length)]!.descriptor, r.int(D), r.next() < 0.5)
    else descriptor = near(r, centres[m]!, 0.01 + r.next() * 0.04)
    entries.push({ memberId: ids[m]!, descriptor })
  }
  for (let k = entries.length - 1; k > 0; k--) {
    const j = r.int(k + 1)
    ;[entries[k], entries[j]] = [entries[j]!, entries[k]!]
  }
  const gallery = buildGallery(entries)
  const probes: Float32Array[] = [randomUnit(r)]
  if (rows > 0) {
    probes.push(Float32Array.from(entries[r.int(rows)]!.descriptor))
    probes.push(near(r, entries[r.int(rows)]!.descriptor, 0.02))
    const a = entries[r.int(rows)]!.descriptor
    const b = entries[r.int(rows)]!.descriptor
    probes.push(unit(a.map((x, i) => x + (b[i] as number))))
  }
  return { gallery, probes }
}

/** Options and horizons that sit exactly on the reference's distances, and around them. */
export function decisions(r: Rng, reference: IdentifyResult): { options: MatchOptions; horizon?: number }[] {
  const out: { options: MatchOptions; horizon?: number }[] = [{ options: { threshold: 0.9, margin: 0.05 } }]
  const d = reference.distance
  const s = reference.secondDistance
  if (d !== null && d > 0) {
    out.push({ options: { threshold: d, margin: 0 } }, { options: { threshold: d * (1 + 1e-12), margin: 0 } })
    if (s !== null) {
      out.push({ options: { threshold: 2, margin: s - d } }, { options: { threshold: 2, margin: (s - d) * (1 + 1e-9) } })
      out.push({ options: { threshold: 2, margin: 0 }, horizon: s }, { options: { threshold: 2, margin: 0 }, horizon: s * (1 + 1e-12) })
    }
    out.push({ options: { threshold: 2, margin: 0.01 }, horizon: d }, { options: { threshold: 2, margin: 0.01 }, horizon: d * (1 + r.next()) })
  }
  out.push({ options: { threshold: 1, margin: 0.02 }, horizon: 0.05 + r.next() })
  return out
}

export function expectSameAsFullScan(gallery: FaceGallery, index: FaceIndex, probes: Float32Array[], r: Rng, label: string): void {
  for (const probe of probes) {
    const reference = fullScan(gallery, probe, { threshold: 0.9, margin: 0.05 })
    for (const { options, horizon } of decisions(r, reference)) {
      const expected = fullScan(gallery, probe, options, horizon)
      const scope = horizon === undefined ? {} : { horizon }
      expect(identifyIndexed(gallery, index, probe, options, scope), label).toEqual(expected)
    }
  }
}
