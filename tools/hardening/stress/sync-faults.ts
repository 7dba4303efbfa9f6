// Issue 6, item 3: simulated devices syncing through faults — the server SIGKILLed mid-batch and restarted,
// answers dropped after the commit, the same batch delivered twice at once, the database connections terminated,
// device clocks a day off either way. After each fault, and at the end: what the server holds is exactly the set of
// records the devices made, each once.
import { Device, FaultProxy } from './devices'
import { mintMembers, type Org, type ScratchDatabase, type ServerProcess, sleep, terminateServerConnections } from './server-process'

export interface SyncFaultReport {
  sent: number
  lost: number
  duplicated: number
  unexpected: number
  attention: number
  /** Server exits the harness did not cause. */
  crashes: number
  phases: { name: string; records: number; seconds: number; deviceFailures: number; note: string }[]
}

export async function runSyncFaults(opts: { server: ServerProcess; db: ScratchDatabase; org: Org; devices: number; recordsPerPhase: number; log: (s: string) => void }): Promise<SyncFaultReport> {
  const { server, db, org, log } = opts
  const proxy = new FaultProxy(() => ({ host: '127.0.0.1', port: server.port }))
  await proxy.start()
  const members = await mintMembers(db.sql, server, org.id, opts.devices, 'Fault device')
  const skews = [0, 24 * 3600_000, -24 * 3600_000]
  const devices = members.map(
    (m, i) =>
      new Device({
        organizationId: org.id,
        memberId: m.memberId,
        memberName: m.name,
        cookie: m.cookie,
        baseUrl: () => proxy.url,
        skewMs: skews[i % skews.length],
      }),
  )
  const report: SyncFaultReport = { sent: 0, lost: 0, duplicated: 0, unexpected: 0, attention: 0, crashes: 0, phases: [] }

  async function phase(name: string, fault: (flushing: Promise<boolean[]>) => Promise<string | (() => string)>, setup?: () => void, teardown?: () => void) {
    const started = Date.now()
    const failuresBefore = devices.reduce((s, d) => s + d.failures, 0)
    // Each device captures offline first (a morning's worth), then they all come online at once.
    for (const d of devices) for (let i = 0; i < opts.recordsPerPhase; i++) await d.capture(i % 3)
    setup?.()
    const flushing = Promise.all(devices.map((d) => d.syncUntilEmpty(Date.now() + 180_000)))
    // A crashed server is restarted (and counted) so that the devices can finish and the run can say what was kept.
    let watching = true
    const watchdog = (async () => {
      while (watching) {
        await sleep(250)
        const dead = server.child !== null && (server.child.exitCode !== null || server.child.signalCode !== null)
        if (watching && dead && server.crashes > report.crashes) await server.start().catch(() => {})
      }
    })()
    const told = await fault(flushing)
    const done = await flushing
    watching = false
    await watchdog
    let note = typeof told === 'function' ? told() : told
    if (server.crashes > report.crashes) {
      note += ` — THE SERVER CRASHED ${server.crashes - report.crashes} time(s); restarted to go on`
      report.crashes = server.crashes
    }
    teardown?.()
    if (done.some((x) => !x)) note += ` (${done.filter((x) => !x).length} device(s) did not empty their outbox in time)`
    const records = devices.length * opts.recordsPerPhase
    report.phases.push({ name, records, seconds: (Date.now() - started) / 1000, deviceFailures: devices.reduce((s, d) => s + d.failures, 0) - failuresBefore, note })
    log(`sync faults: ${name}: ${records} records in ${((Date.now() - started) / 1000).toFixed(1)} s; ${note}`)
    await check(name)
  }

  /** The server's rows against what the devices made. */
  async function check(after: string) {
    const created = new Set(devices.flatMap((d) => d.created))
    const rows = await db.sql<{ client_id: string; n: number }[]>`select client_id::text, count(*)::int as n from attendance_events where organization_id = ${org.id} group by client_id`
    const onServer = new Map(rows.map((r) => [r.client_id, r.n]))
    const lost = [...created].filter((id) => !onServer.has(id))
    const duplicated = rows.filter((r) => r.n > 1).length
    const unexpected = rows.filter((r) => !created.has(r.client_id)).length
    const attention = (await Promise.all(devices.map((d) => d.attention()))).flat()
    report.sent = created.size
    report.lost = lost.length
    report.duplicated = duplicated
    report.unexpected = unexpected
    report.attention = attention.length
    if (lost.length || duplicated || unexpected || attention.length) {
      log(`sync faults: after ${after}: lost ${lost.length}, duplicated ${duplicated}, unexpected ${unexpected}, needs attention ${attention.length} ${JSON.stringify(attention.slice(0, 3))}`)
    }
  }

  await phase('no fault', async () => 'baseline')

  await phase('server SIGKILLed mid-batch, restarted', async (flushing) => {
    // Wait for sync requests to be in flight, then kill without warning.
    const until = Date.now() + 20_000
    while (proxy.stats.inFlight === 0 && Date.now() < until) await sleep(5)
    await sleep(30 + Math.random() * 120)
    const inFlight = proxy.stats.inFlight
    await server.kill()
    await sleep(500)
    await server.start()
    void flushing
    return `killed with ${inFlight} request(s) in flight, restarted`
  })

  await phase(
    'answers dropped after commit',
    async () => () => `${proxy.stats.dropped} answers dropped after the server answered`,
    () => {
      proxy.stats.dropped = 0
      proxy.dropRate = 0.4
    },
    () => {
      proxy.dropRate = 0
    },
  )

  await phase(
    'same batch delivered twice at once',
    async () => 'every batch sent twice concurrently',
    () => devices.forEach((d) => (d.opts.doubleSend = true)),
    () => devices.forEach((d) => (d.opts.doubleSend = false)),
  )

  await phase('database connections terminated mid-sync', async () => {
    const until = Date.now() + 20_000
    while (proxy.stats.inFlight === 0 && Date.now() < until) await sleep(5)
    let terminated = 0
    for (let i = 0; i < 3; i++) {
      terminated += await terminateServerConnections(db.sql, db.name)
      await sleep(150)
    }
    return `${terminated} server connection(s) terminated (pg_terminate_backend)`
  })

  // Everything again, all faults at once, then a final replay of everything the devices ever sent.
  await phase(
    'all faults together',
    async (flushing) => {
      await sleep(50)
      await terminateServerConnections(db.sql, db.name)
      await sleep(100)
      await server.kill()
      await sleep(300)
      await server.start()
      void flushing
      return 'drops + double delivery + database terminate + SIGKILL'
    },
    () => {
      proxy.dropRate = 0.3
      devices.forEach((d) => (d.opts.doubleSend = true))
    },
    () => {
      proxy.dropRate = 0
      devices.forEach((d) => (d.opts.doubleSend = false))
    },
  )

  await proxy.stop()
  await Promise.all(devices.map((d) => d.close()))
  return report
}
