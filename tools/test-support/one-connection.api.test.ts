// The guard of ./one-connection.ts: what it stands for on PGlite (a statement outside an open transaction waits for
// it), and that on PostgreSQL it fails such a statement, while the transaction's own handle and statements after the
// commit pass.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backend, createTestApp, type TestApp } from './harness'
import { OneConnectionError, takeOneConnectionViolations } from './one-connection'

let app: TestApp

/** The guard's error, as thrown or as the cause drizzle wraps it in ("Failed query: ..."). */
const guarded = (error: unknown) => error instanceof OneConnectionError || (error instanceof Error && error.cause instanceof OneConnectionError)

beforeAll(async () => {
  app = await createTestApp()
})

afterAll(async () => {
  await app.close()
})

// One describe or the other, not a skipped one: each backend has its own half.
if (backend === 'pglite') {
  describe('the embedded database, one connection', () => {
    it('runs a statement sent outside an open transaction only once that transaction has ended', async () => {
      const order: string[] = []
      let outside: Promise<unknown> | undefined
      await app.db.transaction(async (tx) => {
        outside = app.db.execute(sql`select 1`).then(() => order.push('outside'))
        for (let i = 0; i < 5; i++) await tx.execute(sql`select ${i}`)
        order.push('transaction done')
      })
      await outside
      // Had the transaction awaited the outside statement, it would have waited forever.
      expect(order).toEqual(['transaction done', 'outside'])
    })
  })
} else {
  describe('the guard on PostgreSQL', () => {
    it('fails a statement sent through the database while a transaction of the same request is open', async () => {
      const attempt = app.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`)
        await app.db.execute(sql`select 2`)
      })
      await expect(attempt).rejects.toSatisfy(guarded)
      // Recorded too (so a route that catches the error still fails its test): taken here, as this test means it.
      expect(takeOneConnectionViolations()).toHaveLength(1)
    })

    it('fails a transaction opened through the database inside another one', async () => {
      const attempt = app.db.transaction(async () => {
        await app.db.transaction(async (inner) => inner.execute(sql`select 1`))
      })
      await expect(attempt).rejects.toSatisfy(guarded)
      expect(takeOneConnectionViolations()).toHaveLength(1)
    })

    it('fails a job sent through the queue inside a transaction, not after its commit', async () => {
      const attempt = app.db.transaction(async () => {
        await app.deps.jobs.send('one-connection-guard', { n: 1 })
      })
      await expect(attempt).rejects.toSatisfy(guarded)
      expect(takeOneConnectionViolations().length).toBeGreaterThan(0)
    })

    it('lets the transaction\'s own handle, nested savepoints and statements after the commit through', async () => {
      let committed!: () => void
      const afterCommit = new Promise<void>((resolve) => (committed = resolve))
      let later: Promise<unknown> | undefined
      const rows = await app.db.transaction(async (tx) => {
        await tx.transaction(async (savepoint) => savepoint.execute(sql`select 1`))
        // Started inside the transaction, sent once it has ended: fine on PGlite too.
        later = afterCommit.then(() => app.db.execute(sql`select 3 as n`))
        return tx.execute(sql`select 2 as n`)
      })
      committed()
      expect(rows).toHaveLength(1)
      await expect(later).resolves.toHaveLength(1)
      expect(takeOneConnectionViolations()).toEqual([])
    })
  })
}
