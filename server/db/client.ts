import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import * as schema from './schema'
import { migrationsDir } from '../lib/paths'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
/** A transaction handle or the database itself: service verbs accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db

export interface Database {
  db: Db
  kind: 'embedded' | 'postgres'
  /** Where the data lives, for logs: a folder or a redacted URL. */
  location: string
  ping: () => Promise<boolean>
  /** Subscribes to a PostgreSQL NOTIFY channel (other server instances on the same database publish there). */
  listen: (channel: string, onMessage: (payload: string) => void) => Promise<void>
  notify: (channel: string, payload: string) => Promise<void>
  close: () => Promise<void>
}

export interface DatabaseOptions {
  databaseUrl?: string
  /** Folder for the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string
  migrate?: boolean
  /** Embedded only: start from this dump of a data folder (PGlite's dumpDataDir) instead of an empty one (tests). */
  loadDataDir?: Blob
  /** Embedded only: PostgreSQL settings over PGlite's own (`shared_buffers: '16MB'` for the tests' small databases). */
  settings?: Readonly<Record<string, string>>
}

/** Opens PostgreSQL when a URL is given, otherwise an embedded PGlite database under dataDir, and migrates it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl ? await openPostgres(options.databaseUrl) : await openPglite(options.dataDir, options.loadDataDir, options.settings)
  if (options.migrate !== false) await migrateDatabase(database)
  return database
}

async function openPostgres(url: string): Promise<Database> {
  const { default: postgres } = await import('postgres')
  const { drizzle } = await import('drizzle-orm/postgres-js')
  const client = postgres(url, { max: 10, onnotice: () => {}, connection: { application_name: 'hadir' } })
  const db = drizzle(client, { schema }) as unknown as Db
  return {
    db,
    kind: 'postgres',
    location: url.replace(/\/\/[^@/]*@/, '//***@'),
    ping: () => ping(db),
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage)
    },
    notify: (channel, payload) => notify(db, channel, payload),
    close: () => client.end({ timeout: 5 }),
  }
}

async function openPglite(dataDir: string, loadDataDir?: Blob, settings: Readonly<Record<string, string>> = {}): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  let location = dataDir
  if (!dataDir.startsWith('memory://')) {
    location = path.join(dataDir, 'pglite')
    fs.mkdirSync(location, { recursive: true })
  }
  const startParams = Object.entries(settings).length ? [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])] : undefined
  const client = await PGlite.create(location, { ...(loadDataDir ? { loadDataDir } : {}), ...(startParams ? { startParams } : {}) })
  const db = drizzle(client, { schema }) as unknown as Db
  return {
    db,
    kind: 'embedded',
    location,
    ping: () => ping(db),
    listen: async (channel, onMessage) => {
      await client.listen(channel, onMessage)
    },
    notify: (channel, payload) => notify(db, channel, payload),
    close: () => client.close(),
  }
}

async function ping(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`)
    return true
  } catch {
    return false
  }
}

async function notify(db: Db, channel: string, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${payload})`)
}

/**
 * Runs `work` while no other instance on the same PostgreSQL database runs work under the same name: a session-level
 * advisory lock held on one reserved connection (the work itself may use any connection). Instances started together
 * (a scaled deployment) would otherwise collide on start: migrations, the system roles, pg-boss creating its tables and
 * queues (a deadlock). PGlite has one process: `work` just runs.
 */
export async function oneInstanceAtATime<T>(database: Database, name: string, work: () => Promise<T>): Promise<T> {
  if (database.kind !== 'postgres') return work()
  const client = (database.db as unknown as { $client: import('postgres').Sql }).$client
  const holder = await client.reserve()
  try {
    await holder`select pg_advisory_lock(hashtextextended(${name}, 0))`
    try {
      return await work()
    } finally {
      await holder`select pg_advisory_unlock(hashtextextended(${name}, 0))`.catch(() => {})
    }
  } finally {
    holder.release()
  }
}

export async function migrateDatabase(database: Database): Promise<void> {
  const config = { migrationsFolder: migrationsDir }
  if (database.kind === 'postgres') {
    const { migrate } = await import('drizzle-orm/postgres-js/migrator')
    // Instances started together (a scaled deployment) migrate one at a time: a session lock held on one connection
    // while the migrator runs; the next instance finds every migration applied.
    await oneInstanceAtATime(database, 'hadir:migrate', () => migrate(database.db as never, config))
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator')
    await migrate(database.db as never, config)
  }
}
