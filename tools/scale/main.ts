// `npm run -s test:scale [-- --quick]` (issue 20 item 3): three production servers (dist/server/index.js) on one
// PostgreSQL database and one S3 server, behind a round-robin proxy on 127.0.0.1, through the scenarios of
// tools/scale/scenarios.ts. Prints what it does, then as its LAST line one JSON object:
// {"instances":3,"records_sent":N,"lost":0,"duplicated":0,"stream_missed":0,"lockout_bypassed":false,"jobs_run_twice":0}
// Exits non-zero when an invariant fails (including a scenario that could not show what it should).
import { logLines, startCluster, until, type Cluster } from './cluster'
import { faceAcrossInstances, killMidBatch, lockoutAcrossInstances, makeDevices, morningRush, streamAcrossInstances } from './scenarios'
import { postgresReachable, setupOrganization } from '../hardening/stress/server-process'

const quick = process.argv.includes('--quick')
const log = (s: string) => console.log(`[scale] ${s}`)
const INSTANCES = 3
const SIZE = quick
  ? { rushDevices: 24, rushRecords: 6, rushWindowMs: 3_000, killDevices: 12, killRecords: 10, streamRecords: 12 }
  : { rushDevices: 200, rushRecords: 20, rushWindowMs: 30_000, killDevices: 48, killRecords: 20, streamRecords: 60 }
// setupOrganization's admin (tools/hardening/stress/server-process.ts).
const ADMIN = { email: 'stress.admin@example.com', password: 'stress-password-1' }
const MAINTENANCE_RAN = /\[hadir\] maintenance ran on this instance/

async function main() {
  if (!(await postgresReachable())) throw new Error('test:scale needs PostgreSQL at 127.0.0.1:5432 (HADIR_TEST_PG_URL)')
  log(`${quick ? 'quick' : 'full'} run`)
  const failures: string[] = []
  let cluster: Cluster | null = null
  try {
    cluster = await startCluster(INSTANCES, log)
    const c = cluster
    const org = await setupOrganization(c.instances[0]!, 'Scale')

    if (!(await faceAcrossInstances(c, org, log))) failures.push('a face registered through instance 1 was not identified through instance 3 at once')

    const stream = await streamAcrossInstances(c, org, SIZE.streamRecords, log)

    const rushDevices = await makeDevices(c, org, SIZE.rushDevices, 'Rush member')
    if (!(await morningRush(c, rushDevices, SIZE.rushRecords, SIZE.rushWindowMs, log)).ok) failures.push('the morning rush did not finish or did not reach every instance')

    const killDevices = await makeDevices(c, org, SIZE.killDevices, 'Kill member')
    if (!(await killMidBatch(c, killDevices, SIZE.killRecords, log))) failures.push('devices could not empty their outbox after the kill')

    const lockout = await lockoutAcrossInstances(c, ADMIN.email, ADMIN.password, log)
    if (!lockout.earned) failures.push('no lockout was earned on instance 1')

    // Every record any device made, against what the database holds (each once).
    const devices = [...rushDevices, ...killDevices]
    const created = new Set([...stream.sent, ...devices.flatMap((d) => d.created)])
    const rows = await c.db.sql<{ client_id: string; n: number }[]>`select client_id::text, count(*)::int as n from attendance_events where organization_id = ${org.id} group by client_id`
    const onServer = new Map(rows.map((r) => [r.client_id, r.n]))
    const attention = (await Promise.all(devices.map((d) => d.attention()))).flat().length
    const lost = [...created].filter((id) => !onServer.has(id)).length + attention
    const duplicated = rows.filter((r) => r.n > 1).length + rows.filter((r) => !created.has(r.client_id)).length
    await Promise.all(devices.map((d) => d.close()))

    // The hourly maintenance: each instance ticks at start (instance 2 twice: it was restarted); one may run it.
    await until(() => c.instances.reduce((s, i) => s + logLines(i, MAINTENANCE_RAN), 0) > 0, 60_000)
    const runs = c.instances.map((i) => logLines(i, MAINTENANCE_RAN))
    const [claims] = await c.db.sql<{ n: number }[]>`select count(*)::int as n from scheduled_runs where name = 'maintenance'`
    log(`jobs: the hourly maintenance ran ${runs.join(' / ')} time(s) on the instances (${INSTANCES + 1} starts, ${claims?.n ?? 0} claim row)`)
    const totalRuns = runs.reduce((s, n) => s + n, 0)
    if (totalRuns === 0) failures.push('the hourly maintenance never ran')
    const crashes = c.instances.reduce((s, i) => s + i.crashes, 0)
    if (crashes) failures.push(`${crashes} unexpected server exit(s)`)

    const summary = {
      instances: c.instances.length,
      records_sent: created.size,
      lost,
      duplicated,
      stream_missed: stream.missed,
      lockout_bypassed: lockout.bypassed,
      jobs_run_twice: Math.max(0, totalRuns - 1),
    }
    if (lost || duplicated || summary.stream_missed || summary.lockout_bypassed || summary.jobs_run_twice) failures.push('an invariant failed (see the summary)')
    for (const f of failures) log(`FAILED: ${f}`)
    if (failures.length) process.exitCode = 1
    await c.close(failures.length > 0)
    cluster = null
    console.log(JSON.stringify(summary))
  } finally {
    if (cluster) await cluster.close(true)
  }
}

main()
  .catch((err) => {
    console.error(`[scale] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = 1
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }))
  })
  .finally(() => {
    // Open handles (fake-indexeddb timers, pools, keep-alive sockets) must not keep the run alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref()
  })
