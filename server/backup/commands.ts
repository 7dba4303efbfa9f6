// `npm run backup [-- FILE]` and `npm run restore -- FILE [--force]` (issue 20 item 4), also in the container without
// the dev tools: `node dist/server/index.js backup [FILE]` / `restore FILE [--force]`. The installation is the one the
// environment names (DATABASE_URL or HADIR_DATA_DIR's embedded database; S3_* or HADIR_DATA_DIR/photos), as the server
// reads it. See archive.ts for what the archive holds and why it is consistent.
//
// Backup: with the embedded database, a server running on the folder is asked to write it (control.ts: PGlite admits
// one process); with none running, or with PostgreSQL (which any number of connections may read), it is written here.
import fs from 'node:fs'
import path from 'node:path'
import { loadEnv } from '../env'
import { openDatabase } from '../db/client'
import { openStorage } from '../storage/open'
import { restoreBackup, type Manifest } from './archive'
import { askRunningServer, backupToFile, generatedSecret, serverRunsOn } from './control'

function describe(file: string, manifest: Manifest): string {
  const rows = Object.values(manifest.tables).reduce((s, n) => s + n, 0)
  const missing = manifest.missing_images.length ? ` (${manifest.missing_images.length} deleted since the snapshot)` : ''
  return `${file}: ${Object.keys(manifest.tables).length} tables, ${rows} rows, ${manifest.images} photos${missing}`
}

export async function backupCommand(args: string[]): Promise<void> {
  const env = loadEnv()
  const file = path.resolve(args.find((a) => !a.startsWith('--')) ?? `hadir-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl.gz`)
  if (!env.DATABASE_URL) {
    const answer = await askRunningServer(env.HADIR_DATA_DIR, { op: 'backup', file })
    if (answer) {
      if (!answer.ok) throw new Error(`the running server could not write the backup: ${answer.error}`)
      console.log(`[backup] ${describe(answer.file, answer.manifest)} (written by the running server)`)
      return
    }
  }
  // The installation's schema as it is: no migration from here.
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR, migrate: false })
  try {
    const manifest = await backupToFile(database, await openStorage(env), file, generatedSecret(env))
    console.log(`[backup] ${describe(file, manifest)}`)
  } finally {
    await database.close()
  }
}

export async function restoreCommand(args: string[]): Promise<void> {
  const env = loadEnv()
  const file = args.find((a) => !a.startsWith('--'))
  if (!file) throw new Error('usage: npm run restore -- FILE [--force]')
  if (!env.DATABASE_URL && (await serverRunsOn(env.HADIR_DATA_DIR))) {
    throw new Error('a server is running on this installation: stop it before restoring')
  }
  // A fresh installation is migrated to this version first; the archive must come from the same version.
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR })
  try {
    const manifest = await restoreBackup(database, await openStorage(env), fs.createReadStream(file), { force: args.includes('--force') })
    if (manifest.sessionSecret && !env.SESSION_SECRET) {
      fs.mkdirSync(env.HADIR_DATA_DIR, { recursive: true })
      fs.writeFileSync(path.join(env.HADIR_DATA_DIR, 'secret'), `${manifest.sessionSecret}\n`, { mode: 0o600 })
    } else if (!manifest.sessionSecret) {
      console.log('[restore] the archived installation had SESSION_SECRET in its environment: start the server with the same one')
    }
    console.log(`[restore] ${describe(file, manifest)} restored; start the server`)
  } finally {
    await database.close()
  }
}

/** `backup ...` or `restore ...`: runs it and exits (1 with the reason on a failure). */
export function runCommand(command: string, args: string[]): void {
  const run = command === 'backup' ? backupCommand : command === 'restore' ? restoreCommand : null
  if (!run) {
    console.error('usage: backup [FILE] | restore FILE [--force]')
    process.exit(2)
  }
  run(args).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`[hadir] ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
