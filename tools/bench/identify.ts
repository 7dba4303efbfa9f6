// 1:N identification in the server's in-memory index (FaceIndexCache holding one FaceGallery per organization, the
// structure /api/face/verify and the sync's face check scan), at 1k, 10k and 100k enrolled members with three
// descriptors each (registration takes at least three), and at the largest size once more with five (several frames'
// templates per member). Baseline: the plainest Float32Array scan, written here. identify() is exact (the full scan's
// answer: shared/face/match-index.test.ts); memory is the gallery's float32 rows plus the index's own structures.
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import os from 'node:os'
import { buildGallery, DEFAULT_MATCH_OPTIONS, identify, indexKernels, prepareGallery, type FaceGallery } from '../../shared/face/match'
import { useKernelHelper, wasmSimdAvailable } from '../../shared/face/match-kernel'
import { FaceIndexCache } from '../../server/face/index-cache'
import { startKernelHelper } from '../../server/face/kernel-helper'
import type { SyntheticFaces } from './generators'
import { median, percentile, progress, round, row, type Row } from './lib'

/** The baseline: squared distance to every row, keep the smallest. No margin, no second member, no checks. */
function straightScan(descriptors: Float32Array, rows: number, probe: Float32Array): number {
  // A local copy: under tsx an imported constant is a getter call on every use, which made this loop ~30x slower.
  const D = FACE_DESCRIPTOR_LENGTH
  let best = Infinity
  for (let r = 0, off = 0; r < rows; r++, off += D) {
    let sum = 0
    for (let i = 0; i < D; i++) {
      const d = (descriptors[off + i] as number) - (probe[i] as number)
      sum += d * d
    }
    if (sum < best) best = sum
  }
  return best
}

function timeEach(probes: Float32Array[], fn: (p: Float32Array) => unknown): number[] {
  for (const p of probes.slice(0, 3)) fn(p) // warm-up (JIT)
  return probes.map((p) => {
    const t = performance.now()
    fn(p)
    return performance.now() - t
  })
}

const MiB = 2 ** 20

export async function benchIdentify(faces: SyntheticFaces, sizes: number[], probesPerSize: number, perMember = 3, templatesPerMember = 5): Promise<Row[]> {
  const rows: Row[] = []
  const largest = Math.max(...sizes)
  for (const members of sizes) {
    const centres = Array.from({ length: members }, () => faces.centre())
    const runs = members === largest && templatesPerMember > perMember ? [perMember, templatesPerMember] : [perMember]
    for (const templates of runs) {
      progress(`1:N identify: building an index of ${members.toLocaleString('en')} members × ${templates} descriptors`)
      const cache = new FaceIndexCache()
      let galleryMs = 0
      const built = performance.now()
      const gallery: FaceGallery = await cache.get(1, async () => {
        const t = performance.now()
        const g = buildGallery(centres.flatMap((centre, m) => Array.from({ length: templates }, () => ({ memberId: m + 1, descriptor: faces.capture(centre) }))))
        galleryMs = performance.now() - t
        return g
      })
      const indexMs = performance.now() - built - galleryMs
      const indexBytes = prepareGallery(gallery) // already built by the cache: returns its size
      // Half the probes are enrolled members seen again, half are strangers.
      const probes = Array.from({ length: probesPerSize }, (_, i) => (i % 2 === 0 ? faces.capture(centres[(i * 7919) % members]!) : faces.capture(faces.centre())))
      let recognised = 0
      const index = timeEach(probes, (p) => {
        const hit = identify(gallery, p, DEFAULT_MATCH_OPTIONS)
        if (hit.verified) recognised++
      })
      // CPU time of the same calls: what identify() costs when the shared machine is busy with other work.
      const cpu = probes.map((p) => {
        const before = process.cpuUsage()
        identify(gallery, p, DEFAULT_MATCH_OPTIONS)
        const used = process.cpuUsage(before)
        return (used.user + used.system) / 1000
      })
      // The baseline over fewer probes for the extra templates row (it is the slow part of this bench).
      const scanProbes = templates === perMember ? probes : probes.slice(0, Math.max(4, Math.ceil(probes.length / 4)))
      const scan = timeEach(scanProbes, (p) => straightScan(gallery.descriptors, gallery.size, p))
      const label = members >= 1000 ? `${members / 1000}k` : String(members)
      const id = templates === perMember ? `identify.${label}` : `identify.${label}.x${templates}`
      const galleryBytes = gallery.descriptors.byteLength + gallery.memberIds.byteLength
      const memory = `memory ${round(galleryBytes / MiB, 0)} MiB gallery (float32) + ${round(indexBytes / MiB, 0)} MiB index (int8 codes, bounds) = ${round((galleryBytes + indexBytes) / members, 0).toLocaleString('en')} bytes a member`
      rows.push(
        row({
          id,
          name: `1:N identify, ${label} members × ${templates} (${gallery.size.toLocaleString('en')} descriptors), median`,
          value: round(median(index), 2),
          unit: 'ms',
          baseline: round(median(scan), 2),
          baseline_name: 'straight Float32Array scan',
          better: 'lower',
          target: members === 100_000 ? '< 20 ms' : undefined,
          note:
            `exact (the full scan's answer); CPU time median ${round(median(cpu), 2)} ms; p95 ${round(percentile(index, 95), 2)} ms (scan p95 ${round(percentile(scan, 95), 2)} ms over ${scanProbes.length} probes); ` +
            `${probes.length} probes, half enrolled (${Math.round((100 * recognised) / (probes.length + 3))}% recognised); ${memory}; ` +
            `gallery built in ${round(galleryMs / 1000, 1)} s, index in ${round(indexMs / 1000, 1)} s (${wasmSimdAvailable() ? 'WebAssembly SIMD' : 'plain JS'} kernel)`,
        }),
      )
      progress(`  ${label} × ${templates}: identify ${rows.at(-1)!.value} ms median (CPU ${round(median(cpu), 2)} ms), straight scan ${rows.at(-1)!.baseline} ms; ${memory}`)
      if (members === largest && os.availableParallelism() > 1) rows.push(await twoThreads(gallery, probes, rows.at(-1)!, id, label, templates))
    }
  }
  return rows
}

