// Issue 6, item 4: the morning rush. Devices (each a member's phone with its own session) come online spread over
// one minute and sync their outbox, while dashboard readers poll the attendance list and today's summary and one
// live stream listens. Measures throughput, latency percentiles, errors and the server's peak memory.
import { Device } from './devices'
import { mintMembers, percentile, type Org, type ScratchDatabase, type ServerProcess, sleep } from './server-process'

export interface LoadReport {
  devices: number
  records: number
  recordsOnServer: number
  requests: number
  syncRequests: number
  readerRequests: number
  seconds: number
  rps: number
  recordsPerSecond: number
  p50: number
  p95: number
  p99: number
  syncP95: number
  readerP95: number
  errors: number
  streamEvents: number
  peakMemoryMb: number
}

export async function runLoad(opts: { server: ServerProcess; db: ScratchDatabase; org: Org; devices: number; recordsPerDevice: number; windowSeconds: number; readers: number; log: (s: string) => void }): Promise<LoadReport> {
  const { server, db, org, log } = opts
  const members = await mintMembers(db.sql, server, org.id, opts.devices, 'Rush member')
  const syncMs: number[] = []
  const readerMs: number[] = []
  let errors = 0
  const errorSamples: string[] = []
  const devices = members.map(
    (m) =>
      new Device({
        organizationId: org.id,
        memberId: m.memberId,
        memberName: m.name,
        cookie: m.cookie,
        baseUrl: () => server.url,
        onRequest: (ms, status) => {
          syncMs.push(ms)
          if (status < 200 || status >= 300) {
            errors++
            if (errorSamples.length < 5) errorSamples.push(`sync -> ${status}`)
          }
        },
      }),
  )
  // Each phone has its records waiting (a few days offline, check-in and check-out each day).
  for (const d of devices) for (let i = 0; i < opts.recordsPerDevice; i++) await d.capture(Math.floor(i / 2))
  log(`load: ${devices.length} devices ready with ${opts.recordsPerDevice} records each`)

  const memoryTimer = setInterval(() => server.sampleMemory(), 250)
  const started = performance.now()
  let stop = false

  // Dashboard readers: the attendance list and today's summary, as the dashboard polls them.
  const readerPaths = [`/api/organizations/${org.id}/attendance?limit=50`, `/api/organizations/${org.id}/attendance/today`, `/api/organizations/${org.id}/members?limit=50`]
  const readers = Array.from({ length: opts.readers }, async (_, r) => {
    let i = r
    while (!stop) {
      const path = readerPaths[i++ % readerPaths.length]!
      const t0 = performance.now()
      try {
        const res = await fetch(`${server.url}${path}`, { headers: { cookie: org.adminCookie }, signal: AbortSignal.timeout(60_000) })
        await res.arrayBuffer()
        readerMs.push(performance.now() - t0)
        if (!res.ok && res.status !== 404) {
          errors++
          if (errorSamples.length < 5) errorSamples.push(`${path} -> ${res.status}`)
        }
      } catch (err) {
        readerMs.push(performance.now() - t0)
        errors++
        if (errorSamples.length < 5) errorSamples.push(`${path} -> ${(err as Error).message}`)
      }
      await sleep(500 + Math.random() * 1000)
    }
  })

  // One live stream, counting the events it receives (if the app has one).
  let streamEvents = 0
  const streamAbort = new AbortController()
  const stream = (async () => {
    try {
      const res = await fetch(`${server.url}/api/organizations/${org.id}/attendance/stream`, { headers: { cookie: org.adminCookie, accept: 'text/event-stream' }, signal: streamAbort.signal })
      if (!res.ok || !res.body) return
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        streamEvents += (decoder.decode(value).match(/^event: ?attendance/gm) ?? []).length
      }
    } catch {
      /* closed at the end */
    }
  })()

  // The rush: device i comes online at a random moment within the window.
  const window = opts.windowSeconds * 1000
  const done = await Promise.all(
    devices.map(async (d) => {
      await sleep(Math.random() * window)
      return d.syncUntilEmpty(Date.now() + 300_000)
    }),
  )
  const seconds = (performance.now() - started) / 1000
  stop = true
  await Promise.all(readers)
  streamAbort.abort()
  await stream
  clearInterval(memoryTimer)
  server.sampleMemory()

  const created = devices.reduce((s, d) => s + d.created.length, 0)
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from attendance_events e join organization_members m on m.id = e.organization_member_id where e.organization_id = ${org.id} and m.member_number like 'Rush member-%'`
  const unsent = done.filter((x) => !x).length
  if (unsent) {
    errors += unsent
    errorSamples.push(`${unsent} device(s) still had records at the end`)
  }
  if (errorSamples.length) log(`load: errors: ${errorSamples.join('; ')}`)
  await Promise.all(devices.map((d) => d.close()))

  const all = [...syncMs, ...readerMs].sort((x, y) => x - y)
  const sortedSync = [...syncMs].sort((x, y) => x - y)
  const sortedReaders = [...readerMs].sort((x, y) => x - y)
  const round = (x: number) => Math.round(x * 10) / 10
  return {
    devices: devices.length,
    records: created,
    recordsOnServer: row?.n ?? 0,
    requests: all.length,
    syncRequests: syncMs.length,
    readerRequests: readerMs.length,
    seconds: round(seconds),
    rps: round(all.length / seconds),
    recordsPerSecond: round(created / seconds),
    p50: round(percentile(all, 50)),
    p95: round(percentile(all, 95)),
    p99: round(percentile(all, 99)),
    syncP95: round(percentile(sortedSync, 95)),
    readerP95: round(percentile(sortedReaders, 95)),
    errors,
    streamEvents,
    peakMemoryMb: Math.round(server.peakKb / 1024),
  }
}
