// The 1:N index's helper thread (kernel-helper.ts): with the back half of the shards' kernels run on a worker thread,
// identify() still gives exactly the full scan's answer, on each path a request can take whatever the machine's timing:
// the worker runs every request (the caller waits for it), or the worker hands every request back and the caller runs
// it; and, as in production, whichever comes first. Shards are announced to the worker and dropped with their index.
import { afterEach, describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { DEFAULT_MATCH_OPTIONS, identify, prepareGallery } from '../../shared/face/match'
import { buildFaceIndex, HELPED_MIN_ROWS } from '../../shared/face/match-index'
import { useKernelHelper, wasmSimdAvailable } from '../../shared/face/match-kernel'
import { expectSameAsFullScan, fullScan, randomCase, rng } from '../../tools/test-support/face-index-cases'
import { startKernelHelper, type KernelHelperOptions, type NodeKernelHelper } from './kernel-helper'

const D = FACE_DESCRIPTOR_LENGTH
let helper: NodeKernelHelper | null = null

function install(options: KernelHelperOptions): NodeKernelHelper {
  helper = startKernelHelper(options)
  useKernelHelper(helper)
  return helper
}

afterEach(async () => {
  useKernelHelper(null)
  await helper?.close()
  helper = null
})

/** Random galleries cut into 2..9 shards, the back half on the helper; returns how many queries went through it. */
function randomGalleries(seed: number): number {
  const r = rng(seed)
  let queries = 0
  for (const size of [2, 7, 40, 250, 600]) {
    const { gallery, probes } = randomCase(r, size)
    const shards = 2 + r.int(8)
    const index = buildFaceIndex(gallery, D, { helper: true, shardRows: Math.max(1, Math.ceil(size / shards)) })
    expect(index.shards.length).toBeGreaterThanOrEqual(2)
    expect(index.shards.every((shard) => shard.shared !== null)).toBe(true)
    expectSameAsFullScan(gallery, index, probes, r, `size ${size}, ${index.shards.length} shards`)
    queries += 1
  }
  return queries
}

describe.runIf(wasmSimdAvailable())('the 1:N index with a helper thread', () => {
  it('gives the full scan\'s answer when the worker runs the back half of every query', () => {
    const h = install({ takeOver: false })
    randomGalleries(11)
    expect(h.stats.taken).toBe(0)
    expect(h.stats.ran).toBeGreaterThan(100) // every identify() of every decision went through the worker
  })

  it('gives the full scan\'s answer when the worker hands every query back', () => {
    // The caller waits for the worker to claim each request; the worker, not knowing the shards, hands it back.
    const h = install({ announce: false, takeOver: false })
    randomGalleries(12)
    expect(h.stats.ran).toBe(0)
    expect(h.stats.taken).toBeGreaterThan(100)
  })

  it('from HELPED_MIN_ROWS rows identify() shares its index with the helper by itself, in two equal halves', () => {
    const h = install({})
    const r = rng(13)
    const { gallery, probes } = randomCase(r, HELPED_MIN_ROWS + 99)
    expect(prepareGallery(gallery)).toBeGreaterThan(gallery.size * D)
    for (const probe of probes) expect(identify(gallery, probe)).toEqual(fullScan(gallery, probe, DEFAULT_MATCH_OPTIONS))
    // Whichever of the two threads ran them (timing decides), every query went through the helper.
    expect(h.stats.ran + h.stats.taken).toBe(probes.length)
    const index = buildFaceIndex(gallery, D)
    expect(index.shards.map((shard) => shard.rows)).toEqual([Math.ceil(gallery.size / 2), Math.floor(gallery.size / 2)])
    // A small gallery keeps to one thread.
    const small = buildFaceIndex(randomCase(r, 600).gallery, D)
    expect(small.shards.every((shard) => shard.shared === null)).toBe(true)
  })
})
