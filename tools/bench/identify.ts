// 1:N identification in the server's in-memory index (FaceIndexCache holding one FaceGallery per organization, the
// structure /api/face/verify and the sync's face check scan), at 1k, 10k and 100k enrolled members with three
// descriptors each (registration takes at least three), and at the largest size once more with five (several frames'
// templates per member). Baseline: the plainest Float32Array scan, written here. identify() is exact (the full scan's
// answer: shared/face/match-index.test.ts); memory is the gallery's float32 rows plus the index's own structures.
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { buildGallery, DEFAULT_MATCH_OPTIONS, identify, prepareGallery, type FaceGallery } from '../../shared/face/match'
import { wasmSimdAvailable } from '../../shared/face/match-kernel'
import { FaceIndexCache } from '../../server/face/index-cache'
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
    }
  }
  return rows
}
