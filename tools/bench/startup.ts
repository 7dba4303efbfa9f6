// Server cold start: from spawning `node dist/server/index.js` to the first 200 on /api/health, on the embedded
// database and on PostgreSQL. Each is started once on an empty database (that start also applies the migrations),
// then restarted: the figure is the median restart.
import { createDatabase, median, progress, round, row, startServer, tempDir, type Row } from './lib'

async function restarts(label: string, options: { databaseUrl?: string; dataDir: string }, times: number): Promise<{ first: number; restarts: number[] }> {
  const first = await startServer(options)
  await first.stop()
  const ms: number[] = []
  for (let i = 0; i < times; i++) {
    const s = await startServer(options)
    ms.push(s.startMs)
    await s.stop()
  }
  progress(`  ${label}: first start ${round(first.startMs, 0)} ms, restarts ${ms.map((m) => round(m, 0)).join(', ')} ms`)
  return { first: first.startMs, restarts: ms }
}

export async function benchStartup(times: number): Promise<Row[]> {
  progress('server cold start to the first 200 on /api/health')
  const embedded = await restarts('embedded', { dataDir: tempDir('startup') }, times)
  const db = await createDatabase('startup')
  let pg: { first: number; restarts: number[] }
  try {
    pg = await restarts('PostgreSQL', { databaseUrl: db.url, dataDir: tempDir('startup-pg') }, times)
  } finally {
    await db.drop()
  }
  const make = (id: string, name: string, r: { first: number; restarts: number[] }) =>
    row({
      id,
      name,
      value: round(median(r.restarts), 0),
      unit: 'ms',
      better: 'lower',
      note: `median of ${r.restarts.length} restarts; the first start on an empty database (migrations included) took ${round(r.first, 0)} ms`,
    })
  return [make('startup.embedded', 'server cold start to first 200 on /api/health, embedded PGlite', embedded), make('startup.postgres', 'server cold start to first 200 on /api/health, PostgreSQL', pg)]
}
