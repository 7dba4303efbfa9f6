// A production Hadir server of a spec's own, on a fresh database: for specs that start from an empty installation
// (the setup wizard) even when the suite's shared server has been set up already. Builds the app first if dist/ is
// missing. PostgreSQL when reachable (a database made for the run and dropped after), else embedded PGlite.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { REPO_ROOT } from './fake-camera'

export const PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface OwnServer {
  url: string
  database: 'postgres' | 'embedded'
  /** The server's output, for a failing test to show. */
  log: () => string
  stop: () => Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

async function reachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

export async function startOwnServer(label: string): Promise<OwnServer> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'server', 'index.js'))) {
    const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' })
    if (built.status !== 0) throw new Error('npm run build failed')
  }
  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hadir-${label}-`))
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', HADIR_DATA_DIR: dataDir, NODE_ENV: 'production' }
  let dbName: string | null = null
  if (await reachable(PG_URL)) {
    dbName = `hadir_${label.replace(/\W/g, '_')}_${crypto.randomBytes(4).toString('hex')}`
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${dbName}`)
    await admin.end()
    const u = new URL(PG_URL)
    u.pathname = `/${dbName}`
    env.DATABASE_URL = u.toString()
  } else {
    delete env.DATABASE_URL
  }
  let output = ''
  const child: ChildProcess = spawn(process.execPath, ['dist/server/index.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (d) => (output += String(d)))
  child.stderr?.on('data', (d) => (output += String(d)))
  const url = `http://127.0.0.1:${port}`
  // Against a hang only: a first start on an empty embedded database (initdb, every migration) took ~1 min beside a
  // loaded clean-clone CI.
  const until = Date.now() + 600_000
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break
    } catch {
      /* not up yet */
    }
    if (Date.now() > until || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`)
    await new Promise((r) => setTimeout(r, 300))
  }
  return {
    url,
    database: dbName ? 'postgres' : 'embedded',
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
      if (dbName) {
        const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
        await admin.unsafe(`drop database if exists ${dbName} with (force)`)
        await admin.end()
      }
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
