// `npm run -s test:stress [-- --quick] [-- --only=fuzz,sync,load] [-- --dist]`: issue 6 items 2-4 at full size (or
// small, for CI). Prints what it does, then as its LAST line one JSON object:
// {"sync_sent":N,"sync_lost":0,"sync_duplicated":0,"load_requests":N,"load_rps":x,"load_p95_ms":x,"load_errors":0,"fuzz_cases":N,"fuzz_5xx":0,"fuzz_writes_on_reject":0}
// Exits non-zero when an invariant fails (a record lost or duplicated, a load error, a 5xx, a write on refusal).
import { runSyncFaults, type SyncFaultReport } from './sync-faults'
import { runLoad, type LoadReport } from './load'
import { freePort, postgresReachable, scratchDatabase, serverBundle, ServerProcess, setupOrganization } from './server-process'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const useDist = args.includes('--dist')
const only = (args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['fuzz', 'sync', 'load']).map((s) => s.trim())
const log = (s: string) => console.log(`[stress] ${s}`)

const SIZE = quick
  ? { fuzzRuns: 1, faultDevices: 6, faultRecords: 8, loadDevices: 50, loadRecords: 20, loadWindow: 10, readers: 2 }
  : { fuzzRuns: 25, faultDevices: 24, faultRecords: 30, loadDevices: 500, loadRecords: 20, loadWindow: 60, readers: 5 }

interface FuzzSummary {
  cases: number
  fiveXX: number
  writesOnReject: number
  failures: string[]
  routes: number
}

async function fuzz(hasPg: boolean): Promise<FuzzSummary> {
  // The harness picks its database from the environment when it is first imported.
  process.env.HADIR_TEST_DB = hasPg ? 'postgres' : 'pglite'
  const { createTestApp } = await import('../../test-support/harness')
  const { buildWorld } = await import('../world')
  const { boundaryRoutes, fuzzRoutes, raceRoutes } = await import('../fuzz')
  const t = await createTestApp()
  // The app logs every 500 with its stack; the fuzzer reports them itself, one line each.
  const logError = console.error
  let serverErrors = 0
  console.error = () => {
    serverErrors++
  }
  try {
    const started = Date.now()
    const world = await buildWorld(t)
    const stats = await fuzzRoutes(world, { runsPerRoute: SIZE.fuzzRuns, seed: Number(process.env.HADIR_FUZZ_SEED ?? Date.now() % 1e9) })
    log(`fuzz: ${stats.cases} requests over ${stats.byRoute.size} routes on ${hasPg ? 'PostgreSQL' : 'PGlite'} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${stats.fiveXX} 5xx, ${stats.writesOnReject} writes on refusal, ${stats.badErrorShape} bad error bodies, ${stats.pollution} prototype pollutions`)
    // The edges of what the database stores, every field of every route (issue 13 item 8): every value at full size.
    const boundaryStarted = Date.now()
    const edges = await boundaryRoutes(world, { size: quick ? 'core' : 'all', seed: 13 })
    log(`boundaries (${quick ? 'core' : 'all'} values): ${edges.cases} requests over ${edges.byRoute.size} routes, ${edges.fields.param} path, ${edges.fields.query} query and ${edges.fields.json} body fields in ${((Date.now() - boundaryStarted) / 1000).toFixed(0)} s: ${edges.fiveXX} 5xx, ${edges.writesOnReject} writes on refusal, ${edges.badErrorShape} bad error bodies`)
    const race = quick ? { cases: 0, failures: [] } : await raceRoutes(world, { copies: 6, seed: 7 })
    if (!quick) log(`races: ${race.cases} concurrent duplicates, ${race.failures.length} 5xx under concurrency`)
    for (const f of [...stats.failures, ...edges.failures, ...race.failures].slice(0, 20)) log(`  ${f}`)
    return {
      cases: stats.cases + edges.cases + race.cases,
      fiveXX: stats.fiveXX + edges.fiveXX + race.failures.length,
      writesOnReject: stats.writesOnReject + edges.writesOnReject,
      failures: [...stats.failures, ...edges.failures, ...race.failures],
      routes: stats.byRoute.size,
    }
  } finally {
    console.error = logError
    if (serverErrors) log(`fuzz: the app logged ${serverErrors} error(s) (500s) while fuzzing`)
    await t.close()
  }
}