/**
 * The same gallery and probes as the server identifies them: with its helper thread (server/face/kernel-helper.ts),
 * which runs the back half of the index's first pass while the calling thread runs the front half. Baseline: the row
 * just measured, on one thread, same run.
 */
async function twoThreads(gallery: FaceGallery, probes: Float32Array[], single: Row, id: string, label: string, templates: number): Promise<Row> {
  const helper = startKernelHelper()
  useKernelHelper(helper)
  try {
    // A new gallery object over the same rows: its index is built anew, in memory shared with the helper thread.
    const same: FaceGallery = { descriptors: gallery.descriptors, memberIds: gallery.memberIds, size: gallery.size }
    const t = performance.now()
    prepareGallery(same)
    const indexMs = performance.now() - t
    // Every answer as the one-thread index gives it (untimed; this also starts the worker).
    for (const p of probes) {
      const hit = identify(same, p, DEFAULT_MATCH_OPTIONS)
      const reference = identify(gallery, p, DEFAULT_MATCH_OPTIONS)
      if (hit.memberId !== reference.memberId || hit.distance !== reference.distance || hit.secondDistance !== reference.secondDistance) throw new Error('two threads answered otherwise than one')
    }
    const before = { ...helper.stats }
    const alone = timeEach(probes, (p) => identify(same, p, DEFAULT_MATCH_OPTIONS))
    const ran = helper.stats.ran - before.ran
    const taken = helper.stats.taken - before.taken
    const value = round(median(alone), 2)
    progress(`  ${label} × ${templates} on two threads: identify ${value} ms median (one thread ${single.value} ms); the helper ran ${ran} of ${ran + taken} back halves`)
    return row({
      id: `${id}.threads`,
      name: `1:N identify, ${label} members × ${templates} (${gallery.size.toLocaleString('en')} descriptors), two threads as the server runs it, median`,
      value,
      unit: 'ms',
      baseline: single.value,
      baseline_name: 'the same on one thread (the row above)',
      better: 'lower',
      target: '< 20 ms',
      note:
        `exact (every answer compared with the one-thread index's); p95 ${round(percentile(alone, 95), 2)} ms; ${probes.length} probes; the index's ${indexKernels(same).length} shards in shared memory, ` +
        `the back half's first pass on the server's helper thread (server/face/kernel-helper.ts), the front half's and the rest on the calling thread; ` +
        `the helper thread ran ${ran} of the ${ran + taken} back halves, the calling thread took back the others (the helper had not begun them when it was done with its own half); ` +
        `index built in ${round(indexMs / 1000, 1)} s; ${os.availableParallelism()} cores, shared with whatever else runs`,
    })
  } finally {
    useKernelHelper(null)
    await helper.close()
  }
}
