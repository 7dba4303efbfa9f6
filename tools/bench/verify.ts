// /api/face/verify end to end (HTTP, session, validation, settings, the cached index, the name lookup) on the
// production server. Two figures, taken apart:
//   - latency as one kiosk sees it: one caller at a time (the next request leaves when the answer has arrived), p95;
//   - throughput: 8 concurrent callers on the one server process, requests/s (their p95 is mostly queueing).
// Baseline: the index lookup alone (identify() over the same gallery, fetched from the server, in this process).
// The floor, in the note: the same client's round trip to the same server on a public route without SQL, without
// cookies and with the tablet's (then the session statement, kept on every request): what any request costs on this
// machine, so what the ratio can come to.
// The SQL statements each request costs are counted from PostgreSQL's own statistics of the bench's database.
import os from 'node:os'
import type postgres from 'postgres'
import { decodeDescriptor, encodeDescriptor } from '../../shared/face/descriptor'
import { buildGallery, identify } from '../../shared/face/match'
import type { SyntheticFaces } from './generators'
import { cpuMs, Http, load, median, percentile, progress, round, row, sleep, type Row } from './lib'
import type { World } from './world'

/**
 * Committed + rolled-back transactions of the database so far (each autocommit statement is one), and when read.
 * A backend reports its counters as it goes idle, at most once a second; what it did within a second of its last
 * report waits for its next statement, or 10 s when none comes (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): after the
 * server's requests, wait that long.
 */
async function transactions(sql: postgres.Sql, database: string, settleMs: number): Promise<{ n: number; at: number }> {
  await sleep(settleMs)
  const [r] = await sql`select xact_commit + xact_rollback as n from pg_stat_database where datname = ${database}`
  return { n: Number(r!.n), at: performance.now() }
}
const SETTLED = 11_000

