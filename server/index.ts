import type { Server as HttpServer } from 'node:http'
import os from 'node:os'
import { serve } from '@hono/node-server'
import { loadEnv } from './env'
import { bootstrap } from './bootstrap'
import { createApp } from './app'
import { distDir } from './lib/paths'
import { MAINTENANCE_EVERY_MS, runScheduledMaintenance } from './features/attendance/maintenance'
import { REMINDERS_EVERY_MS, runScheduledReminders } from './features/notifications/reminders'
import { tenantWallAvailable } from './db/tenant'
import { runCommand } from './backup/commands'
import { generatedSecret, listenForBackups } from './backup/control'
import { useKernelHelper } from '../shared/face/match-kernel'
import { startKernelHelper } from './face/kernel-helper'

/**
 * postgres.js (3.4.x) can surface a lost database connection as an unhandled rejection or an uncaught exception from
 * its own internals (a transaction's automatic ROLLBACK written to the closed socket: porsager/postgres#1208, #1201).
 * Found by the hardening stress run (tools/hardening/stress): terminating the server's database connections during
 * a sync killed the whole process. Those errors are logged and the server keeps serving (the pool reconnects, the
 * failed requests already answered 500 and devices retry); any other unhandled error still stops the process.
 */
/** How long an idle keep-alive connection stays open (see main()). */
const KEEP_ALIVE_MS = 65_000

const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'])
function isDatabaseConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown }; stack?: unknown } | null
  if (!e || typeof e !== 'object') return false
  if (CONNECTION_LOST.has(String(e.code)) || CONNECTION_LOST.has(String(e.cause?.code))) return true
  return err instanceof TypeError && typeof e.stack === 'string' && /node_modules[\\/]postgres[\\/]src[\\/]connection\.js/.test(e.stack)
}
process.on('unhandledRejection', (err) => {
  if (isDatabaseConnectionLoss(err)) return console.error('[hadir] database connection lost:', err instanceof Error ? err.message : err)
  throw err
})
process.on('uncaughtException', (err) => {
  if (isDatabaseConnectionLoss(err)) return console.error('[hadir] database connection lost:', err.message)
  console.error(err)
  process.exit(1)
})

async function main() {
  const env = loadEnv()
  // Large face galleries' 1:N first pass on two cores (server/face/kernel-helper.ts); its thread starts with the first
  // such gallery.
  if (os.availableParallelism() > 1) useKernelHelper(startKernelHelper())
  const deps = await bootstrap(env)
  // Backups of the running embedded database are written here when asked for (server/backup/control.ts).
  const backups = deps.database.kind === 'embedded' ? await listenForBackups(deps, { dataDir: env.HADIR_DATA_DIR, sessionSecret: generatedSecret(env) }) : null
  const app = createApp(deps, distDir)
  if (!(await tenantWallAvailable(deps.database.db))) {
    console.warn('[hadir] row-level security is off: the database user could not create or use the role hadir_tenant (see SECURITY.md)')
  }
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    const where = deps.database.kind === 'embedded' ? `embedded PGlite in ${deps.database.location}` : `PostgreSQL ${deps.database.location}`
    const photos = (deps.storage as { describe?: string }).describe ?? 'local disk'
    console.log(`Hadir ${deps.version} listening on http://localhost:${info.port} (database: ${where}; photos: ${photos})`)
  })
  // An idle keep-alive connection stays open longer than the clients and proxies in front keep theirs: with Node's
  // default 5 s, a client reusing a connection just as the server closes it gets ECONNRESET (seen in CI, a browser
  // test's API client on a busy machine). 65 s is past the 60 s idle timeout of common reverse proxies; the headers
  // timeout must exceed it. server.close() still closes idle connections at once (Node >= 19).
  const http = server as HttpServer
  http.keepAliveTimeout = KEEP_ALIVE_MS
  http.headersTimeout = KEEP_ALIVE_MS + 1000

  // Forgotten check-outs, photo retention, stuck checks, old counters: at start, then hourly, by one instance of all
  // those on this database (the others skip an hour already claimed).
  // The line "maintenance ran" is what `npm run test:scale` counts across instances (once per hour in all).
  const maintain = () =>
    runScheduledMaintenance(deps)
      .then((r) => {
        if (r.ran) console.log('[hadir] maintenance ran on this instance (the hour was claimed here)')
      })
      .catch((err) => console.error('[hadir] maintenance failed:', err instanceof Error ? err.message : err))
  void maintain()
  setInterval(maintain, MAINTENANCE_EVERY_MS).unref()
  // Reminders and the admins' digest (issue 19): every few minutes, one instance per tick.
  const remind = () => runScheduledReminders(deps).catch((err) => console.error('[hadir] reminders failed:', err instanceof Error ? err.message : err))
  setInterval(remind, REMINDERS_EVERY_MS).unref()
  if (!deps.notify?.smtp) console.log('[hadir] email is off (no SMTP_HOST): invitations and digests are not emailed')

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`Hadir stopping (${signal})`)
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    server.close(async () => {
      await backups?.close()
      await deps.jobs.stop() // lets running jobs finish (or fails them back into the queue) before the database closes
      await (await import('./face/pool')).closeFacePool() // the face worker threads (after the jobs that use them)
      await deps.database.close()
      process.exit(0)
    })
    // Open event streams (the dashboard's live list) would hold close() until the forced exit: end them now; the
    // browsers reconnect to whichever instance serves next.
    ;(server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void }).closeAllConnections?.()
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

// `node dist/server/index.js backup [FILE]` / `restore FILE [--force]`: npm run backup / restore without the dev tools.
const [command, ...args] = process.argv.slice(2)
if (command === 'backup' || command === 'restore') {
  runCommand(command, args)
} else {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
