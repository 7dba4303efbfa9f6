// `npm test`: the whole suite. Unit and API tests (vitest; API tests on PostgreSQL when one is reachable, and on
// embedded PGlite those that depend on the engine, or all of them without PostgreSQL), the production build and the
// browser tests (Playwright in Chromium against the built server), and the Dockerfile's steps. Ends with one line: "tests: N passed, N failed".
//
// The stages run side by side: the browser tests (face inference in Chromium, one test at a time in each of three
// Playwright runs, each on a server and database of its own: the journey, the camera specs, the other specs), beside
// them vitest (at a lower priority) and the type and lint checks, then the Dockerfile's steps. Each stage's output is
// prefixed with its name; at the end, each stage's time and the CPU time each command used (GNU time, where installed).
// No test depends on how fast the machine is, only on conditions, so a busy machine makes the run longer, not red.
// Stages can be run alone or together: `npm test -- unit api e2e lint docker`.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { findChromium, PG_URL, postgresReachable } from './test-env.mjs'
import { ensureFaceModel } from './face-model.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-test-'))
const totals = { passed: 0, failed: 0 }
const only = process.argv.slice(2) // e.g. `npm test -- unit api e2e docker`
const want = (stage) => only.length === 0 || only.includes(stage)
const started = Date.now()
const took = {}
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`
/** CPU time (user + system, in ms) each label's command and its children used, where GNU time is installed. */
const cpu = {}
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null

/**
 * The whole machine's CPU time, busy and idle (ms), from /proc/stat (Linux; null elsewhere). The commands' own CPU
 * time (GNU time) misses what their children leave behind: Chromium's renderers (its zygote is a child of init, not
 * of Playwright), the browser tests' servers and PostgreSQL. A process-accounting run on 2026-12-07 found 54.5
 * CPU-min used in all where GNU time counted 31: the renderers alone 14. This says what the run took of the machine.
 */
function machineCpu() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const tick = 1000 / 100 // USER_HZ is 100 on Linux
    const idle = (fields[3] + (fields[4] ?? 0)) * tick
    const all = fields.slice(0, 8).reduce((a, b) => a + b, 0) * tick
    return { busy: all - idle, all }
  } catch {
    return null
  }
}
const machineAtStart = machineCpu()

// The face recognition model (not in git, not an npm dependency: scripts/face-model.mjs fetches it through npm).
ensureFaceModel()

/**
 * Beside the browser tests, the other stages run at a slightly lower CPU priority (nice 4, inherited by their
 * workers): the browser stage is the longest, so the whole run ends sooner when it gets more of the cores, and vitest,
 * the type check, ESLint and the Dockerfile's steps use the rest. Only slightly: a niceness cannot be undone without
 * privileges, and beside other work on the machine (two busy processes at nice 0) nice 10 left vitest ~10% of the
 * CPU once the browser stage was done. Priority changes only the order of the machine's work, never what a test sees.
 */
const LOWER_PRIORITY = 4
const background = want('e2e')

/**
 * Runs a command with its output prefixed line by line (`[label] ...`); resolves with its exit code. `lower`: at the
 * background priority when the browser tests run too.
 */
function run(label, cmd, args, opts = {}) {
  const { lower = false, ...spawnOpts } = opts
  const cpuFile = gnuTime ? path.join(tmp, `cpu-${label}-${crypto.randomBytes(3).toString('hex')}`) : null
  const niced = lower && background
  if (cpuFile) {
    // GNU time forks the command at once: the niceness is set before, through nice(1), for the command to inherit it.
    args = [...(niced ? ['-n', String(LOWER_PRIORITY), gnuTime] : []), '-q', '-o', cpuFile, '-f', '%U %S', cmd, ...args]
    cmd = niced ? 'nice' : gnuTime
  }
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, ...spawnOpts, env: { ...process.env, ...spawnOpts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    if (niced && !cpuFile && child.pid) {
      try {
        os.setPriority(child.pid, LOWER_PRIORITY)
      } catch {
        /* not allowed here: the stage runs at normal priority */
      }
    }
    const prefix = `[${label}] `
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop()
        for (const line of lines) process.stdout.write(`${prefix + line}\n`)
      })
      stream.on('end', () => rest && process.stdout.write(`${prefix + rest}\n`))
    }
    child.on('error', (err) => {
      console.error(`${prefix}${cmd} did not start: ${err.message}`)
      resolve(1)
    })
    child.on('close', (code) => {
      const used = cpuFile && fs.existsSync(cpuFile) ? fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : []
      if (used.length === 2 && used.every(Number.isFinite)) cpu[label] = (cpu[label] ?? 0) + (used[0] + used[1]) * 1000
      resolve(code ?? 1)
    })
  })
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

const chromium = findChromium()
if (want('e2e') && !chromium) {
  console.error('No Chromium found: install one (Debian: apt-get install -y chromium-headless-shell chromium) or set CHROMIUM_PATH=/path/to/chrome.')
  process.exit(1)
}
if (want('e2e')) console.log(`[e2e] Browser: ${chromium}`)
const hasPg = await postgresReachable()
if (!hasPg) console.log(`PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}: database tests run on embedded PGlite only.`)

let failedStage = false
const timed = async (stage, work) => {
  const t0 = Date.now()
  try {
    return await work()
  } finally {
    took[stage] = Date.now() - t0
  }
}

async function vitestStage() {
  const projects = []
  if (want('unit')) projects.push('unit')
  if (want('api')) projects.push('api-pglite', ...(hasPg ? ['api-postgres'] : []))
  const out = path.join(tmp, 'vitest.json')
  // vitest.config.ts's three workers beside the browser tests too (HADIR_TEST_WORKERS overrides): the API tests wait
  // on PostgreSQL, scrypt and servers of their own much of the time.
  const workers = process.env.HADIR_TEST_WORKERS ?? ''
  const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]
  if (workers) args.push(`--maxWorkers=${workers}`)
  // Without PostgreSQL every API test file runs on PGlite, not only those that depend on the engine (vitest.config.ts).
  const env = hasPg ? {} : { HADIR_PGLITE_ALL: '1' }
  const code = await run(projects.includes('unit') ? (projects.length > 1 ? 'unit+api' : 'unit') : 'api', 'npx', args, { lower: true, env })
  const report = readJson(out)
  if (report?.testResults) {
    const files = report.testResults.map((f) => ({ at: path.relative(root, f.name), ms: (f.endTime ?? 0) - (f.startTime ?? 0) }))
    console.log(`[vitest] slowest files: ${files.sort((a, b) => b.ms - a.ms).slice(0, 8).map((f) => `${minutes(f.ms)} ${f.at}`).join(', ')}`)
    // What the stage's end waited for: the files that ended last, each with when it started (minutes into the run).
    const ends = report.testResults.filter((f) => f.startTime && f.endTime).sort((a, b) => b.endTime - a.endTime).slice(0, 6)
    console.log(`[vitest] ended last: ${ends.map((f) => `${path.relative(root, f.name)} (${minutes(f.startTime - started)} to ${minutes(f.endTime - started)})`).join(', ')}`)
  }
  if (report) {
    totals.passed += report.numPassedTests
    totals.failed += report.numFailedTests
  }
  if (code !== 0) {
    failedStage = true
    if (!report || report.numFailedTests === 0) totals.failed++
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Waits until the server answers /api/health, or it exits. The 10 minutes are a guard against a server that hangs,
 * far past any start on a busy machine (about 2 s when quiet), not a measure of speed.
 */
async function waitHealthy(url, server) {
  const until = Date.now() + 600_000
  while (server.exitCode === null && Date.now() < until) {
    try {
      const r = await fetch(`${url}/api/health`)
      if (r.ok) return true
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

/**
 * The browser specs that spend most of their time on a camera's real time (head turns, a kiosk's queue, a class photo):
 * they run in a Playwright run of their own, on a server of their own, beside the other specs (see e2eStage).
 */
const CAMERA_SPECS = ['face', 'kiosk', 'kiosk-gate', 'kiosk-safeguards', 'kiosk-step-in', 'roll-call'].map((name) => `e2e/${name}.spec.ts`)

/**
 * Starts the built server on a fresh database (PostgreSQL when reachable, else embedded PGlite) and its own data
 * folder; resolves with its address and the environment the specs need, or null (its log printed) if it never became
 * healthy. stop() ends it and drops its database.
 */
async function startE2eServer(label) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Webhooks to 127.0.0.1: the integrations spec's receiver runs on this machine (refused by default, see
  // server/features/webhooks/webhooks.target.ts).
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', HADIR_DATA_DIR: path.join(tmp, `${label}-data`), NODE_ENV: 'production', HADIR_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }
  let dbName = null
  if (hasPg) {
    dbName = `hadir_e2e_${crypto.randomBytes(4).toString('hex')}`
    const { default: postgres } = await import('postgres')
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${dbName}`)
    await admin.end()
    const u = new URL(PG_URL)
    u.pathname = `/${dbName}`
    env.DATABASE_URL = u.toString()
  } else {
    delete env.DATABASE_URL
  }
  const server = spawn(process.execPath, ['dist/server/index.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const logFile = path.join(tmp, `${label}-server.log`)
  const log = fs.createWriteStream(logFile)
  server.stdout.pipe(log)
  server.stderr.pipe(log)
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM')
      await new Promise((r) => server.once('exit', r))
    }
    if (dbName) {
      const { default: postgres } = await import('postgres')
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
      await admin.unsafe(`drop database if exists ${dbName} with (force)`)
      await admin.end()
    }
  }
  if (!(await waitHealthy(url, server))) {
    console.error(`[${label}] The built server exited before it became healthy; its log:\n${fs.readFileSync(logFile, 'utf8')}`)
    await stop()
    return null
  }
  // The database and photo folder too: specs that seed what a background job would write (dashboard-attendance).
  const specEnv = { HADIR_E2E_URL: url, HADIR_E2E_DATABASE: hasPg ? 'postgres' : 'embedded', HADIR_E2E_DATABASE_URL: env.DATABASE_URL ?? '', HADIR_E2E_DATA_DIR: env.HADIR_DATA_DIR }
  return { specEnv, stop }
}