export async function benchVerify(world: World, faces: SyntheticFaces, options: { seconds: number; concurrency: number }): Promise<Row[]> {
  const probes = Array.from({ length: 400 }, (_, i) => (i % 10 < 7 ? faces.capture(world.members[(i * 7919) % world.members.length]!.centre) : faces.capture(faces.centre())))
  const bodies = probes.map((p) => JSON.stringify({ organization_id: world.orgId, face_encoding: encodeDescriptor(p) }))
  let recognised = 0
  const verifyOnce = async (i: number) => {
    const res = await world.tablet.raw('POST', '/api/face/verify', bodies[i % bodies.length])
    if (res.status !== 200) throw new Error(`verify: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`)
    const body = (await res.json()) as { data: { verified: boolean } }
    if (body.data.verified) recognised++
  }
  // Warm-up: every probe once, so the server has loaded the index and met every member the run matches (it keeps their
  // names, as a server does once it has seen its members).
  progress(`/api/face/verify: warming up (the server loads the index of ${world.members.length.toLocaleString('en')} members)`)
  for (let i = 0; i < probes.length; i++) await verifyOnce(i)

  // What the server does on its own (its job queue's polling and upkeep), counted over an idle spell as long as the run
  // just before it and taken off the run's count, so the figure is the requests' own.
  progress(`  the server idle for ${2 * SETTLED / 1000 + options.seconds} s (its background SQL)`)
  const quietFrom = await transactions(world.sql, world.db.name, SETTLED)
  const before = await transactions(world.sql, world.db.name, options.seconds * 1000 + SETTLED)
  // Each count is one transaction itself, in the next count.
  const backgroundPerMs = Math.max(0, before.n - quietFrom.n - 1) / (before.at - quietFrom.at)

  // One caller at a time: a kiosk's own wait, without other kiosks' requests queued in front of it.
  progress(`  one caller at a time for ${options.seconds} s`)
  recognised = 0
  const pid = world.server.process.pid
  const cpuBefore = cpuMs(pid)
  const single = await load(1, options.seconds, verifyOnce)
  const cpuAfter = cpuMs(pid)
  const after = await transactions(world.sql, world.db.name, SETTLED)
  const counted = (after.n - before.n - 1) / Math.max(1, single.latencies.length)
  const background = (backgroundPerMs * (after.at - before.at)) / Math.max(1, single.latencies.length)
  const perRequest = Math.max(0, counted - background)
  // The server process's own CPU per request: what one request costs it, whatever else shares the machine.
  const cpuPerRequest = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / Math.max(1, single.latencies.length)
  const recognisedShare = recognised / Math.max(1, single.latencies.length)

  // The floor, right after, on a public route that answers 1 KB of JSON without SQL: from a client without cookies
  // (nothing else to do), then with the tablet's cookies (the session statement every request of theirs costs).
  const floor = async (client: Http, label: string) => {
    const once = async () => {
      const res = await client.raw('GET', '/api/permissions')
      if (res.status !== 200) throw new Error(`/api/permissions: HTTP ${res.status}`)
      await res.arrayBuffer()
    }
    for (let i = 0; i < 50; i++) await once()
    progress(`  floor: GET /api/permissions ${label}, one caller at a time for ${options.seconds / 2} s`)
    const r = await load(1, options.seconds / 2, once)
    return { p95: round(percentile(r.latencies, 95), 2), median: round(median(r.latencies), 2), n: r.latencies.length }
  }
  const bare = await floor(new Http(world.server.url), 'without cookies')
  const withSession = await floor(world.tablet, 'with the tablet\'s cookies')

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
  const size = `${world.members.length.toLocaleString('en')} members × ${Math.round(index.size / world.members.length)} descriptors`
  progress(
    `  one caller: p95 ${round(percentile(single.latencies, 95), 2)} ms, median ${round(median(single.latencies), 2)} ms, ${round(perRequest, 2)} SQL transactions/request (${round(counted, 2)} counted, less ${round(background, 2)} of background), ` +
    `server CPU ${cpuPerRequest === null ? '?' : round(cpuPerRequest, 2)} ms/request; ` +
    `${options.concurrency} callers: ${round(rps, 0)} req/s (p95 ${round(percentile(http.latencies, 95), 1)} ms); lookup alone p95 ${round(percentile(lookups, 95), 2)} ms, ${round(lookupRate, 0)}/s; ` +
    `floor p95 ${bare.p95} ms (median ${bare.median}), with the session statement ${withSession.p95} ms (median ${withSession.median})`,
  )
  return [
    row({
      id: 'verify.p95',
      name: '/api/face/verify end to end, p95 latency, one caller at a time',
      value: round(percentile(single.latencies, 95), 2),
      unit: 'ms',
      baseline: round(percentile(lookups, 95), 2),
      baseline_name: 'index lookup alone, p95',
      better: 'lower',
      target: '≤ 3 × lookup',
      note:
        `${size}; one HTTP client calling POST /api/face/verify again as soon as the answer arrived, for ${options.seconds} s after ${probes.length} warm-up calls (every probe once): ` +
        `${single.latencies.length} requests${single.errors ? `, ${single.errors} errors` : ''}, ${Math.round(recognisedShare * 100)}% recognised (7 in 10 probes are enrolled members' captures), ` +
        `median ${round(median(single.latencies), 2)} ms; the enrolled tablet's device cookie and the petugas's session on every request; ` +
        `${round(perRequest, 2)} SQL transactions per request: ${round(counted, 2)} counted over the run (pg_stat_database of the bench's database), ` +
        `less ${round(background, 2)} of the server's own background (${round(backgroundPerMs * 1000, 0)} a second: its job queue, counted over an idle spell as long just before); ` +
        `${cpuPerRequest === null ? '' : `the server process's CPU time ${round(cpuPerRequest, 2)} ms per request (/proc, user + system, 10 ms ticks over the run); `}` +
        `the floor, taken right after by the same client one request at a time, GET /api/permissions (a public route: 1 KB of JSON, no SQL): ` +
        `without cookies p95 ${bare.p95} ms, median ${bare.median} ms (${bare.n} requests); with the tablet's cookies, so the session statement too, ` +
        `p95 ${withSession.p95} ms, median ${withSession.median} ms (${withSession.n} requests); ` +
        `machine load average ${os.loadavg().map((x) => round(x, 1)).join(', ')} at the end (2 cores shared: the wall-clock figures rise with it); ` +
        `lookup: identify() over the gallery fetched from /api/face/gallery, in the bench process, median ${round(median(lookups), 2)} ms`,
    }),
    row({
      id: 'verify.rps',
      name: `/api/face/verify end to end, requests/s with ${options.concurrency} concurrent callers`,
      value: round(rps, 0),
      unit: 'req/s',
      baseline: round(lookupRate, 0),
      baseline_unit: 'lookups/s',
      baseline_name: 'the index lookup alone (identify() over the same gallery, one core)',
      better: 'higher',
      note:
        `${size}; ${options.concurrency} HTTP clients at once on the one server process for ${options.seconds} s, ${http.latencies.length} requests${http.errors ? `, ${http.errors} errors` : ''}; ` +
        `their latency (queueing behind each other included): median ${round(median(http.latencies), 1)} ms, p95 ${round(percentile(http.latencies, 95), 1)} ms`,
    }),
  ]
}
