// What every benchmark shares: rows and statistics, progress lines, the production server as a child process, a
// PostgreSQL database of its own, and a cookie-keeping HTTP client for the API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** One line of the results table: a figure beside its baseline measured in the same run. */
export interface Row {
  /** Stable key, e.g. `sync.ingest.no_photos`. */
  id: string
  name: string
  value: number | null
  unit: string
  baseline: number | null
  baseline_name: string | null
  /** The baseline's unit when it is not the figure's own (a lookup rate beside a request rate). */
  baseline_unit?: string
  /** value / baseline (null without a baseline). */
  ratio: number | null
  /** Which way is better for this figure. */
  better: 'higher' | 'lower' | null
  target?: string
  note?: string
}

export function row(r: Omit<Row, 'ratio' | 'baseline' | 'baseline_name'> & { baseline?: number | null; baseline_name?: string | null }): Row {
  const baseline = r.baseline ?? null
  const ratio = r.value !== null && baseline !== null && baseline !== 0 ? round(r.value / baseline, 2) : null
  return { ...r, baseline, baseline_name: r.baseline_name ?? null, ratio }
}

/** A row for a figure that could not be taken (the reason says why). */
export function notMeasured(id: string, name: string, unit: string, why: string): Row {
  return { id, name, value: null, unit, baseline: null, baseline_name: null, ratio: null, better: null, note: `not measured: ${why}` }
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50)
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((s.length * p) / 100) - 1))]!
}

const started = Date.now()
/** A progress line on stderr, with the time since the bench started. */
export function progress(message: string): void {
  const s = Math.round((Date.now() - started) / 1000)
  process.stderr.write(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${message}\n`)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hadir-bench-${label}-`))
}

// ---------------------------------------------------------------- the production build and server

const BUILD_STAMP = path.join(ROOT, 'dist', '.build-stamp')
const SOURCES = ['src', 'server', 'shared', 'public', 'migrations', 'index.html', 'vite.config.ts', 'package.json']

function newest(p: string): number {
  if (!fs.existsSync(p)) return 0
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let max = st.mtimeMs
  for (const e of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, e)))
  return max
}

/** `npm run build` unless dist/ is newer than every source (the same stamp `npm start` keeps). */
export function ensureBuild(force: boolean): 'built' | 'up to date' {
  const built = fs.existsSync(BUILD_STAMP) && fs.existsSync(path.join(ROOT, 'dist', 'server', 'index.js')) ? fs.statSync(BUILD_STAMP).mtimeMs : 0
  const changed = Math.max(...SOURCES.map((s) => newest(path.join(ROOT, s))))
  if (!force && built >= changed) return 'up to date'
  const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error('npm run build failed')
  fs.writeFileSync(BUILD_STAMP, new Date().toISOString())
  return 'built'
}

export interface RunningServer {
  url: string
  /** From spawning the process to the first 200 on /api/health, ms. */
  startMs: number
  process: ChildProcess
  log: () => string
  stop: () => Promise<void>
}

/** Starts `node dist/server/index.js` (PostgreSQL when databaseUrl is given, else embedded PGlite in dataDir). */
export async function startServer(options: { databaseUrl?: string; dataDir: string; port?: number; timeoutMs?: number }): Promise<RunningServer> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', HADIR_DATA_DIR: options.dataDir, LOG_LEVEL: 'error' }
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl
  else delete env.DATABASE_URL
  let output = ''
  const t0 = performance.now()
  const child = spawn(process.execPath, [...(process.env.HADIR_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean), path.join(ROOT, 'dist', 'server', 'index.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  let exited = false
  child.on('exit', () => (exited = true))
  const until = t0 + (options.timeoutMs ?? 120_000)
  let startMs = -1
  while (performance.now() < until && !exited) {
    try {
      const res = await fetch(`${url}/api/health`)
      if (res.status === 200) {
        startMs = performance.now() - t0
        break
      }
    } catch {
      // not listening yet
    }
    await sleep(10)
  }
  if (startMs < 0) {
    child.kill('SIGKILL')
    throw new Error(`the built server did not answer /api/health with 200:\n${output.slice(-3000)}`)
  }
  return {
    url,
    startMs,
    process: child,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve()
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(force)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

// ---------------------------------------------------------------- PostgreSQL

export interface BenchDatabase {
  url: string
  name: string
  drop: () => Promise<void>
}

/** An empty database of its own on the PostgreSQL server (dropped at the end). */
export async function createDatabase(label: string): Promise<BenchDatabase> {
  const name = `hadir_bench_${label}_${crypto.randomBytes(3).toString('hex')}`
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const u = new URL(PG_URL)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const a = postgres(PG_URL, { max: 1, onnotice: () => {} })
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`)
      } finally {
        await a.end()
      }
    },
  }
}

// ---------------------------------------------------------------- HTTP

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 400)}`)
  }
}

/** A client of the API that keeps its cookies (a browser, a phone or a tablet). */
export class Http {
  readonly cookies = new Map<string, string>()
  constructor(readonly base: string) {}

  async raw(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { ...headers }
    let payload: BodyInit | undefined
    if (body instanceof FormData) payload = body
    else if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      h['content-type'] ??= 'application/json'
    }
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(this.base + pathname, { method, headers: h, body: payload })
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';')
      const eq = pair!.indexOf('=')
      const k = pair!.slice(0, eq).trim()
      const v = pair!.slice(eq + 1)
      if (v === '' || /max-age=0/i.test(set)) this.cookies.delete(k)
      else this.cookies.set(k, v)
    }
    return res
  }

  async call<T = any>(method: string, pathname: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, pathname, body)
    const text = await res.text()
    let parsed: any = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON
    }
    if (!res.ok) throw new ApiError(res.status, parsed, `${method} ${pathname}`)
    return (parsed?.data ?? parsed) as T
  }

  get = <T = any>(p: string) => this.call<T>('GET', p)
  post = <T = any>(p: string, body: unknown = {}) => this.call<T>('POST', p, body)
  patch = <T = any>(p: string, body: unknown = {}) => this.call<T>('PATCH', p, body)
}

/** Runs `task` with `concurrency` callers for `seconds`, returning each call's latency (ms) and the wall time. */
export async function load(concurrency: number, seconds: number, task: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number; errors: number }> {
  const latencies: number[] = []
  let errors = 0
  let n = 0
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now()
        try {
          await task(n++)
          latencies.push(performance.now() - s)
        } catch (err) {
          if (++errors === 1) progress(`  first error under load: ${err instanceof Error ? err.message : err}`)
        }
      }
    }),
  )
  return { latencies, wallMs: performance.now() - t0, errors }
}

/** Chromium for the browser benchmarks: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p
  throw new Error('No Chromium found: install one (Debian: apt-get install -y chromium) or set CHROMIUM_PATH')
}

export function machine(): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'
  return `${cpus.length} × ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`
}

/** CPU time (user + system) the process has used so far, ms; null where /proc is not there (not Linux). */
export function cpuMs(pid: number | undefined): number | null {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name), in clock ticks (100 a second on Linux).
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return null
  }
}
