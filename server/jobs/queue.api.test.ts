// The durable job queue (pg-boss) on the backend under test. Nothing here depends on how fast the machine is: every
// wait polls the queue's state (or a handler's progress) until it holds, bounded only by the test's timeout.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PGlite } from '@electric-sql/pglite'
import type { Sql } from 'postgres'
import type { Database } from '../db/client'
import { backend, createTestApp, lastDatabaseUrl, type TestApp } from '../../tools/test-support/harness'
import { openJobQueue, type JobInfo, type JobQueue, type JobQueueOptions } from './queue'

let app: TestApp
let database: Database
let url: string | undefined
const opened: JobQueue[] = []
let errors: string[] = []

beforeAll(async () => {
  // A test app's database (started from the migrated template on PGlite); the queues below are opened on it too.
  app = await createTestApp()
  database = app.deps.database
  url = backend === 'postgres' ? lastDatabaseUrl! : undefined
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.stop()))
  errors = []
})

afterAll(async () => {
  await app?.close()
})

/** A queue on the test database, polling fast; its reports are collected in `errors`. Stopped after the test. */
async function open(options: JobQueueOptions = {}): Promise<JobQueue> {
  const queue = await openJobQueue(database, {
    databaseUrl: url,
    pollingIntervalSeconds: 0.5,
    onError: (message, err) => errors.push(`${message}: ${err instanceof Error ? err.message : String(err)}`),
    ...options,
  })
  opened.push(queue)
  return queue
}

/** Rows of a statement on the test database (either backend). */
async function query<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = (database.db as unknown as { $client: PGlite | Sql }).$client
  if (backend === 'postgres') return (await (client as Sql).unsafe(text, params as never[])) as unknown as R[]
  return (await (client as PGlite).query<R>(text, params)).rows
}

async function stateOf(id: string): Promise<string | undefined> {
  const [row] = await query<{ state: string }>('select state::text as state from pgboss.job where id = $1', [id])
  return row?.state
}

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25))
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

let names = 0
const queueName = (what: string) => `test-${what}-${++names}`