async function e2eStage() {
  console.log('[e2e] Building the production app for the browser tests...')
  const built = await timed('build', () => run('build', 'npm', ['run', '-s', 'build']))
  if (built !== 0) {
    failedStage = true
    totals.failed++
    return
  }
  const t0 = Date.now()
  // HADIR_E2E_SPECS="e2e/a.spec.ts e2e/b.spec.ts" runs only those (with the foundation spec the others build on).
  const specs = (process.env.HADIR_E2E_SPECS ?? '').split(/\s+/).filter(Boolean)
  if (specs.length && !specs.some((s) => s.includes('foundation'))) specs.unshift('e2e/foundation.spec.ts')
  // Three Playwright runs side by side, each one test at a time, with its own output folder (Playwright empties it at
  // start) and its own fake-camera folder:
  //   - e2e: the foundation spec, then the dashboard's, the phone's and the other specs, on one server;
  //   - e2e-camera: the camera specs (CAMERA_SPECS), on a second server and database, without the foundation spec: each
  //     makes what it needs through the API (e2e/support/api.ts adminApi runs the first-time setup on a fresh database,
  //     with the foundation's organization and admin), and the foundation's tests already ran in the first run;
  //   - journey: the whole journey, on a server of its own (e2e/support/server.ts).
  // Much of a camera test's time is the camera's real time (a head turn lasts what it lasts), so the other runs use the
  // CPU meanwhile.
  const others = fs.readdirSync(path.join(root, 'e2e'))
    .filter((f) => f.endsWith('.spec.ts') && !/^(foundation|journey(-\w+)?)\.spec\.ts$/.test(f))
    .map((f) => `e2e/${f}`)
    .filter((f) => !CAMERA_SPECS.includes(f))
  const runs = specs.length
    ? [{ label: 'e2e', ownServer: true, args: specs }]
    : [
        // The files first: --project takes every value after it.
        { label: 'e2e', ownServer: true, args: ['e2e/foundation.spec.ts', ...others, '--project', 'foundation', '--project', 'chromium'] },
        { label: 'e2e-camera', ownServer: true, args: [...CAMERA_SPECS, '--project', 'chromium', '--no-deps', '--output', 'test-results/artifacts-camera'] },
        { label: 'journey', ownServer: false, args: ['--project', 'journey', '--output', 'test-results/artifacts-journey'] },
      ]
  const results = await Promise.all(
    runs.map(async ({ label, ownServer, args }) => {
      // The journey starts its server itself (e2e/support/server.ts).
      const server = ownServer ? await startE2eServer(label) : { specEnv: {}, stop: async () => {} }
      if (!server) return { label, code: 1, report: null }
      const out = path.join(tmp, `playwright-${label}.json`)
      const videos = path.join(root, 'test-results', label === 'e2e' ? 'fake-camera' : `fake-camera-${label}`)
      const env = { ...server.specEnv, CHROMIUM_PATH: chromium, HADIR_E2E_VIDEO_DIR: videos, PLAYWRIGHT_JSON_OUTPUT_NAME: out }
      try {
        const code = await run(label, 'npx', ['playwright', 'test', ...args, '--reporter=list,json'], { env })
        return { label, code, report: readJson(out) }
      } finally {
        await server.stop()
      }
    }),
  )
  for (const { label, code, report } of results) {
    if (report) console.log(`[${label}] slowest: ${slowestTests(report, 8)}`)
    if (report?.stats) {
      totals.passed += report.stats.expected + (report.stats.flaky ?? 0)
      totals.failed += report.stats.unexpected
    }
    if (code !== 0) {
      failedStage = true
      if (!report?.stats?.unexpected) totals.failed++
    }
  }
  took.e2e = Date.now() - t0
  console.log(`[e2e] the browser runs ended ${minutes(Date.now() - started)} into the run`)
}

