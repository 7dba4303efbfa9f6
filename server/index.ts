import { serve } from '@hono/node-server'
import { loadEnv } from './env'
import { bootstrap } from './bootstrap'
import { createApp } from './app'
import { distDir } from './lib/paths'
import { runMaintenance } from './features/attendance/maintenance'
import { tenantWallAvailable } from './db/tenant'

async function main() {
  const env = loadEnv()
  const deps = await bootstrap(env)
  const app = createApp(deps, distDir)
  if (!(await tenantWallAvailable(deps.database.db))) {
    console.warn('[hadir] row-level security is off: the database user could not create or use the role hadir_tenant (see SECURITY.md)')
  }
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    const where = deps.database.kind === 'embedded' ? `embedded PGlite in ${deps.database.location}` : `PostgreSQL ${deps.database.location}`
    console.log(`Hadir ${deps.version} listening on http://localhost:${info.port} (database: ${where})`)
  })

  // Forgotten check-outs and photo retention: at start, then hourly.
  const maintain = () =>
    runMaintenance(deps).catch((err) => console.error('[hadir] maintenance failed:', err instanceof Error ? err.message : err))
  void maintain()
  setInterval(maintain, 60 * 60 * 1000).unref()

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`Hadir stopping (${signal})`)
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    server.close(async () => {
      await deps.database.close()
      process.exit(0)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
