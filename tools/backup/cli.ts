// `npm run backup [-- FILE]` and `npm run restore -- FILE [--force]` (issue 20 item 4): the installation named by the
// environment (DATABASE_URL or HADIR_DATA_DIR's embedded database; S3_* or HADIR_DATA_DIR/photos), as the server reads it.
// See tools/backup/archive.ts for what the archive holds and why it is consistent.
import fs from 'node:fs'
import path from 'node:path'
import { loadEnv } from '../../server/env'
import { openDatabase } from '../../server/db/client'
import { openStorage } from '../../server/storage/open'
import { restoreBackup, writeBackup } from './archive'

async function main() {
  const [command, ...rest] = process.argv.slice(2)
  const force = rest.includes('--force')
  const file = rest.find((a) => !a.startsWith('--'))
  const env = loadEnv()
  if (command === 'backup') {
    const target = file ?? `hadir-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl.gz`
    // The running installation's schema as it is: no migration from here.
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR, migrate: false })
    const storage = await openStorage(env)
    const tmp = `${target}.partial`
    try {
      // The embedded default's generated secret goes along (sessions and device tokens stay valid after a restore).
      const secretFile = path.join(env.HADIR_DATA_DIR, 'secret')
      const sessionSecret = !env.SESSION_SECRET && fs.existsSync(secretFile) ? fs.readFileSync(secretFile, 'utf8').trim() : undefined
      const manifest = await writeBackup(database, storage, fs.createWriteStream(tmp, { mode: 0o600 }), { sessionSecret })
      fs.renameSync(tmp, target)
      const rows = Object.values(manifest.tables).reduce((s, n) => s + n, 0)
      console.log(`[backup] ${target}: ${Object.keys(manifest.tables).length} tables, ${rows} rows, ${manifest.images} photos${manifest.missing_images.length ? ` (${manifest.missing_images.length} deleted since the snapshot)` : ''}`)
    } finally {
      fs.rmSync(tmp, { force: true })
      await database.close()
    }
  } else if (command === 'restore') {
    if (!file) throw new Error('usage: npm run restore -- FILE [--force]')
    // A fresh installation is migrated to this version first; the archive must come from the same version.
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR })
    const storage = await openStorage(env)
    try {
      const input = fs.createReadStream(file)
      const manifest = await restoreBackup(database, storage, input, { force })
      if (manifest.sessionSecret && !env.SESSION_SECRET) {
        fs.mkdirSync(env.HADIR_DATA_DIR, { recursive: true })
        fs.writeFileSync(path.join(env.HADIR_DATA_DIR, 'secret'), `${manifest.sessionSecret}\n`, { mode: 0o600 })
      } else if (!manifest.sessionSecret) {
        console.log('[restore] the archived installation had SESSION_SECRET in its environment: start the server with the same one')
      }
      const rows = Object.values(manifest.tables).reduce((s, n) => s + n, 0)
      console.log(`[restore] ${file}: ${rows} rows in ${Object.keys(manifest.tables).length} tables and ${manifest.images} photos restored; start the server`)
    } finally {
      await database.close()
    }
  } else {
    throw new Error('usage: npm run backup [-- FILE] | npm run restore -- FILE [--force]')
  }
}

main().catch((err) => {
  console.error(`[hadir] ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
