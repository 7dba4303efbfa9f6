// The migrated, empty PGlite data folder every api-pglite test database starts from (tools/test-support/harness.ts),
// dumped once per set of migrations and PGlite version and kept in the OS's temporary folder across runs.
//
// vitest.pglite-template.ts makes it before the project's workers start: when each worker made it on its first test
// file, on a clean machine the workers that began together each ran PGlite's initdb and every migration for itself,
// since none had written the file yet.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDatabase } from '../../server/db/client'

/**
 * PGlite's settings for a test's database. PostgreSQL's 128 MB of shared buffers (PGlite's default, kept for an
 * installation) are ~30k pages of its memory touched when PGlite starts, for a test database of ~10 MB: with 16 MB, a
 * database from the template took 0.45 CPU-s instead of 0.60 and half the page faults (measured on the 2-core
 * machine, three rounds each; pages are slow to touch on this VM).
 */
export const TEST_PGLITE_SETTINGS = { shared_buffers: '16MB' } as const

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')

/** Where the template of today's migrations and PGlite version is kept. */
function pgliteTemplateFile(): string {
  const migrations = path.join(ROOT, 'migrations')
  const hash = crypto.createHash('sha256')
  for (const f of fs.readdirSync(migrations, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(migrations, f)
    if (fs.statSync(full).isFile()) hash.update(f).update(fs.readFileSync(full))
  }
  hash.update(fs.readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')))
  return path.join(os.tmpdir(), `hadir-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`)
}

/** The template's bytes: read from its file, or made (a fresh PGlite, migrated as the server migrates) and written. */
export async function pgliteTemplateBytes(): Promise<Buffer> {
  const file = pgliteTemplateFile()
  if (fs.existsSync(file)) return fs.readFileSync(file)
  const database = await openDatabase({ dataDir: 'memory://', settings: TEST_PGLITE_SETTINGS })
  const client = (database.db as unknown as { $client: { dumpDataDir: (c: 'none') => Promise<Blob> } }).$client
  const dump = await client.dumpDataDir('none')
  await database.close()
  const bytes = Buffer.from(await dump.arrayBuffer())
  const part = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`
  fs.writeFileSync(part, bytes)
  fs.renameSync(part, file) // atomic: a worker never reads half a template
  return bytes
}