describe(`job queue (${backend})`, () => {
  it('runs a job exactly once, with its data', async () => {
    const jobs = await open()
    const name = queueName('once')
    const seen: Array<{ data: { n: number }; job: JobInfo }> = []
    await jobs.work<{ n: number }>(name, async (data, job) => {
      seen.push({ data, job })
    })
    const id = await jobs.send(name, { n: 42 })
    expect(id).toEqual(expect.any(String))
    await waitFor(async () => (await stateOf(id!)) === 'completed')
    expect(await jobs.pending(name)).toBe(0)
    expect(seen).toEqual([{ data: { n: 42 }, job: { id, name, retryCount: 0, retryLimit: 3 } }])
    expect(errors).toEqual([])
  })

  it('retries a failing handler until it succeeds, with backoff when a delay is set, and gives up after the limit', async () => {
    const jobs = await open()
    const flaky = queueName('flaky')
    const attempts: number[] = []
    await jobs.work<{ failures: number }>(flaky, async (data, job) => {
      attempts.push(job.retryCount)
      if (job.retryCount < data.failures) throw new Error(`attempt ${job.retryCount + 1} fails`)
    })
    const id = await jobs.send(flaky, { failures: 2 }, { retryLimit: 2, retryDelaySeconds: 0 })
    await waitFor(async () => (await stateOf(id!)) === 'completed')
    expect(attempts).toEqual([0, 1, 2])
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/failed \(attempt 1 of 3\): attempt 1 fails/)

    // With a delay, the retry waits: its start is pushed at least retryDelaySeconds past the failed attempt's start.
    attempts.length = 0
    const delayed = await jobs.send(flaky, { failures: 1 }, { retryLimit: 1, retryDelaySeconds: 1 })
    await waitFor(async () => (await stateOf(delayed!)) === 'retry')
    const [retry] = await query<{ waits: boolean }>(
      `select start_after >= started_on + interval '1 second' as waits from pgboss.job where id = $1`,
      [delayed],
    )
    expect(retry!.waits).toBe(true)
    await waitFor(async () => (await stateOf(delayed!)) === 'completed')
    expect(attempts).toEqual([0, 1])

    // Past the limit the job fails for good: it ran 1 + retryLimit times and is no longer pending.
    attempts.length = 0
    const hopeless = await jobs.send(flaky, { failures: 99 }, { retryLimit: 1, retryDelaySeconds: 0 })
    await waitFor(async () => (await stateOf(hopeless!)) === 'failed')
    expect(attempts).toEqual([0, 1])
    expect(await jobs.pending(flaky)).toBe(0)
    expect(errors.at(-1)).toMatch(/attempt 2 of 2, the last/)
  })

  it('keeps jobs queued before a stop and runs them after the next start', async () => {
    const name = queueName('durable')
    const first = await open()
    const ids = await Promise.all([1, 2, 3].map((n) => first.send(name, { n })))
    expect(await first.pending(name)).toBe(3)
    await first.stop()

    const second = await open()
    expect(await second.pending(name)).toBe(3)
    const ran: number[] = []
    await second.work<{ n: number }>(name, async ({ n }) => {
      ran.push(n)
    })
    await waitFor(async () => (await second.pending(name)) === 0)
    expect(ran.sort()).toEqual([1, 2, 3])
    for (const id of ids) expect(await stateOf(id!)).toBe('completed')
  })

  it('stops gracefully: waits for the running handler, whose job completes', async () => {
    const name = queueName('graceful')
    const jobs = await open()
    const release = gate()
    const events: string[] = []
    let started = false
    await jobs.work(name, async () => {
      started = true
      await release.promise
      events.push('handler finished')
    })
    const id = await jobs.send(name, {})
    await waitFor(() => started)
    const stopped = jobs.stop().then(() => events.push('stopped'))
    release.open()
    await stopped
    expect(events).toEqual(['handler finished', 'stopped'])
    expect(await stateOf(id!)).toBe('completed')
  })

  it('runs again, after its expiry, a job whose process died in the middle of it', async () => {
    const name = queueName('crash')
    const sender = await open()
    const id = (await sender.send(name, { n: 1 }, { retryLimit: 1, retryDelaySeconds: 0 }))!
    if (backend === 'postgres') {
      // A real server process takes the job and is killed (SIGKILL) while running it: the job stays active.
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/jobs/crash-worker.fixture.ts'], {
        env: { ...process.env, DATABASE_URL: url, QUEUE: name },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await waitFor(() => out.includes(`started ${id}`) || child.exitCode !== null)
      expect(out).toContain(`started ${id}`)
      child.kill('SIGKILL')
      await exited
    } else {
      // Embedded PGlite lives in this one process: leave the row as a process that died mid-job leaves it.
      await query(`update pgboss.job set state = 'active', started_on = now() where id = $1`, [id])
    }
    expect(await stateOf(id)).toBe('active')
    // Stand-in for the expiry time passing (default 5 minutes): the job started an hour ago.
    await query(`update pgboss.job set started_on = started_on - interval '1 hour' where id = $1`, [id])

    const restarted = await open({ maintenanceIntervalSeconds: 1 })
    const runs: JobInfo[] = []
    await restarted.work(name, async (_data, job) => {
      runs.push(job)
    })
    await waitFor(async () => (await stateOf(id)) === 'completed')
    expect(runs).toEqual([{ id, name, retryCount: 1, retryLimit: 1 }])
  })

  it('never runs one job twice across two instances on one database (100 jobs)', async () => {
    const name = queueName('shared')
    const a = await open()
    const b = await open()
    const runs = new Map<number, string[]>()
    const handler = (instance: string) => async ({ n }: { n: number }) => {
      runs.set(n, [...(runs.get(n) ?? []), instance])
      await new Promise((r) => setImmediate(r))
    }
    await a.work(name, handler('a'), { concurrency: 4 })
    await b.work(name, handler('b'), { concurrency: 4 })
    await Promise.all(Array.from({ length: 100 }, (_, n) => (n % 2 ? a : b).send(name, { n })))
    await waitFor(async () => (await a.pending(name)) === 0)
    expect(runs.size).toBe(100)
    expect([...runs.values()].filter((by) => by.length !== 1)).toEqual([])
    const [counts] = await query<{ completed: number | string; total: number | string }>(
      `select count(*) filter (where state = 'completed') as completed, count(*) as total from pgboss.job where name = $1`,
      [name],
    )
    expect(Number(counts!.completed)).toBe(100)
    expect(Number(counts!.total)).toBe(100)
    expect(errors).toEqual([])
  })

  it('runs `concurrency` handlers at a time, defaulting to HADIR_JOB_CONCURRENCY', async () => {
    async function maxSimultaneous(jobs: JobQueue, name: string, concurrency: number | undefined, expected: number): Promise<number> {
      const release = gate()
      let active = 0
      let max = 0
      let done = 0
      await jobs.work(
        name,
        async () => {
          active++
          max = Math.max(max, active)
          await release.promise
          active--
          done++
        },
        concurrency === undefined ? {} : { concurrency },
      )
      await Promise.all(Array.from({ length: expected * 3 }, (_, n) => jobs.send(name, { n })))
      await waitFor(() => active === expected) // all slots taken...
      release.open() // ...then everything runs through them
      await waitFor(async () => done === expected * 3 && (await jobs.pending(name)) === 0)
      return max
    }

    const jobs = await open()
    expect(await maxSimultaneous(jobs, queueName('three'), 3, 3)).toBe(3)

    const saved = process.env.HADIR_JOB_CONCURRENCY
    process.env.HADIR_JOB_CONCURRENCY = '2'
    try {
      const byEnv = await open()
      expect(await maxSimultaneous(byEnv, queueName('env'), undefined, 2)).toBe(2)
    } finally {
      if (saved === undefined) delete process.env.HADIR_JOB_CONCURRENCY
      else process.env.HADIR_JOB_CONCURRENCY = saved
    }
  })

  it('looks for jobs with one worker of a queue when idle, and still takes another instance\'s backlog `concurrency` at a time', async () => {
    // Every look for a job is one call of pg-boss's Manager.prototype.fetch (one statement): counted per queue.
    const manager = createRequire(import.meta.url)('pg-boss/src/manager') as { prototype: { fetch: (this: unknown, name: string, ...rest: unknown[]) => Promise<unknown> } }
    const fetch = manager.prototype.fetch
    const looks = new Map<string, number>()
    manager.prototype.fetch = function (this: unknown, name: string, ...rest: unknown[]) {
      looks.set(name, (looks.get(name) ?? 0) + 1)
      return fetch.call(this, name, ...rest)
    }
    try {
      // The further workers look on their own only every 600 s here: the backlog below reaches them only by waking.
      const jobs = await open({ siblingPollingIntervalSeconds: 600 })

      // Idle, 4 workers: each looks once as it starts, then only the first, at most once per 0.5 s (fewer on a busy
      // machine, never more). Four workers polling every 0.5 s would have looked about 4 + 16 times.
      const idle = queueName('idle')
      await jobs.work(idle, async () => {}, { concurrency: 4 })
      await new Promise((r) => setTimeout(r, 2_000))
      expect(looks.get(idle)).toBeLessThanOrEqual(4 + 2_000 / 500 + 1)

      // Jobs sent by another instance (nothing wakes this one's workers): the first worker finds one at its next look
      // and wakes a sibling, which finds the next and wakes another: all three run at once.
      const backlog = queueName('backlog')
      const release = gate()
      let active = 0
      await jobs.work(backlog, async () => {
        active++
        await release.promise
      }, { concurrency: 3 })
      await waitFor(() => (looks.get(backlog) ?? 0) >= 3) // each worker's first look, before there was anything
      const other = await open()
      await Promise.all([1, 2, 3].map((n) => other.send(backlog, { n })))
      await waitFor(() => active === 3)
      release.open()
      await waitFor(async () => (await jobs.pending(backlog)) === 0)
      expect(errors).toEqual([])
    } finally {
      manager.prototype.fetch = fetch
    }
  })

  it('dedupes by singletonKey while a job is queued or running, not after', async () => {
    const name = queueName('singleton')
    const jobs = await open()
    const first = await jobs.send(name, { n: 1 }, { singletonKey: 'capture-7' })
    expect(first).toEqual(expect.any(String))
    expect(await jobs.send(name, { n: 2 }, { singletonKey: 'capture-7' })).toBeNull() // queued
    expect(await jobs.send(name, { n: 3 }, { singletonKey: 'capture-8' })).toEqual(expect.any(String)) // another key

    const release = gate()
    const ran: number[] = []
    await jobs.work<{ n: number }>(
      name,
      async ({ n }) => {
        ran.push(n)
        if (n === 1) await release.promise
      },
      { concurrency: 2 },
    )
    await waitFor(async () => (await stateOf(first!)) === 'active')
    expect(await jobs.send(name, { n: 4 }, { singletonKey: 'capture-7' })).toBeNull() // running
    release.open()
    await waitFor(async () => (await jobs.pending(name)) === 0)
    const again = await jobs.send(name, { n: 5 }, { singletonKey: 'capture-7' }) // finished: may run again
    expect(again).toEqual(expect.any(String))
    await waitFor(async () => (await jobs.pending(name)) === 0)
    expect(ran.sort()).toEqual([1, 3, 5])

    // Concurrent sends with one key: exactly one is queued.
    const race = queueName('race')
    const racing = await Promise.all(Array.from({ length: 10 }, (_, n) => jobs.send(race, { n }, { singletonKey: 'same' })))
    expect(racing.filter(Boolean)).toHaveLength(1)
  })

  it('is part of every test app (deps.jobs), as of the server\'s', async () => {
    const name = queueName('app')
    const got: string[] = []
    await app.deps.jobs.work<{ hello: string }>(name, async ({ hello }) => {
      got.push(hello)
    })
    await app.deps.jobs.send(name, { hello: 'world' })
    await waitFor(() => got.length === 1)
    expect(got).toEqual(['world'])
  })

  it.runIf(backend === 'postgres')('keeps working when its database connections are cut (PostgreSQL)', async () => {
    const name = queueName('cut')
    const jobs = await open({ concurrency: 2 })
    const release = gate()
    const ran: number[] = []
    let started = false
    await jobs.work<{ n: number }>(name, async ({ n }) => {
      started = true
      if (n === 1) await release.promise
      ran.push(n)
    })
    const first = await jobs.send(name, { n: 1 })
    await waitFor(() => started)
    // Every connection of the queue's pool, idle or busy, is terminated (as a database restart or failover does).
    const cut = await query<{ pid: number }>(
      `select pg_terminate_backend(pid) as pid from pg_stat_activity where application_name = 'hadir-jobs' and datname = current_database()`,
    )
    expect(cut.length).toBeGreaterThan(0)
    release.open()
    // The completion may have been lost with its connection: then the job stays active until it expires. Either way
    // the process is still up, and new jobs run on new connections.
    await jobs.send(name, { n: 2 })
    await waitFor(() => ran.includes(1) && ran.includes(2))
    expect(['completed', 'active']).toContain(await stateOf(first!))
  })

  it('lets a handler queue further jobs', async () => {
    const jobs = await open()
    const first = queueName('chain-a')
    const second = queueName('chain-b')
    const got: number[] = []
    await jobs.work<{ n: number }>(first, async ({ n }) => {
      await jobs.send(second, { n: n + 1 })
    })
    await jobs.work<{ n: number }>(second, async ({ n }) => {
      got.push(n)
    })
    await jobs.send(first, { n: 1 })
    await waitFor(() => got.length === 1)
    expect(got).toEqual([2])
    expect(errors).toEqual([])
  })
})