/** The n longest browser tests of a Playwright JSON report, as "1.2 min file:line", to see where the stage's time goes. */
function slowestTests(report, n) {
  const all = []
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) all.push({ at: `${spec.file}:${spec.line}`, ms: (test.results ?? []).reduce((a, r) => a + (r.duration ?? 0), 0) })
    }
    for (const child of suite.suites ?? []) walk(child)
  }
  for (const suite of report.suites ?? []) walk(suite)
  return all.sort((a, b) => b.ms - a.ms).slice(0, n).map((t) => `${minutes(t.ms)} ${t.at}`).join(', ')
}

async function dockerStage() {
  console.log('[docker] Running the Dockerfile\'s steps without Docker (clean install, build, prune, start, health check)...')
  if ((await run('docker', process.execPath, ['scripts/docker-steps.mjs'], { lower: true })) === 0) totals.passed++
  else {
    failedStage = true
    totals.failed++
  }
}

/**
 * The type checker's V8 flags: its garbage collection on its own thread, with a larger young generation. On a machine
 * whose cores are both busy for the whole run, the collector's helper threads only add work: vue-tsc took 39 CPU-s
 * with these flags against 46 without (the 2-core AMD machine, 2026-12-07, two runs each, the same wall time). ESLint
 * and the vitest workers, measured the same way, did not change.
 */
