import { AsyncLocalStorage } from 'node:async_hooks'
import os from 'node:os'
import PgBoss from 'pg-boss'
import type { PGlite } from '@electric-sql/pglite'
import type { Database } from '../db/client'
import { pgliteConnection, postgresConnection, type Connection, type Rows } from './queue.connection'

/**
 * The durable job queue: pg-boss 10 on the application's own database (tables in the `pgboss` schema, created and
 * migrated by pg-boss at start). A job is a row: it survives a restart, is claimed by exactly one worker of one
 * instance (`FOR UPDATE SKIP LOCKED`), is retried with exponential backoff when its handler throws, and is failed
 * back into the queue (then retried) when the process that held it died (`expireInSeconds` after it started; pg-boss's
 * maintenance runs on one instance at a time). Delivery is at least once: a handler must be idempotent.
 *
 * PostgreSQL: pg-boss talks through a small `pg` pool of its own (the app itself uses postgres.js).
 * Embedded PGlite: pg-boss goes through the app's single PGlite connection, so its polls queue up behind the app's
 * statements (never inside a transaction of the app: PGlite runs one at a time).
 */

/** What a handler learns about the job it runs, besides its data. */
export interface JobInfo {
  id: string
  name: string
  /** 0 on the first attempt, 1 on the first retry, ... */
  retryCount: number
  /** Retries allowed after the first attempt: `retryCount === retryLimit` is the last attempt. */
  retryLimit: number
}

export interface SendOptions {
  /** At most one job of the queue with this key is queued or running: sending another returns null. */
  singletonKey?: string
  /** Retries after a failed attempt (default: the queue's `retryLimit` option, 3). */
  retryLimit?: number
  /** Delay before the first retry; doubles at each further one, with jitter (default 5 s; 0 = retry at once). */
  retryDelaySeconds?: number
  /** A running job whose instance has not finished it this long after it started is failed and retried. */
  expireInSeconds?: number
}

export interface JobQueue {
  /** Registers a handler; `concurrency` defaults to os.availableParallelism() (env HADIR_JOB_CONCURRENCY overrides). */
  work: <T extends object>(name: string, handler: (data: T, job: JobInfo) => Promise<void>, options?: { concurrency?: number }) => Promise<void>
  /**
   * Enqueues; singletonKey dedupes a job that is already queued/active (returns null then). Call it after the
   * transaction that made the work commits, never inside one: on PGlite it would wait for the very connection that
   * transaction holds, forever.
   */
  send: <T extends object>(name: string, data: T, options?: SendOptions) => Promise<string | null>
  /** Counts of queued (including waiting to be retried) + active jobs of a queue (tests and bench wait on it). */
  pending: (name: string) => Promise<number>
  /** Graceful: stops fetching, waits for active handlers (up to `stopTimeoutSeconds`), then closes its connections. */
  stop: () => Promise<void>
}

export interface JobQueueOptions {
  /** PostgreSQL only: the connection string pg-boss's pool connects with (the app's DATABASE_URL). */
  databaseUrl?: string
  /** How often a queue's first worker looks for jobs when idle. Jobs sent from this instance wake a local worker at once. Default 2. */
  pollingIntervalSeconds?: number
  /** How often a queue's further workers look on their own; they are woken when there is work (see work()). Default 30. */
  siblingPollingIntervalSeconds?: number
  /** How often expired jobs are failed back into the queue and finished jobs archived (one instance at a time). Default 60. */
  maintenanceIntervalSeconds?: number
  /** Default for SendOptions.expireInSeconds. Default 300. */
  expireInSeconds?: number
  /** Default for SendOptions.retryLimit. Default 3. */
  retryLimit?: number
  /** Default for SendOptions.retryDelaySeconds. Default 5. */
  retryDelaySeconds?: number
  /** Default concurrency of `work()`. Default: HADIR_JOB_CONCURRENCY, else os.availableParallelism(). */
  concurrency?: number
  /** PostgreSQL only: connections in pg-boss's pool. Default 4. */
  poolSize?: number
  /** How long stop() waits for running handlers; their jobs are then failed (and retried later). Default 8 (the server force-exits at 10). */
  stopTimeoutSeconds?: number
  /** Where errors of the background machinery and failed attempts go. Default: console.error. */
  onError?: (message: string, err?: unknown) => void
}

const SCHEMA = 'pgboss'

