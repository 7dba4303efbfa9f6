// The production server as a separate process for the stress runs: its bundle, a PostgreSQL database of its own,
// start / SIGKILL / restart, direct database access for fast set-up, and its peak memory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * The server bundle, made by the same script as `npm run build` makes dist/server/index.js (scripts/build-server.mjs),
 * written under .tmp/ so that a stress run never replaces the dist/ another
 * test run is serving from. `--dist` uses dist/server/index.js as it is.
 */
export async function serverBundle(useDist: boolean): Promise<string> {
  if (useDist) {
    const file = path.join(ROOT, 'dist', 'server', 'index.js')
    if (!fs.existsSync(file)) throw new Error('dist/server/index.js is missing: run `npm run build` first')
    return file
  }
  const outdir = path.join(ROOT, '.tmp', 'stress-server')
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-server.mjs'), '--outdir', outdir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (built.status !== 0) throw new Error('scripts/build-server.mjs failed')
  return path.join(outdir, 'index.js')
}

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

export async function postgresReachable(): Promise<boolean> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

export interface ScratchDatabase {
  name: string
  url: string
  sql: postgres.Sql
  drop: () => Promise<void>
}

/** A PostgreSQL database of its own on the shared cluster (dropped at the end; the cluster is never restarted). */
export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `hadir_stress_${label}_${crypto.randomBytes(4).toString('hex')}`
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const u = new URL(PG_URL)
  u.pathname = `/${name}`
  const sql = postgres(u.toString(), { max: 4, onnotice: () => {} })
  return {
    name,
    url: u.toString(),
    sql,
    drop: async () => {
      await sql.end({ timeout: 2 }).catch(() => {})
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {})
      await admin.end({ timeout: 2 })
    },
  }
}

export class ServerProcess {
  child: ChildProcess | null = null
  readonly url: string
  readonly secret = crypto.randomBytes(32).toString('base64url')
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-stress-'))
  readonly logFile: string
  peakKb = 0
  restarts = 0
  /** Exits the harness did not cause (a crash): every one is a bug. */
  crashes = 0
  private stopping = false

  constructor(
    readonly bundle: string,
    readonly port: number,
    readonly databaseUrl: string,
  ) {
    this.url = `http://127.0.0.1:${port}`
    this.logFile = path.join(this.dataDir, 'server.log')
  }

  async start(): Promise<void> {
    const log = fs.openSync(this.logFile, 'a')
    this.child = spawn(process.execPath, [this.bundle], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATABASE_URL: this.databaseUrl,
        HADIR_DATA_DIR: this.dataDir,
        SESSION_SECRET: this.secret,
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', log, log],
    })
    fs.closeSync(log)
    this.stopping = false
    const child = this.child
    child.once('exit', (code, signal) => {
      if (!this.stopping) {
        this.crashes++
        console.log(`[stress] THE SERVER CRASHED (exit ${code ?? signal}); its log: ${this.logFile}`)
      }
    })
    const until = Date.now() + 60_000
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`the server exited at start; see ${this.logFile}`)
      try {
        const r = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(2000) })
        if (r.ok) return
      } catch {
        /* not up yet */
      }
      await sleep(150)
    }
    throw new Error(`the server did not become healthy; see ${this.logFile}`)
  }

  /** Reads the process's peak resident memory (VmHWM) so far. */
  sampleMemory(): number {
    if (!this.child?.pid) return this.peakKb
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8')
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
      this.peakKb = Math.max(this.peakKb, kb)
    } catch {
      /* gone */
    }
    return this.peakKb
  }

  /** SIGKILL: no graceful shutdown, requests in flight are cut. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    this.stopping = true
    const gone = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await gone
  }

  async restart(): Promise<void> {
    await this.kill()
    this.restarts++
    await this.start()
  }

  async stop(): Promise<void> {
    const child = this.child
    this.stopping = true
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([gone, sleep(10_000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }

  cleanup(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The keyed hash the server stores for a session token (server/auth/crypto.ts hashToken). */
export function tokenHash(secret: string, token: string): string {
  return crypto.createHmac('sha256', secret).update(token).digest('base64url')
}

export interface Org {
  id: number
  adminCookie: string
  memberRoleId: number
}

/** Sets up the installation through the API (setup, admin sign-in, organization chosen). */
export async function setupOrganization(server: ServerProcess, name: string): Promise<Org> {
  const admin = { name: 'Stress Admin', email: 'stress.admin@example.com', password: 'stress-password-1' }
  const setup = await fetch(`${server.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization: { name }, admin }),
  })
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`)
  const orgId = ((await setup.json()) as { data: { organization_id: number } }).data.organization_id
  const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }) })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
  const select = await fetch(`${server.url}/api/auth/select`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ organization_id: orgId }) })
  if (select.status !== 200) throw new Error(`select failed: ${select.status} ${await select.text()}`)
  return { id: orgId, adminCookie: cookie, memberRoleId: 0 }
}

export interface MintedMember {
  memberId: number
  userId: number
  name: string
  cookie: string
}

/**
 * Members with a signed-in phone each, written straight into the database (hundreds in a second): a user, a
 * membership with the system "member" role, and a mobile session whose token only this process knows.
 */
export async function mintMembers(sql: postgres.Sql, server: ServerProcess, organizationId: number, count: number, prefix: string): Promise<MintedMember[]> {
  const [role] = await sql<{ id: number }[]>`select id from roles where organization_id is null and key = 'member'`
  if (!role) throw new Error('the member role is missing')
  const out: MintedMember[] = []
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start)
    const names = Array.from({ length: n }, (_, i) => `${prefix} ${start + i + 1}`)
    const users = await sql<{ id: number; name: string }[]>`insert into users ${sql(names.map((name) => ({ name })))} returning id, name`
    const members = await sql<{ id: number; user_id: number }[]>`insert into organization_members ${sql(
      users.map((u, i) => ({ user_id: u.id, organization_id: organizationId, member_number: `${prefix}-${start + i + 1}`, status: 'active' })),
    )} returning id, user_id`
    await sql`insert into member_roles ${sql(members.map((m) => ({ organization_member_id: m.id, role_id: role.id, organization_id: organizationId })))}`
    const tokens = members.map(() => crypto.randomBytes(32).toString('base64url'))
    const expires = new Date(Date.now() + 24 * 3600_000)
    await sql`insert into sessions ${sql(
      members.map((m, i) => ({ token_hash: tokenHash(server.secret, tokens[i]!), kind: 'mobile', user_id: m.user_id, organization_id: organizationId, organization_member_id: m.id, role_id: role.id, expires_at: expires })),
    )}`
    members.forEach((m, i) => out.push({ memberId: m.id, userId: m.user_id, name: users[i]!.name, cookie: `hadir_session=${tokens[i]}` }))
  }
  return out
}

/** Ends every connection the server holds to its database (a database restart, seen from the server). */
export async function terminateServerConnections(sql: postgres.Sql, database: string): Promise<number> {
  const rows = await sql<{ ok: boolean }[]>`select pg_terminate_backend(pid) as ok from pg_stat_activity
    where datname = ${database} and application_name = 'hadir' and pid <> pg_backend_pid()`
  return rows.filter((r) => r.ok).length
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}
