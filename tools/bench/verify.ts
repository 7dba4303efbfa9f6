// /api/face/verify end to end (HTTP, session, validation, settings, the cached index, the name lookup) on the
// production server: requests/s and p95 under a few concurrent kiosks. Baseline: the index lookup alone (identify()
// over the same gallery, fetched from the server, in this process).
import { decodeDescriptor, encodeDescriptor } from '../../shared/face/descriptor'
import { buildGallery, identify } from '../../shared/face/match'
import type { SyntheticFaces } from './generators'
import { load, median, percentile, progress, round, row, type Row } from './lib'
import type { World } from './world'

export async function benchVerify(world: World, faces: SyntheticFaces, options: { seconds: number; concurrency: number }): Promise<Row[]> {
  const probes = Array.from({ length: 400 }, (_, i) => (i % 10 < 7 ? faces.capture(world.members[(i * 7919) % world.members.length]!.centre) : faces.capture(faces.centre())))
  const bodies = probes.map((p) => JSON.stringify({ organization_id: world.orgId, face_encoding: encodeDescriptor(p) }))
  const verifyOnce = async (i: number) => {
    const res = await world.tablet.raw('POST', '/api/face/verify', bodies[i % bodies.length])
    if (res.status !== 200) throw new Error(`verify: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`)
    await res.arrayBuffer()
  }
  progress(`/api/face/verify: warming up (the server loads the index of ${world.members.length.toLocaleString('en')} members)`)
  for (let i = 0; i < 20; i++) await verifyOnce(i)
  progress(`  ${options.concurrency} concurrent callers for ${options.seconds} s`)
  const http = await load(options.concurrency, options.seconds, verifyOnce)
  const rps = (http.latencies.length / http.wallMs) * 1000

  // The index lookup alone, over the gallery the server holds.
  const gallery = await world.tablet.get<{ threshold: number; margin: number; members: { id: number; descriptors: string[] }[] }>('/api/face/gallery')
  const index = buildGallery(gallery.members.flatMap((m) => m.descriptors.map((d) => ({ memberId: m.id, descriptor: decodeDescriptor(d) }))))
  const options2 = { threshold: gallery.threshold, margin: gallery.margin }
  const lookups: number[] = []
  for (let i = 0; i < 5; i++) identify(index, probes[i]!, options2)
  const end = performance.now() + Math.min(3000, options.seconds * 500)
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now()
    identify(index, probes[i % probes.length]!, options2)
    lookups.push(performance.now() - t)
  }
  const lookupRate = 1000 / (lookups.reduce((a, b) => a + b, 0) / lookups.length)
  const common = `${world.members.length.toLocaleString('en')} members × ${Math.round(index.size / world.members.length)} descriptors; ${options.concurrency} concurrent callers, ${http.latencies.length} requests${http.errors ? `, ${http.errors} errors` : ''}`
  progress(`  verify ${round(rps, 0)} req/s (p95 ${round(percentile(http.latencies, 95), 1)} ms); lookup alone ${round(lookupRate, 0)}/s`)
  return [
    row({
      id: 'verify.rps',
      name: '/api/face/verify end to end, requests/s',
      value: round(rps, 0),
      unit: 'req/s',
      baseline: round(lookupRate, 0),
      baseline_unit: 'lookups/s',
      baseline_name: 'the index lookup alone (identify() over the same gallery, one core)',
      better: 'higher',
      note: common,
    }),
    row({
      id: 'verify.p95',
      name: '/api/face/verify end to end, p95 latency',
      value: round(percentile(http.latencies, 95), 1),
      unit: 'ms',
      baseline: round(percentile(lookups, 95), 2),
      baseline_name: 'index lookup alone, p95',
      better: 'lower',
      note: `median ${round(median(http.latencies), 1)} ms; lookup median ${round(median(lookups), 2)} ms`,
    }),
  ]
}
