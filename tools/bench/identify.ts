// 1:N identification in the server's in-memory index (FaceIndexCache holding one FaceGallery per organization, the
// structure /api/face/verify and the sync's face check scan), at 1k, 10k and 100k enrolled members with three
// descriptors each (registration takes at least three). Baseline: the plainest Float32Array scan, written here.
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { buildGallery, DEFAULT_MATCH_OPTIONS, identify, type FaceGallery } from '../../shared/face/match'
import { FaceIndexCache } from '../../server/face/index-cache'
import type { SyntheticFaces } from './generators'
import { median, percentile, progress, round, row, type Row } from './lib'

/** The baseline: squared distance to every row, keep the smallest. No margin, no second member, no checks. */
function straightScan(descriptors: Float32Array, rows: number, probe: Float32Array): number {
  let best = Infinity
  for (let r = 0, off = 0; r < rows; r++, off += FACE_DESCRIPTOR_LENGTH) {
    let sum = 0
    for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) {
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

export async function benchIdentify(faces: SyntheticFaces, sizes: number[], probesPerSize: number, perMember = 3): Promise<Row[]> {
  const rows: Row[] = []
  for (const members of sizes) {
    progress(`1:N identify: building an index of ${members.toLocaleString('en')} members × ${perMember} descriptors`)
    const centres = Array.from({ length: members }, () => faces.centre())
    const cache = new FaceIndexCache()
    const built = performance.now()
    const gallery: FaceGallery = await cache.get(1, async () =>
      buildGallery(centres.flatMap((centre, m) => Array.from({ length: perMember }, () => ({ memberId: m + 1, descriptor: faces.capture(centre) })))),
    )
    const buildMs = performance.now() - built
    // Half the probes are enrolled members seen again, half are strangers.
    const probes = Array.from({ length: probesPerSize }, (_, i) => (i % 2 === 0 ? faces.capture(centres[(i * 7919) % members]!) : faces.capture(faces.centre())))
    let recognised = 0
    const index = timeEach(probes, (p) => {
      const hit = identify(gallery, p, DEFAULT_MATCH_OPTIONS)
      if (hit.verified) recognised++
    })
    const scan = timeEach(probes, (p) => straightScan(gallery.descriptors, gallery.size, p))
    const label = members >= 1000 ? `${members / 1000}k` : String(members)
    rows.push(
      row({
        id: `identify.${label}`,
        name: `1:N identify, ${label} members (${(gallery.size).toLocaleString('en')} descriptors), median`,
        value: round(median(index), 2),
        unit: 'ms',
        baseline: round(median(scan), 2),
        baseline_name: 'straight Float32Array scan',
        better: 'lower',
        target: members === 100_000 ? '< 20 ms' : undefined,
        note: `p95 ${round(percentile(index, 95), 2)} ms (scan p95 ${round(percentile(scan, 95), 2)} ms); ${probes.length} probes, half enrolled (${Math.round((100 * recognised) / (probes.length + 3))}% recognised); index ${round(gallery.descriptors.byteLength / 2 ** 20, 0)} MiB built in ${round(buildMs / 1000, 1)} s`,
      }),
    )
    progress(`  ${label}: identify ${rows.at(-1)!.value} ms median, straight scan ${rows.at(-1)!.baseline} ms`)
  }
  return rows
}
