// `npm run backup` / `npm run restore` (issue 20 item 4): one archive of an installation, its database and its photos.
//
// How: a logical export through the app's own database connection, inside ONE read-only REPEATABLE READ transaction
// (one snapshot: every table as of the same instant, however many devices sync meanwhile), then every photo that
// snapshot refers to, read from the installation's store (local folder or S3 bucket). Photo keys are random and never
// rewritten, so a photo read after the snapshot is the one the snapshot means. The same code serves PostgreSQL and
// embedded PGlite, needs no pg_dump of a matching major version in the container, and restores into either kind.
// Not in the archive: pg-boss's queue (schema pgboss): jobs in flight are redone by the maintenance (stuck checks).
//
// Format (gzip of JSON lines): {"format","migrations","last_migration","database_kind","created_at"}, then per table
// {"table","columns"} followed by its rows as {"row":[...]}, then {"image","data"(base64)} per photo, then
// {"manifest":{tables:{name:rows}, images, missing_images}} last (an archive without it was cut short).
import readline from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import zlib from 'node:zlib'
import { sql } from 'drizzle-orm'
import type { Database, Tx } from '../db/client'
import { rowsOf } from '../db/raw'
import type { PhotoStorage } from '../storage/storage'

export const FORMAT = 'hadir-backup/1'
/** Rows read (backup) or written (restore) at a time. */
const BATCH = 500
/** A storage key as photoKey makes them (server/storage/storage.ts): every column value that looks like one is a photo. */
const PHOTO_KEY = /^org-\d+\/[a-z0-9/_-]+\.(?:jpg|jpeg|png|webp)$/

export interface Manifest {
  tables: Record<string, number>
  images: number
  /** Keys the snapshot referred to that the store no longer had (deleted since: withdrawal, retention). */
  missing_images: string[]
}

interface Header {
  format: string
  migrations: number
  last_migration: string | null
  database_kind: Database['kind']
  created_at: string
  /** The installation's generated secret (HADIR_DATA_DIR/secret) when it has no SESSION_SECRET: sessions and device tokens are keyed hashes of it. */
  session_secret?: string
}

interface Column {
  name: string
  type: string
}

async function rows<T>(tx: Tx, query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await tx.execute(query))
}

async function migrationsOf(tx: Tx): Promise<{ n: number; last: string | null }> {
  const [table] = await rows<{ ok: boolean }>(tx, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`)
  if (!table?.ok) return { n: 0, last: null }
  const [row] = await rows<{ n: number; last: string | null }>(tx, sql`select count(*)::int as n, (select hash from drizzle.__drizzle_migrations order by created_at desc, id desc limit 1) as last from drizzle.__drizzle_migrations`)
  return { n: row?.n ?? 0, last: row?.last ?? null }
}

/** The application's tables, parents before the tables whose foreign keys point at them. */
async function tablesInOrder(tx: Tx): Promise<string[]> {
  const tables = (await rows<{ name: string }>(tx, sql`select tablename as name from pg_tables where schemaname = 'public' order by tablename`)).map((r) => r.name)
  const edges = await rows<{ child: string; parent: string }>(tx, sql`select c.relname as child, p.relname as parent from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = 'public'`)
  const ordered: string[] = []
  const placed = new Set<string>()
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && edges.every((e) => e.child !== t || e.parent === t || placed.has(e.parent)))
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among: ${tables.filter((t) => !placed.has(t)).join(', ')}`)
    for (const t of ready) {
      placed.add(t)
      ordered.push(t)
    }
  }
  return ordered
}

