// The 1:N index (match-index.ts, match-kernel.ts) must not change identify()'s answer: property tests against a plain
// full scan written here, on random galleries with ties, near-ties, duplicates, several templates per member, empty and
// one-member galleries, probes on a gallery row, horizons and thresholds at the exact distances.
import { describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import {
  buildGallery,
  distanceToScore,
  galleryWithout,
  identify,
  identifyIndexed,
  INDEX_MIN_ROWS,
  prepareGallery,
  type FaceGallery,
  type IdentifyResult,
  type MatchOptions,
} from './match'
import { buildFaceIndex, candidateRows, type FaceIndex } from './match-index'
import { createDotShard, kernelModuleBytes, probeLimit, wasmSimdAvailable } from './match-kernel'

const D = FACE_DESCRIPTOR_LENGTH

/** Seeded random numbers (mulberry32). */
function rng(seed: number) {
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
type Rng = ReturnType<typeof rng>

function unit(v: Float32Array): Float32Array {
  let s = 0
  for (const x of v) s += x * x
  const n = Math.sqrt(s)
  return v.map((x) => x / n)
}
function randomUnit(r: Rng): Float32Array {
  return unit(Float32Array.from({ length: D }, () => r.gauss()))
}
function near(r: Rng, centre: Float32Array, spread: number): Float32Array {
  return unit(Float32Array.from(centre, (x) => x + r.gauss() * spread))
}

/**
 * The reference: a plain full scan. Squared distance in double, accumulated in four lanes by index mod 4 and summed as
 * ((s0 + s1) + s2) + s3: the arithmetic identify() documents, so distances must agree to the last bit. The best member
 * is the one of the first row (in gallery order) at the smallest distance; the second, the one of the first row at the
 * smallest distance among the other members' rows; only rows closer than the horizon count.
 */
function fullScan(gallery: FaceGallery, probe: Float32Array, options: MatchOptions, horizon?: number): IdentifyResult {
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

function squared(gallery: FaceGallery, r: number, probe: Float32Array): number {
  const lanes = [0, 0, 0, 0]
  for (let i = 0; i < D; i++) {
    const d = (gallery.descriptors[r * D + i] as number) - (probe[i] as number)
    lanes[i % 4]! += d * d
  }
  return lanes[0]! + lanes[1]! + lanes[2]! + lanes[3]!
}

/** One ulp up or down of a float32 component. */
function nudge(v: Float32Array, i: number, up: boolean): Float32Array {
  const out = Float32Array.from(v)
  const bits = new Int32Array(out.buffer)
  bits[i] = (bits[i] as number) + (((out[i] as number) >= 0) === up ? 1 : -1)
  return out
}

interface Case {
  gallery: FaceGallery
  probes: Float32Array[]
}

/**
 * A random gallery: members with 1..6 templates around their own centre, some members close to each other, exact
 * duplicates (within a member and across members), rows one ulp apart, rows in shuffled order; and probes: a gallery
 * row itself, a member seen again, a stranger, a point halfway between two members.
 */
function randomCase(r: Rng, rows: number): Case {
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
function decisions(r: Rng, reference: IdentifyResult): { options: MatchOptions; horizon?: number }[] {
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

const kernels = wasmSimdAvailable() ? (['wasm-simd', 'js'] as const) : (['js'] as const)

function expectSameAsFullScan(gallery: FaceGallery, index: FaceIndex, probes: Float32Array[], r: Rng, label: string): void {
  for (const probe of probes) {
    const reference = fullScan(gallery, probe, { threshold: 0.9, margin: 0.05 })
    for (const { options, horizon } of decisions(r, reference)) {
      const expected = fullScan(gallery, probe, options, horizon)
      const scope = horizon === undefined ? {} : { horizon }
      expect(identifyIndexed(gallery, index, probe, options, scope), label).toEqual(expected)
    }
  }
}

describe('the 1:N index gives exactly the full scan\'s answer', () => {
  it('the kernel is exact: WASM SIMD and plain JS give the same dot products and bounds, at the extremes too', () => {
    expect(WebAssembly.validate(kernelModuleBytes())).toBe(true)
    // Node 20 and Chromium have WebAssembly SIMD: the fast kernel must be the one running here.
    expect(wasmSimdAvailable()).toBe(true)
    const r = rng(5)
    for (const stride of [32, 64, 512, 1024]) {
      const rows = 37
      const level = probeLimit(stride)
      const shards = kernels.map((kind) => createDotShard(rows, stride, kind))
      const codes = Int8Array.from({ length: rows * stride }, (_, i) => (i < 2 * stride ? (i < stride ? 127 : -127) : r.int(255) - 127))
      const probe = Int16Array.from({ length: stride }, () => (r.next() < 0.5 ? level : r.int(2 * level + 1) - level))
      probe.fill(level, 0, stride / 2)
      const consts = Float64Array.from({ length: rows * 3 }, () => r.next())
      for (const shard of shards) {
        shard.codes.set(codes)
        shard.probe.set(probe)
        shard.consts.set(consts)
        shard.run(1e-9, 0.5, 0.25)
      }
      for (let k = 0; k < rows; k++) {
        let dot = 0
        for (let i = 0; i < stride; i++) dot += (codes[k * stride + i] as number) * (probe[i] as number)
        for (const shard of shards) {
          expect(shard.out[k]).toBe(dot)
          expect(shard.lower[k]).toBe(((consts[3 * k]! - consts[3 * k + 1]! * 0.5) - (consts[3 * k + 2]! * 1e-9) * dot) + 0.25)
        }
      }
    }
    expect(createDotShard(0, 512).out.length).toBe(0)
    expect(() => createDotShard(3, 100)).toThrow(RangeError)
  })

  it('every row\'s lower bound is at most its distance, for every kind of row (dims not a multiple of 32 too)', () => {
    const r = rng(11)
    for (const dim of [D, 100]) {
      const rows = 300
      const descriptors = new Float32Array(rows * dim)
      for (let k = 0; k < rows; k++) {
        const kind = k % 5
        for (let i = 0; i < dim; i++) {
          descriptors[k * dim + i] = kind === 0 ? r.gauss() / Math.sqrt(dim) : kind === 1 ? (i === k % dim ? 1 : 0) : kind === 2 ? (r.next() < 0.5 ? 1 : -1) : kind === 3 ? r.gauss() * 1e-3 : 0.5 * r.gauss()
        }
      }
      const gallery: FaceGallery = { descriptors, memberIds: Int32Array.from({ length: rows }, (_, k) => k), size: rows }
      for (const kernel of kernels) {
        const index = buildFaceIndex(gallery, dim, { kernel, shardRows: 64 })
        expect(index.kernel).toBe(kernel)
        for (let q = 0; q < 20; q++) {
          const probe = q < 5 ? descriptors.slice(q * 7 * dim, q * 7 * dim + dim) : Float32Array.from({ length: dim }, () => (q % 2 ? r.gauss() / Math.sqrt(dim) : r.next() * 2 - 1))
          const kept = new Set(candidateRows(index, probe, Infinity))
          const distances: number[] = []
          let start = 0
          for (const shard of index.shards) {
            for (let k = 0; k < shard.rows; k++) {
              let exact = 0
              for (let i = 0; i < dim; i++) exact += ((descriptors[(start + k) * dim + i] as number) - (probe[i] as number)) ** 2
              distances.push(exact)
              expect(shard.lower[k]!, `row ${start + k}`).toBeLessThanOrEqual(exact)
            }
            start += shard.rows
          }
          // The second smallest distance (every row is its own member here): every row up to it is kept.
          const second = [...distances].sort((a, b) => a - b)[1]!
          distances.forEach((d, row) => {
            if (d <= second) expect(kept.has(row), `row ${row}`).toBe(true)
          })
        }
        // The worst case of the bound: a probe along a row's own rounding residual e (mean + or - e/|e|), where
        // Cauchy-Schwarz is an equality. A bound any tighter than the one used fails here.
        const shard = index.shards[0]!
        for (let k = 0; k < 30; k++) {
          const e = new Float64Array(dim)
          let norm = 0
          for (let i = 0; i < dim; i++) {
            e[i] = (descriptors[k * dim + i]! - index.mean[i]!) - shard.consts[3 * k + 2]! * shard.codes[k * index.stride + i]!
            norm += e[i]! ** 2
          }
          if (norm === 0) continue
          for (const sign of [1, -1]) {
            const probe = Float32Array.from({ length: dim }, (_, i) => index.mean[i]! + (sign * e[i]!) / Math.sqrt(norm))
            candidateRows(index, probe, Infinity)
            let exact = 0
            for (let i = 0; i < dim; i++) exact += (descriptors[k * dim + i]! - probe[i]!) ** 2
            expect(shard.lower[k]!, `row ${k}, residual ${sign}`).toBeLessThanOrEqual(exact)
          }
        }
      }
    }
  })

  it('on random galleries of every size from empty to several shards, with both kernels', () => {
    const r = rng(2024)
    const sizes = [0, 1, 2, 3, 5, 8, 13, 40, 97, 250, 600]
    for (const size of sizes) {
      for (let trial = 0; trial < 3; trial++) {
        const { gallery, probes } = randomCase(r, size)
        for (const kernel of kernels) {
          const index = buildFaceIndex(gallery, D, { kernel, shardRows: 1 + r.int(Math.max(1, size)) })
          expectSameAsFullScan(gallery, index, probes, r, `size ${size}, trial ${trial}, ${kernel}`)
        }
      }
    }
  })

  it('one member with many templates, and many members sharing one exact descriptor (ties everywhere)', () => {
    const r = rng(99)
    const centre = randomUnit(r)
    const one = buildGallery(Array.from({ length: 50 }, () => ({ memberId: 4, descriptor: near(r, centre, 0.03) })))
    const same = buildGallery(Array.from({ length: 60 }, (_, k) => ({ memberId: 60 - (k % 20), descriptor: k % 3 === 0 ? centre : nudge(centre, k % D, k % 2 === 0) })))
    for (const gallery of [one, same]) {
      for (const kernel of kernels) {
        const index = buildFaceIndex(gallery, D, { kernel, shardRows: 16 })
        expectSameAsFullScan(gallery, index, [centre, near(r, centre, 0.01), randomUnit(r), nudge(centre, 3, true)], r, `${gallery.size} rows, ${kernel}`)
      }
    }
  })

  it('identify() indexes galleries of INDEX_MIN_ROWS rows and more by itself, and galleryWithout() keeps the index', () => {
    const r = rng(7)
    const { gallery, probes } = randomCase(r, INDEX_MIN_ROWS + 300)
    expect(prepareGallery(gallery)).toBeGreaterThan(gallery.size * D) // the int8 codes at least
    const small = randomCase(r, 50).gallery
    expect(prepareGallery(small)).toBe(0)
    const someone = gallery.memberIds[0]!
    const without = galleryWithout(gallery, someone)
    for (const probe of probes) {
      const options = { threshold: 0.9, margin: 0.05 }
      expect(identify(gallery, probe, options)).toEqual(fullScan(gallery, probe, options))
      expect(identify(without, probe, options)).toEqual(fullScan(without, probe, options))
      const horizon = 0.3 + r.next()
      expect(identify(gallery, probe, options, { horizon })).toEqual(fullScan(gallery, probe, options, horizon))
    }
    // A realistic load: most rows are ruled out by the bounds.
    const index = buildFaceIndex(gallery, D)
    for (const probe of probes) {
      const kept = candidateRows(index, probe, Infinity)
      expect(kept.length).toBeLessThan(gallery.size / 4)
      for (let k = 1; k < kept.length; k++) expect(kept[k]!).toBeGreaterThan(kept[k - 1]!)
    }
  })

  it('ties between members at the very bound: the first row in gallery order wins, as in the full scan', () => {
    const r = rng(3)
    for (let trial = 0; trial < 10; trial++) {
      const probe = randomUnit(r)
      const far = Array.from({ length: 40 }, () => near(r, randomUnit(r), 0.05))
      const close = near(r, probe, 0.3)
      const entries = far.map((descriptor, k) => ({ memberId: 100 + k, descriptor }))
      // Three members at exactly the same distance, one a ulp closer, placed anywhere.
      for (const memberId of [1, 2, 3]) entries.splice(r.int(entries.length + 1), 0, { memberId, descriptor: close })
      entries.splice(r.int(entries.length + 1), 0, { memberId: 2, descriptor: nudge(close, r.int(D), true) })
      const gallery = buildGallery(entries)
      const d = Math.sqrt(squared(gallery, entries.findIndex((e) => e.memberId === 1), probe))
      for (const kernel of kernels) {
        const index = buildFaceIndex(gallery, D, { kernel, shardRows: 8 })
        for (const options of [{ threshold: 2, margin: 0 }, { threshold: d, margin: 0 }]) expect(identifyIndexed(gallery, index, probe, options)).toEqual(fullScan(gallery, probe, options))
      }
    }
  })

  it('refuses an index of another gallery', () => {
    const r = rng(1)
    const a = randomCase(r, 20).gallery
    const b = randomCase(r, 20).gallery
    expect(() => identifyIndexed(a, buildFaceIndex(b, D), randomUnit(r))).toThrow(RangeError)
  })
})