async function withServer<T>(bundle: string, label: string, run: (server: ServerProcess, db: Awaited<ReturnType<typeof scratchDatabase>>) => Promise<T>): Promise<T> {
  const db = await scratchDatabase(label)
  const server = new ServerProcess(bundle, await freePort(), db.url)
  try {
    await server.start()
    return await run(server, db)
  } catch (err) {
    log(`${label} failed; the server's log: ${server.logFile}`)
    throw err
  } finally {
    await server.stop()
    await db.drop()
    if (process.exitCode === undefined || process.exitCode === 0) server.cleanup()
  }
}

async function main() {
  const hasPg = await postgresReachable()
  log(`${quick ? 'quick' : 'full'} run of ${only.join(', ')}; PostgreSQL ${hasPg ? 'reachable' : 'NOT reachable'}`)
  let fuzzed: FuzzSummary | null = null
  let faults: SyncFaultReport | null = null
  let load: LoadReport | null = null

  if (only.includes('fuzz')) fuzzed = await fuzz(hasPg)

  if (only.includes('sync') || only.includes('load')) {
    if (!hasPg) throw new Error('the sync and load runs need PostgreSQL at 127.0.0.1:5432 (HADIR_TEST_PG_URL)')
    const bundle = await serverBundle(useDist)
    log(`server bundle: ${bundle}`)
    if (only.includes('sync')) {
      faults = await withServer(bundle, 'sync', async (server, db) => {
        const org = await setupOrganization(server, 'Stress Sync')
        return runSyncFaults({ server, db, org, devices: SIZE.faultDevices, recordsPerPhase: SIZE.faultRecords, log })
      })
      log(`sync faults: sent ${faults.sent}, lost ${faults.lost}, duplicated ${faults.duplicated}, unexpected ${faults.unexpected}, needs attention ${faults.attention}, server crashes ${faults.crashes}`)
    }
    if (only.includes('load')) {
      load = await withServer(bundle, 'load', async (server, db) => {
        const org = await setupOrganization(server, 'Stress Rush')
        return runLoad({ server, db, org, devices: SIZE.loadDevices, recordsPerDevice: SIZE.loadRecords, windowSeconds: SIZE.loadWindow, readers: SIZE.readers, log })
      })
      if (load.recordsOnServer !== load.records) load.errors += Math.abs(load.records - load.recordsOnServer)
      log(
        `load: ${load.devices} devices x ${SIZE.loadRecords} records (${load.records}, ${load.recordsOnServer} on the server) + ${SIZE.readers} dashboard readers + 1 live stream (${load.streamEvents} events) in ${load.seconds} s: ` +
        `${load.requests} requests (${load.syncRequests} sync, ${load.readerRequests} reads), ${load.rps} req/s, ${load.recordsPerSecond} records/s; ` +
        `latency p50 ${load.p50} ms, p95 ${load.p95} ms, p99 ${load.p99} ms (sync p95 ${load.syncP95}, reads p95 ${load.readerP95}); errors ${load.errors}; server peak memory (VmHWM) ${load.peakMemoryMb} MB`,
      )
    }
  }

  const summary = {
    sync_sent: faults?.sent ?? null,
    sync_lost: faults ? faults.lost + faults.attention : null,
    sync_duplicated: faults ? faults.duplicated + faults.unexpected : null,
    load_requests: load?.requests ?? null,
    load_rps: load?.rps ?? null,
    load_p95_ms: load?.p95 ?? null,
    load_errors: load?.errors ?? null,
    fuzz_cases: fuzzed?.cases ?? null,
    fuzz_5xx: fuzzed?.fiveXX ?? null,
    fuzz_writes_on_reject: fuzzed?.writesOnReject ?? null,
  }
  if (faults?.crashes) log(`FAILED: the server crashed ${faults.crashes} time(s) during the sync faults`)
  const failed = (faults?.crashes ?? 0) > 0 || [summary.sync_lost, summary.sync_duplicated, summary.load_errors, summary.fuzz_5xx, summary.fuzz_writes_on_reject].some((v) => v !== null && v !== 0)
  if (failed) process.exitCode = 1
  console.log(JSON.stringify(summary))
}

main()
  .catch((err) => {
    console.error(`[stress] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = 1
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }))
  })
  .finally(() => {
    // Open handles (fake-indexeddb timers, pools) must not keep the run alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref()
  })
