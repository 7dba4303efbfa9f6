// `npm test`: the whole suite. Unit and API tests (vitest; API tests on PostgreSQL when one is reachable and always
// on embedded PGlite), then the production build, the browser tests (Playwright in Chromium against the built server),
// and the Dockerfile's steps. Ends with one line: "tests: N passed, N failed".
import { spawn, spawnSync } from 'node:child_process'
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

// The face recognition model (not in git, not an npm dependency: scripts/face-model.mjs fetches it through npm).
ensureFaceModel()

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts, env: { ...process.env, ...opts.env } })
  return r.status ?? 1
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
  console.error('No Chromium found: install one (Debian: apt-get install -y chromium) or set CHROMIUM_PATH=/path/to/chrome.')
  process.exit(1)
}
const hasPg = await postgresReachable()
if (!hasPg) console.log(`PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}: database tests run on embedded PGlite only.`)

let failedStage = false

if (want('unit') || want('api')) {
  const projects = []
  if (want('unit')) projects.push('unit')
  if (want('api')) projects.push('api-pglite', ...(hasPg ? ['api-postgres'] : []))
  const out = path.join(tmp, 'vitest.json')
  const code = run('npx', ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${out}`])
  const report = readJson(out)
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

async function waitHealthy(url, ms = 60_000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    try {
      const r = await fetch(`${url}/api/health`)
      if (r.ok) return true
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  return false
}

if (want('e2e')) {
  console.log('\nBuilding the production app for the browser tests...')
  if (run('npm', ['run', '-s', 'build']) !== 0) {
    failedStage = true
    totals.failed++
  } else {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', HADIR_DATA_DIR: path.join(tmp, 'e2e-data'), NODE_ENV: 'production' }
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
    const log = fs.createWriteStream(path.join(tmp, 'e2e-server.log'))
    server.stdout.pipe(log)
    server.stderr.pipe(log)
    if (!(await waitHealthy(url))) {
      console.error(`The built server did not become healthy; its log: ${path.join(tmp, 'e2e-server.log')}`)
      failedStage = true
      totals.failed++
    } else {
      const out = path.join(tmp, 'playwright.json')
      // HADIR_E2E_SPECS="e2e/a.spec.ts e2e/b.spec.ts" runs only those (with the foundation spec the others build on).
      const specs = (process.env.HADIR_E2E_SPECS ?? '').split(/\s+/).filter(Boolean)
      if (specs.length && !specs.some((s) => s.includes('foundation'))) specs.unshift('e2e/foundation.spec.ts')
      const code = run('npx', ['playwright', 'test', ...specs, '--reporter=list,json'], {
        // The database and photo folder too: specs that seed what a background job would write (dashboard-attendance).
        env: { HADIR_E2E_URL: url, CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: out, HADIR_E2E_DATABASE: hasPg ? 'postgres' : 'embedded', HADIR_E2E_DATABASE_URL: env.DATABASE_URL ?? '', HADIR_E2E_DATA_DIR: env.HADIR_DATA_DIR },
      })
      const report = readJson(out)
      if (report?.stats) {
        totals.passed += report.stats.expected + (report.stats.flaky ?? 0)
        totals.failed += report.stats.unexpected
      }
      if (code !== 0) {
        failedStage = true
        if (!report?.stats?.unexpected) totals.failed++
      }
    }
    server.kill('SIGTERM')
    await new Promise((r) => server.once('exit', r))
    if (dbName) {
      const { default: postgres } = await import('postgres')
      const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
      await admin.unsafe(`drop database if exists ${dbName} with (force)`)
      await admin.end()
    }
  }
}

if (want('docker')) {
  console.log("\nRunning the Dockerfile's steps without Docker (clean install, build, prune, start, health check)...")
  if (run(process.execPath, ['scripts/docker-steps.mjs']) === 0) totals.passed++
  else {
    failedStage = true
    totals.failed++
  }
}

fs.rmSync(tmp, { recursive: true, force: true })
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed`)
process.exit(failedStage || totals.failed > 0 ? 1 : 0)
