import pg from 'pg'
import type { PGlite } from '@electric-sql/pglite'

// How pg-boss reaches the database (queue.ts): its own small `pg` pool on PostgreSQL, with one more try for a
// statement lost with its connection; the app's single connection on PGlite.

export interface Rows { rows: any[] }
export type Execute = (text: string, values?: unknown[]) => Promise<Rows>

/** The SQL pg-boss needs, on either backend: plain statements, and a transaction (for singleton sends). */
export interface Connection {
  execute: Execute
  transaction: <R>(fn: (execute: Execute) => Promise<R>) => Promise<R>
  close: () => Promise<void>
}

/** A statement lost with its connection (database restart, failover, terminated backend): worth one more try. */
function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return false
  if (['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(String(e.code))) return true
  return /Connection terminated|not queryable|connection error/i.test(String(e.message))
}

/** Runs `fn` again once if the first try was lost with its connection (the pool then hands out a fresh one). */
async function onceMoreIfCut<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn()
  } catch (err) {
    if (!isConnectionLoss(err)) throw err
    return fn()
  }
}

export function postgresConnection(url: string, max: number, report: (message: string, err: unknown) => void): Connection {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'hadir-jobs' })
  // An idle client losing its connection is emitted on the pool; unhandled, it would end the process.
  pool.on('error', (err) => report('job queue connection lost', err))
  return {
    // Without values pg uses the simple protocol, which runs pg-boss's multi-statement scripts (BEGIN; ...; COMMIT).
    execute: (text, values) => onceMoreIfCut(() => (values?.length ? pool.query(text, values as unknown[]) : pool.query(text))),
    transaction: (fn) =>
      onceMoreIfCut(async () => {
        const client = await pool.connect()
        let broken = false
        try {
          await client.query('BEGIN')
          const result = await fn((text, values) => client.query(text, values as unknown[]))
          await client.query('COMMIT')
          return result
        } catch (err) {
          broken = isConnectionLoss(err)
          if (!broken) await client.query('ROLLBACK').catch(() => {})
          throw err
        } finally {
          client.release(broken) // a broken connection is closed, not handed out again
        }
      }),
    close: () => pool.end(),
  }
}

export function pgliteConnection(client: PGlite): Connection {
  return {
    execute: async (text, values) => {
      if (values?.length) return client.query(text, values as unknown[])
      // A parameterless text may be one of pg-boss's scripts (`BEGIN; ...; COMMIT;`). Run as such on PGlite's single
      // connection, an error halfway would leave that connection in an aborted transaction for the whole app; inside
      // PGlite's transaction() it is rolled back instead (the script's own BEGIN/COMMIT then only draw warnings).
      return client.transaction(async (tx) => {
        const results = await tx.exec(text)
        return { rows: results.at(-1)?.rows ?? [] }
      })
    },
    transaction: (fn) => client.transaction((tx) => fn((text, values) => tx.query(text, values as unknown[]))),
    close: async () => {}, // the app's connection: the app closes it
  }
}
