// The 1:N index (match-index.ts, match-kernel.ts) must not change identify()'s answer: property tests against a plain
// full scan (tools/test-support/face-index-cases.ts), on random galleries with ties, near-ties, duplicates, several templates per member, empty and
// one-member galleries, probes on a gallery row, horizons and thresholds at the exact distances.
import { describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import {
  buildGallery,
  galleryWithout,
  identify,
  identifyIndexed,
  INDEX_MIN_ROWS,
  prepareGallery,
  type FaceGallery,
} from './match'
import { buildFaceIndex, candidateRows } from './match-index'
import { createDotShard, kernelModuleBytes, probeLimit, wasmSimdAvailable } from './match-kernel'
import { expectSameAsFullScan, fullScan, near, nudge, randomCase, randomUnit, rng } from '../../tools/test-support/face-index-cases'

const D = FACE_DESCRIPTOR_LENGTH

function squared(gallery: FaceGallery, r: number, probe: Float32Array): number {
  const lanes = [0, 0, 0, 0]
  for (let i = 0; i < D; i++) {
    const d = (gallery.descriptors[r * D + i] as number) - (probe[i] as number)
    lanes[i % 4]! += d * d
  }
  return lanes[0]! + lanes[1]! + lanes[2]! + lanes[3]!
}

const kernels = wasmSimdAvailable() ? (['wasm-simd', 'js'] as const) : (['js'] as const)

describe('the 1:N index gives exactly the full scan\'s answer', () => {
  it('the kernel is exact: WASM SIMD and plain JS give the same dot products and bounds, at the extremes too', () => {
    // Both variants of the module: its own memory, and the shared memory a helper thread runs it on (server/face/kernel-helper.ts).
    expect(WebAssembly.validate(kernelModuleBytes())).toBe(true)
    expect(WebAssembly.validate(kernelModuleBytes(true))).toBe(true)
    // Node 20 and Chromium have WebAssembly SIMD: the fast kernel must be the one running here.
    expect(wasmSimdAvailable()).toBe(true)
    const r = rng(5)
    for (const stride of [32, 64, 512, 1024]) {
      const rows = 37
      const level = probeLimit(stride)
      // The shared-memory variant too, run here on the calling thread: the same kernel on memory a worker could share.
      const shards = [...kernels.map((kind) => createDotShard(rows, stride, kind)), ...(wasmSimdAvailable() ? [createDotShard(rows, stride, 'wasm-simd', true)] : [])]
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
