// The embedded database (PGlite) has one connection: while a transaction is open, a statement sent outside it (through
// the database itself rather than the transaction's handle, or through the job queue, which shares PGlite's connection)
// waits for that transaction to end. When the transaction awaits the statement, that is forever: `npm start` on a bare
// machine hangs on the route, while on PostgreSQL (a pool) the same code works.
//
// On PostgreSQL the API tests catch that mistake here: statements sent through the database's root client or the job
// queue's pool while a transaction of the same request (the same async context) is open are recorded, and throw at the
// call with the stack that sent them. Most API test files run on PostgreSQL only (vitest.config.ts), so this guard is
// what keeps their routes safe for the embedded database. A statement sent after its transaction ended (a
// fire-and-forget audit, say) is fine and passes.
import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import type { Database } from '../../server/db/client'

interface OpenTransaction {
  open: boolean
}

const transactions = new AsyncLocalStorage<OpenTransaction>()

/** The statements that would have waited on PGlite for a transaction of their own request, since last taken. */
const violations: string[] = []

export class OneConnectionError extends Error {
  constructor(what: string) {
    super(`${what} while a transaction of the same request is open: on the embedded database (PGlite, one connection) this waits for that transaction forever. Use the transaction's handle, or send it after the commit.`)
    this.name = 'OneConnectionError'
  }
}

function check(what: string): void {
  if (!transactions.getStore()?.open) return
  const error = new OneConnectionError(what)
  violations.push(error.stack ?? error.message)
  throw error
}

/** The violations recorded since the last call (and forgets them). */
export function takeOneConnectionViolations(): string[] {
  return violations.splice(0)
}

type Begin = (...args: unknown[]) => Promise<unknown>
interface GuardedClient {
  begin: Begin
  unsafe: (...args: unknown[]) => unknown
}

const GUARDED = Symbol.for('hadir.test.oneConnection')

/** Guards a PostgreSQL database of the tests (server/db/client.ts openDatabase with a URL); PGlite needs none. */
export function guardOneConnection(database: Database): void {
  if (database.kind !== 'postgres') return
  const client = (database.db as unknown as { $client: GuardedClient & { [GUARDED]?: true } }).$client
  if (client[GUARDED]) return
  client[GUARDED] = true
  const begin = client.begin
  const unsafe = client.unsafe
  // postgres.js's begin(options?, fn) sends its own BEGIN through the root's unsafe: checked like any statement (a
  // transaction opened through the root inside another one is the same mistake).
  client.begin = function (this: unknown, ...args: unknown[]) {
    const at = args.length - 1
    const fn = args[at] as (tx: unknown) => unknown
    const state: OpenTransaction = { open: true }
    args[at] = (tx: unknown) => transactions.run(state, () => fn(tx))
    return begin.apply(this, args).finally(() => {
      state.open = false
    })
  }
  client.unsafe = function (this: unknown, ...args: unknown[]) {
    check(`A statement sent through the database (not the transaction's handle): ${String(args[0]).slice(0, 120)}`)
    return unsafe.apply(this, args)
  }
}

// The job queue's own pool on PostgreSQL (server/jobs/queue.connection.ts): on PGlite the queue uses the app's single
// connection, so a job sent inside a transaction (rather than after its commit) would wait for it the same way.
const poolPrototype = pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown; connect: (...args: unknown[]) => unknown } & { [GUARDED]?: true }
if (!poolPrototype[GUARDED]) {
  poolPrototype[GUARDED] = true
  const query = poolPrototype.query
  const connect = poolPrototype.connect
  poolPrototype.query = function (this: unknown, ...args: unknown[]) {
    check(`A job queue statement: ${String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text).slice(0, 120)}`)
    return query.apply(this, args)
  }
  poolPrototype.connect = function (this: unknown, ...args: unknown[]) {
    check('A job queue transaction')
    return connect.apply(this, args)
  }
}
