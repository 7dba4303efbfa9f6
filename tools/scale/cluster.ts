// Three production servers on one PostgreSQL database and one S3 server (s3rver), behind the round-robin proxy: the
// scaled layout of the README on 127.0.0.1, for `npm run test:scale`.
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { startS3Server, type TestS3Server } from '../test-support/s3-server'
import { freePort, ROOT, scratchDatabase, ServerProcess, sleep, type ScratchDatabase } from '../hardening/stress/server-process'
import { RoundRobinProxy } from './proxy'

/** Every instance of a deployment shares SESSION_SECRET (sessions and signed tokens work whichever instance answers). */
const SHARED_SECRET = crypto.randomBytes(32).toString('base64url')

export class Instance extends ServerProcess {
  override readonly secret: string = SHARED_SECRET
}

export interface Cluster {
  db: ScratchDatabase
  s3: TestS3Server
  instances: Instance[]
  proxy: RoundRobinProxy
  close: (keepLogs: boolean) => Promise<void>
}

/** dist/server/index.js, built first (`npm run build`) when it is missing. */
export function productionBundle(log: (s: string) => void): string {
  const file = path.join(ROOT, 'dist', 'server', 'index.js')
  if (!fs.existsSync(file)) {
    log('dist/server/index.js is missing: npm run build')
    const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    if (built.status !== 0 || !fs.existsSync(file)) throw new Error('npm run build failed')
  }
  return file
}

export async function startCluster(count: number, log: (s: string) => void): Promise<Cluster> {
  const bundle = productionBundle(log)
  const db = await scratchDatabase('scale')
  const s3 = await startS3Server('hadir-scale')
  // The instances inherit the environment (ServerProcess spreads process.env): every photo goes to the bucket.
  Object.assign(process.env, {
    S3_BUCKET: s3.options.bucket,
    S3_ENDPOINT: s3.options.endpoint,
    S3_REGION: s3.options.region,
    S3_ACCESS_KEY_ID: s3.options.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  })
  const instances: Instance[] = []
  for (let i = 0; i < count; i++) instances.push(new Instance(bundle, await freePort(), db.url))
  // All at once, as replicas start: migrations and the system roles are serialized by the instances themselves.
  await Promise.all(instances.map((s) => s.start()))
  const proxy = new RoundRobinProxy(instances)
  await proxy.start()
  log(`${count} instances (${instances.map((s) => s.port).join(', ')}) on database ${db.name}, photos in s3rver ${s3.options.endpoint}, proxy ${proxy.url}`)
  return {
    db,
    s3,
    instances,
    proxy,
    close: async (keepLogs) => {
      await proxy.stop().catch(() => {})
      await Promise.all(instances.map((s) => s.stop()))
      await db.drop().catch(() => {})
      await s3.close().catch(() => {})
      if (keepLogs) log(`logs kept: ${instances.map((s) => s.logFile).join(' ')}`)
      else for (const s of instances) s.cleanup()
    },
  }
}

/** Counts the lines of an instance's log that match. */
export function logLines(instance: ServerProcess, pattern: RegExp): number {
  try {
    return fs.readFileSync(instance.logFile, 'utf8').split('\n').filter((l) => pattern.test(l)).length
  } catch {
    return 0
  }
}

/**
 * Waits until `check` answers true. A bound only to end a run that would otherwise hang when the awaited thing never
 * happens (then the caller reports it as missed): it never decides a pass.
 */
export async function until(check: () => Promise<boolean> | boolean, giveUpAfterMs = 120_000): Promise<boolean> {
  const end = Date.now() + giveUpAfterMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await sleep(100)
  }
}

/** A JSON request to one base URL (an instance or the proxy). */
export async function api<T = any>(base: string, method: string, path: string, cookie: string | null, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(120_000),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers }
}
