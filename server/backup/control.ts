// Backups of a running installation with the embedded database (issue 20 item 4). PGlite is one process's database:
// while the server runs, no other process may open its folder, so the running server writes the archive itself, with
// its own connection (server/backup/archive.ts: one read-only snapshot, then the photos it refers to), when
// `npm run backup` (or `node dist/server/index.js backup` in the container) asks it to.
//
// The request comes through a Unix socket in the data folder (HADIR_DATA_DIR/control.sock, mode 0600): whoever can
// reach it can already read the database files and the secret beside it, so it grants nothing new, and it is never on
// the network. One request per connection, one JSON line each way: {"op":"backup","file":"/abs/path.jsonl.gz"} ->
// {"ok":true,"file","manifest"} or {"ok":false,"error"}. One backup at a time.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { Database } from '../db/client'
import type { PhotoStorage } from '../storage/storage'
import { writeBackup, type Manifest } from './archive'

export const CONTROL_SOCKET = 'control.sock'
/** A request line longer than this is not one of ours. */
const MAX_REQUEST = 8192

export interface BackupRequest { op: 'backup'; file: string }
export type BackupAnswer = { ok: true; file: string; manifest: Manifest } | { ok: false; error: string }

export function controlSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), CONTROL_SOCKET)
}

/** The installation's generated secret (HADIR_DATA_DIR/secret) when it has no SESSION_SECRET: it goes into the archive. */
export function generatedSecret(env: { SESSION_SECRET?: string; HADIR_DATA_DIR: string }): string | undefined {
  const file = path.join(env.HADIR_DATA_DIR, 'secret')
  return !env.SESSION_SECRET && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined
}

/** Writes the archive to `file` (through `file.partial`, renamed when complete: a cut-short backup never has the name). */
export async function backupToFile(database: Database, storage: PhotoStorage, file: string, sessionSecret?: string): Promise<Manifest> {
  const partial = `${file}.partial`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  try {
    const manifest = await writeBackup(database, storage, fs.createWriteStream(partial, { mode: 0o600 }), { sessionSecret })
    fs.renameSync(partial, file)
    return manifest
  } finally {
    fs.rmSync(partial, { force: true })
  }
}

/** Whether a server runs on the data folder (it answers on its socket; one left by a process that died does not). */
export function serverRunsOn(dataDir: string): Promise<boolean> {
  return answers(controlSocketPath(dataDir))
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}

/**
 * Listens on the data folder's control socket and writes the backups asked for. Returns null (and says why) when it
 * cannot: another live server on the same folder, or a folder path too long for a socket.
 */
export async function listenForBackups(deps: { database: Database; storage: PhotoStorage }, options: { dataDir: string; sessionSecret?: string }): Promise<{ close: () => Promise<void> } | null> {
  const socket = controlSocketPath(options.dataDir)
  if (fs.existsSync(socket)) {
    if (await answers(socket)) {
      console.warn(`[hadir] another server answers on ${socket}: backups of this one cannot be asked for`)
      return null
    }
    fs.rmSync(socket, { force: true }) // left by a server that did not stop cleanly
  }
  let running: Promise<unknown> | null = null
  const server = net.createServer((conn) => {
    let text = ''
    const reply = (answer: BackupAnswer) => conn.end(`${JSON.stringify(answer)}\n`)
    conn.setEncoding('utf8')
    conn.on('error', () => {}) // the asker went away: the backup (if started) still completes
    conn.on('data', (chunk: string) => {
      if (text.includes('\n')) return
      text += chunk
      if (text.length > MAX_REQUEST) return reply({ ok: false, error: 'request too long' })
      if (!text.includes('\n')) return
      let request: Partial<BackupRequest>
      try {
        request = JSON.parse(text.slice(0, text.indexOf('\n'))) as Partial<BackupRequest>
      } catch {
        return reply({ ok: false, error: 'not a JSON request' })
      }
      if (request.op !== 'backup') return reply({ ok: false, error: `unknown operation ${JSON.stringify(request.op)}` })
      if (typeof request.file !== 'string' || !path.isAbsolute(request.file)) return reply({ ok: false, error: 'give the archive\'s absolute path' })
      if (running) return reply({ ok: false, error: 'a backup is already running: try again when it has finished' })
      const file = request.file
      console.log(`[hadir] backup to ${file} asked for through ${CONTROL_SOCKET}`)
      running = backupToFile(deps.database, deps.storage, file, options.sessionSecret)
        .then((manifest) => reply({ ok: true, file, manifest }))
        .catch((err: unknown) => reply({ ok: false, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          running = null
        })
    })
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(socket, () => resolve())
    })
  } catch (err) {
    console.warn(`[hadir] backups of the running server are off (${socket}: ${err instanceof Error ? err.message : String(err)})`)
    return null
  }
  fs.chmodSync(socket, 0o600)
  return {
    // A backup under way is finished first (the server stops after it, with the database still open).
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        fs.rmSync(socket, { force: true })
      })
      await running
    },
  }
}

/** Asks the server running on `dataDir` for a backup; null when no server answers there (none is running). */
export function askRunningServer(dataDir: string, request: BackupRequest): Promise<BackupAnswer | null> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(controlSocketPath(dataDir))
    let text = ''
    let connected = false
    conn.setEncoding('utf8')
    conn.once('connect', () => {
      connected = true
      conn.write(`${JSON.stringify(request)}\n`)
    })
    conn.on('data', (chunk: string) => (text += chunk))
    conn.once('end', () => {
      try {
        resolve(JSON.parse(text) as BackupAnswer)
      } catch {
        reject(new Error(`the running server gave no answer${text ? `: ${text.slice(0, 200)}` : ''}`))
      }
    })
    conn.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) resolve(null)
      else reject(err)
    })
  })
}