const TYPECHECK_NODE_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=64']

/** Type-checking (vue-tsc over the app, server, tools and tests) and ESLint (eslint.config.js): one check each. */
async function lintStage() {
  for (const [name, cmd, args] of [
    ['typecheck', process.execPath, [...TYPECHECK_NODE_FLAGS, 'node_modules/vue-tsc/bin/vue-tsc.js', '--noEmit', '-p', 'tsconfig.json']],
    ['eslint', 'npx', ['eslint', '.', '--cache', '--cache-location', 'node_modules/.cache/eslint/']],
  ]) {
    if ((await run(name, cmd, args, { lower: true })) === 0) totals.passed++
    else {
      failedStage = true
      totals.failed++
    }
  }
}

// vitest beside the build and the browser tests, and beside them the type and lint checks, then the Dockerfile's steps
// (a clean install and a second build). The machine is busy on both cores for the whole run, so the order only decides
// what is left at the end: the type check is one thread, so it runs early, and what ends the run uses both cores.
const vitest = want('unit') || want('api') ? timed('unit+api', vitestStage) : Promise.resolve()
const e2e = want('e2e') ? e2eStage() : Promise.resolve()
const lint = want('lint') ? timed('lint', lintStage) : Promise.resolve()
const docker = want('docker') ? lint.then(() => timed('docker', dockerStage)) : Promise.resolve()
await Promise.all([vitest, e2e, lint, docker])

// HADIR_KEEP_REPORTS=DIR keeps the runs' JSON reports (vitest's, each Playwright run's) in DIR, to see where the time went.
if (process.env.HADIR_KEEP_REPORTS) for (const f of fs.readdirSync(tmp)) if (f.endsWith('.json')) fs.copyFileSync(path.join(tmp, f), path.join(process.env.HADIR_KEEP_REPORTS, f))
fs.rmSync(tmp, { recursive: true, force: true })
const stages = Object.entries(took).map(([stage, ms]) => `${stage} ${minutes(ms)}`)
console.log(`\nstage times: ${stages.join(', ')}; whole run ${minutes(Date.now() - started)} (${os.availableParallelism()} CPUs)`)
if (Object.keys(cpu).length) console.log(`cpu time (user + system, with children): ${Object.entries(cpu).map(([label, ms]) => `${label} ${minutes(ms)}`).join(', ')}`)
const machineAtEnd = machineCpu()
if (machineAtStart && machineAtEnd) {
  const busy = machineAtEnd.busy - machineAtStart.busy
  const all = machineAtEnd.all - machineAtStart.all
  console.log(`the machine's cpu during the run (every process, this run's or not): ${minutes(busy)} busy of ${minutes(all)} (${Math.round((100 * busy) / all)}%)`)
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`)
process.exit(failedStage || totals.failed > 0 ? 1 : 0)