/** Columns a row can be written with (generated columns are computed again on restore). */
async function columnsOf(tx: Tx, table: string): Promise<Column[]> {
  return rows<Column>(tx, sql`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
    where a.attrelid = ${`public."${table}"`}::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' order by a.attnum`)
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`

/** Writes the archive of `database` and the photos in `storage` to `out` (gzip of JSON lines). */
export async function writeBackup(database: Database, storage: PhotoStorage, out: Writable, options: { sessionSecret?: string } = {}): Promise<Manifest> {
  const gzip = zlib.createGzip()
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve)
    out.on('error', reject)
    gzip.on('error', reject)
  })
  gzip.pipe(out)
  const write = (value: unknown) => new Promise<void>((resolve) => (gzip.write(`${JSON.stringify(value)}\n`) ? resolve() : gzip.once('drain', () => resolve())))
  const manifest: Manifest = { tables: {}, images: 0, missing_images: [] }
  const keys = new Set<string>()
  await database.db.transaction(
    async (tx) => {
      const m = await migrationsOf(tx)
      if (m.n === 0) throw new Error('no Hadir database here (no migration applied): check DATABASE_URL / HADIR_DATA_DIR')
      const header: Header = { format: FORMAT, migrations: m.n, last_migration: m.last, database_kind: database.kind, created_at: new Date().toISOString(), session_secret: options.sessionSecret }
      await write(header)
      for (const table of await tablesInOrder(tx)) {
        const columns = await columnsOf(tx, table)
        await write({ table, columns: columns.map((c) => c.name) })
        // Through a cursor, BATCH rows at a time: memory stays flat however large the table (a province's records).
        await tx.execute(sql.raw(`declare hadir_backup no scroll cursor for select json_build_array(${columns.map((c) => `t.${quoteIdent(c.name)}`).join(', ')})::text as j from public.${quoteIdent(table)} t`))
        let count = 0
        for (;;) {
          const batch = await rows<{ j: string }>(tx, sql.raw(`fetch ${BATCH} from hadir_backup`))
          for (const { j } of batch) {
            const values = JSON.parse(j) as unknown[]
            for (const v of values) if (typeof v === 'string' && PHOTO_KEY.test(v)) keys.add(v)
            await write({ row: values })
          }
          count += batch.length
          if (batch.length < BATCH) break
        }
        await tx.execute(sql.raw('close hadir_backup'))
        manifest.tables[table] = count
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  )
  for (const key of [...keys].sort()) {
    const data = await storage.get(key)
    if (!data) {
      manifest.missing_images.push(key)
      continue
    }
    await write({ image: key, data: Buffer.from(data).toString('base64') })
    manifest.images++
  }
  await write({ manifest })
  gzip.end()
  await finished
  return manifest
}

/**
 * Restores an archive into `database` (migrated to the same version) and `storage`. The database must hold no
 * organization yet (a fresh installation) unless `force`: every application table is emptied and refilled in one
 * transaction, and the id sequences continue after the restored rows.
 */
export async function restoreBackup(database: Database, storage: PhotoStorage, input: Readable, options: { force?: boolean } = {}): Promise<Manifest & { sessionSecret?: string }> {
  const lines = readline.createInterface({ input: input.pipe(zlib.createGunzip()), crlfDelay: Infinity })[Symbol.asyncIterator]()
  /** The archive's next item, or null at its end. */
  const next = async (): Promise<Record<string, unknown> | null> => {
    for (;;) {
      const { value, done } = await lines.next()
      if (done) return null
      if (value) return JSON.parse(value) as Record<string, unknown>
    }
  }
  const first = await next()
  if (!first || first.format !== FORMAT) throw new Error(`not a Hadir backup (format ${String(first?.format)})`)
  const header = first as unknown as Header
  const counts: Record<string, number> = {}
  let item: Record<string, unknown> | null = null
  // The tables, read and written as they come (BATCH rows at a time: memory stays flat), in one transaction.
  await database.db.transaction(async (tx) => {
    const m = await migrationsOf(tx)
    if (m.n !== header.migrations || m.last !== header.last_migration) {
      throw new Error(`the archive was made at migration ${header.migrations} (${header.last_migration}); this installation is at ${m.n} (${m.last}): run the same Hadir version`)
    }
    const [orgs] = await rows<{ n: number }>(tx, sql`select count(*)::int as n from organizations`)
    if ((orgs?.n ?? 0) > 0 && !options.force) throw new Error('this installation already has organizations: restore into an empty one (or pass --force to replace everything)')
    const present = await tablesInOrder(tx)
    await tx.execute(sql.raw(`truncate table ${present.map((t) => `public.${quoteIdent(t)}`).join(', ')} restart identity cascade`))
    let table: { name: string; columns: string[] } | null = null
    let pending: unknown[][] = []
    const flush = async () => {
      if (!table || pending.length === 0) return
      const { name, columns } = table
      const cols = columns.map(quoteIdent).join(', ')
      const chunk = pending.map((r) => Object.fromEntries(columns.map((c, k) => [c, r[k]])))
      pending = []
      await tx.execute(sql`insert into ${sql.raw(`public.${quoteIdent(name)}`)} (${sql.raw(cols)}) overriding system value
        select ${sql.raw(cols)} from json_populate_recordset(null::${sql.raw(`public.${quoteIdent(name)}`)}, ${JSON.stringify(chunk)}::json)`)
    }
    while ((item = await next()) !== null) {
      if (typeof item.table === 'string') {
        await flush()
        if (!present.includes(item.table)) throw new Error(`the archive has a table this installation lacks: ${item.table}`)
        table = { name: item.table, columns: item.columns as string[] }
        counts[table.name] = 0
      } else if (Array.isArray(item.row) && table) {
        pending.push(item.row)
        counts[table.name]!++
        if (pending.length >= BATCH) await flush()
      } else {
        break // the photos (or the manifest): after the tables
      }
    }
    await flush()
    // Cut short among the tables: nothing is kept (the transaction rolls back).
    if (item === null) throw new Error('the archive is incomplete (cut short): restore a complete one')
    // Serial and identity columns continue after the largest restored id.
    const serials = await rows<{ t: string; c: string; s: string }>(tx, sql`select c.table_name as t, c.column_name as c, pg_get_serial_sequence(format('public.%I', c.table_name), c.column_name) as s
      from information_schema.columns c where c.table_schema = 'public' and pg_get_serial_sequence(format('public.%I', c.table_name), c.column_name) is not null`)
    for (const s of serials) {
      await tx.execute(sql`select setval(${s.s}::regclass, coalesce((select max(${sql.raw(quoteIdent(s.c))}) from ${sql.raw(`public.${quoteIdent(s.t)}`)}), 0) + 1, false)`)
    }
  })
  // Then the photos, one at a time.
  let manifest: Manifest | null = null
  let images = 0
  for (; item !== null; item = await next()) {
    if (typeof item.image === 'string') {
      if (!PHOTO_KEY.test(item.image)) throw new Error(`not a photo key: ${item.image}`)
      await storage.put(item.image, Buffer.from(item.data as string, 'base64'))
      images++
    } else if (item.manifest) {
      manifest = item.manifest as Manifest
    }
  }
  if (!manifest) throw new Error('the archive is incomplete (cut short): restore a complete one')
  if (images !== manifest.images) throw new Error(`the archive lists ${manifest.images} photos, ${images} were restored`)
  for (const [name, n] of Object.entries(counts)) if (n !== manifest.tables[name]) throw new Error(`table ${name}: ${n} rows read, the manifest says ${manifest.tables[name]}`)
  return { ...manifest, sessionSecret: header.session_secret }
}