function positiveInteger(value: number | string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1 (got ${value})`)
  return n
}

/** Starts pg-boss on the database (creating or migrating its schema) and returns the queue. Call stop() before closing the database. */
export async function openJobQueue(database: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
  const onError = options.onError ?? ((message: string, err?: unknown) => console.error(`[hadir] ${message}:`, err instanceof Error ? err.message : (err ?? '')))
  // The same failure repeats on every poll while the database is away: say it once a minute.
  const lastSaid = new Map<string, number>()
  const report = (message: string, err?: unknown) => {
    const key = `${message} ${err instanceof Error ? err.message : String(err)}`
    const now = Date.now()
    if ((lastSaid.get(key) ?? 0) > now - 60_000) return
    lastSaid.set(key, now)
    if (lastSaid.size > 100) lastSaid.clear()
    onError(message, err)
  }

  const defaultConcurrency =
    positiveInteger(options.concurrency, 'concurrency') ?? positiveInteger(process.env.HADIR_JOB_CONCURRENCY, 'HADIR_JOB_CONCURRENCY') ?? os.availableParallelism()
  const retryDelayDefault = Math.max(0, Math.round(options.retryDelaySeconds ?? 5))

  let connection: Connection
  if (database.kind === 'postgres') {
    if (!options.databaseUrl) throw new Error('openJobQueue: databaseUrl is required on PostgreSQL')
    connection = postgresConnection(options.databaseUrl, options.poolSize ?? 4, report)
  } else {
    connection = pgliteConnection((database.db as unknown as { $client: PGlite }).$client)
  }

  // pg-boss 10 completes or fails a job without awaiting the statement (manager.js, onFetch). If that statement failed
  // (database restarting), its rejection would be unhandled, and an unhandled rejection stops the server. So the
  // statements pg-boss runs on its own inside the worker loops (fetch, complete, fail) are reported and answered with
  // no result, as pg-boss's own driver answers when closed: a fetch finds nothing, and a job whose completion was lost
  // stays active until it expires and is retried. Everything else (start, send, counts, handlers' own sends) throws.
  const background = new AsyncLocalStorage<boolean>()
  const inflight = new Set<Promise<unknown>>()
  const executeSql = (text: string, values?: unknown[]): Promise<Rows> => {
    const lenient = background.getStore() === true
    const p = connection.execute(text, values).catch((err: unknown) => {
      if (!lenient) throw err
      report('job queue statement failed', err)
      return undefined as unknown as Rows
    })
    inflight.add(p)
    void p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    )
    return p
  }

  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2
  const siblingPollingIntervalSeconds = Math.max(pollingIntervalSeconds, options.siblingPollingIntervalSeconds ?? 30)
  const boss = new PgBoss({
    db: { executeSql },
    schema: SCHEMA,
    schedule: false, // no cron jobs yet; turning it on adds a polling queue of pg-boss's own
    supervise: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    pollingIntervalSeconds,
    expireInSeconds: options.expireInSeconds ?? 300,
    retryLimit: options.retryLimit ?? 3,
    retryDelay: retryDelayDefault,
    retryBackoff: retryDelayDefault > 0,
    archiveCompletedAfterSeconds: 60 * 60, // keeps the live job table (and singleton checks) small
    archiveFailedAfterSeconds: 7 * 24 * 60 * 60, // failed jobs stay inspectable a week, then a week in the archive
    deleteAfterDays: 7,
  })
  boss.on('error', (err) => report('job queue maintenance failed', err))
  try {
    await boss.start()
  } catch (err) {
    await connection.close().catch(() => {})
    throw err
  }

  const queues = new Map<string, Promise<void>>()
  const ensureQueue = (name: string): Promise<void> => {
    let created = queues.get(name)
    if (!created) {
      // pg-boss 10 drops jobs sent to a queue that does not exist: every queue is created (once, idempotently) first.
      created = boss.createQueue(name, { name, policy: 'standard' })
      created.catch(() => queues.delete(name))
      queues.set(name, created)
    }
    return created
  }

  interface LocalWorker {
    id: string | null
    busy: boolean
  }
  const workers = new Map<string, LocalWorker[]>()
  const running = new Set<Promise<unknown>>()
  let stopping: Promise<void> | null = null

  async function work<T extends object>(name: string, handler: (data: T, job: JobInfo) => Promise<void>, workOptions: { concurrency?: number } = {}): Promise<void> {
    if (stopping) throw new Error('the job queue is stopped')
    if (workers.has(name)) throw new Error(`a handler is already registered for the job queue "${name}"`)
    const concurrency = positiveInteger(workOptions.concurrency, 'concurrency') ?? defaultConcurrency
    await ensureQueue(name)
    const locals: LocalWorker[] = []
    workers.set(name, locals)
    // pg-boss 10's way to run N at a time: N workers, each fetching and running one job. Only the first looks for jobs
    // every polling interval; the others every siblingPollingIntervalSeconds, and they are woken when there is work: a
    // worker that got a job wakes one idle sibling, which looks at once (and, finding one too, wakes the next), so a
    // backlog is taken N at a time within one interval. An idle instance then costs one statement per queue and
    // interval, not N (12 workers looked every 2 s through embedded PGlite's single connection; every 0.5 s in a test app).
    for (let i = 0; i < concurrency; i++) {
      const local: LocalWorker = { id: null, busy: false }
      locals.push(local)
      const poll = i === 0 ? pollingIntervalSeconds : siblingPollingIntervalSeconds
      local.id = await background.run(true, () =>
        boss.work<T>(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: poll }, async (jobs) => {
          for (const job of jobs) {
            local.busy = true
            const sibling = locals.find((w) => !w.busy && w.id)
            if (sibling?.id && !stopping) boss.notifyWorker(sibling.id)
            const info: JobInfo = { id: job.id, name: job.name, retryCount: job.retryCount, retryLimit: job.retryLimit }
            const run = background.run(false, () => handler(job.data, info))
            running.add(run)
            try {
              await run
            } catch (err) {
              const last = info.retryCount >= info.retryLimit
              report(`job ${name} ${job.id} failed (attempt ${info.retryCount + 1} of ${info.retryLimit + 1}${last ? ', the last' : ''})`, err)
              throw err // pg-boss fails it: retried later, or failed for good after the last attempt
            } finally {
              running.delete(run)
              local.busy = false
              // A worker that just finished a job looks for the next at once instead of sleeping a polling interval.
              if (local.id && !stopping) boss.notifyWorker(local.id)
            }
          }
        }),
      )
    }
  }

  async function send<T extends object>(name: string, data: T, sendOptions: SendOptions = {}): Promise<string | null> {
    await ensureQueue(name)
    const jobOptions: PgBoss.SendOptions = {}
    if (sendOptions.retryLimit !== undefined) jobOptions.retryLimit = sendOptions.retryLimit
    if (sendOptions.retryDelaySeconds !== undefined) {
      jobOptions.retryDelay = Math.max(0, Math.round(sendOptions.retryDelaySeconds))
      jobOptions.retryBackoff = jobOptions.retryDelay > 0
    }
    if (sendOptions.expireInSeconds !== undefined) jobOptions.expireInSeconds = sendOptions.expireInSeconds
    let id: string | null
    const key = sendOptions.singletonKey
    if (key === undefined) {
      id = await background.run(false, () => boss.send(name, data, jobOptions))
    } else {
      // "Not while one is queued or running": pg-boss 10's policies each cover only one of the two states, so the
      // check and the insert run in one transaction, serialized per key by an advisory lock.
      id = await background.run(false, () =>
        connection.transaction(async (execute) => {
          await execute('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hadir-jobs:${name}:${key}`])
          const { rows } = await execute(
            `SELECT 1 FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
            [name, key],
          )
          if (rows.length) return null
          return boss.send(name, data, { ...jobOptions, singletonKey: key, db: { executeSql: (text, values) => execute(text, values) } })
        }),
      )
    }
    if (id) {
      // Wake one idle local worker of that queue; other instances find the job at their next poll.
      const idle = workers.get(name)?.find((w) => !w.busy && w.id)
      if (idle?.id && !stopping) boss.notifyWorker(idle.id)
    }
    return id
  }

  async function pending(name: string): Promise<number> {
    return background.run(false, () => boss.getQueueSize(name, { before: 'completed' }))
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      const timeoutMs = (options.stopTimeoutSeconds ?? 8) * 1000
      const deadline = Date.now() + timeoutMs
      // pg-boss stops its workers' loops, waits for the jobs they hold, and fails those still running at the deadline.
      await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs })
      // A fetch that was on its way when the loops stopped may still hand out a job, and completions are not awaited
      // by pg-boss: wait for our handlers and every statement still on its way before closing the pool.
      while ((running.size || inflight.size) && Date.now() < deadline) {
        const left = Math.max(1, deadline - Date.now())
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          Promise.allSettled([...running, ...inflight]),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, left))),
        ])
        clearTimeout(timer)
      }
      await connection.close()
    })()
    return stopping
  }

  return { work, send, pending, stop }
}
