import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { backend, createTestApp, lastDatabaseUrl, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { createApp } from '../app'
import { attendanceRecords, attemptCounters, scheduledRuns } from '../db/schema'
import type { runMaintenance } from '../features/attendance/maintenance'
import { runScheduledMaintenance } from '../features/attendance/maintenance'
import { AttemptLimiter, ClientLockout, LOCK_MINUTES, MAX_FAILED_ATTEMPTS, pruneAttemptCounters } from './rate-limit'

/**
 * Two server instances on one database: on PostgreSQL a second app with its own connections (another process's view);
 * on PGlite (one process) a second app over the same database. Each app has its own limiter objects, so whatever they
 * share went through the database.
 */
describe('limits and the hourly maintenance shared by two instances', () => {
  let one: TestApp
  let two: { app: ReturnType<typeof createApp>; deps: TestApp['deps']; close: () => Promise<void> }
  let a: OrgWorld
  beforeAll(async () => {
    one = await createTestApp()
    if (backend === 'postgres') {
      const other = await createTestApp({}, { databaseUrl: lastDatabaseUrl!, secret: one.deps.secret })
      two = other
    } else {
      const deps = { ...one.deps }
      two = { app: createApp(deps), deps, close: async () => {} }
    }
    a = await buildOrg(one, 'a')
  })
  afterAll(async () => {
    await two.close()
    await one.close()
  })

  const post = (app: { request: TestApp['app']['request'] }, path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  it('the sign-in allowance per client is counted across instances', async () => {
    await one.db.delete(attemptCounters) // buildOrg's sign-ins
    const tries = [one.app, two.app, one.app, two.app]
    for (const app of tries) expect((await post(app, '/api/auth/login', { email: 'nobody@example.com', password: 'wrong password 1' })).status).toBe(401)
    const [row] = await one.db.select().from(attemptCounters)
    expect(row).toMatchObject({ key: expect.stringMatching(/^rate:login:/), count: 4 })
    // The allowance (10 000 a minute in tests) used up, whichever instance counted it: both refuse.
    await one.db.update(attemptCounters).set({ count: 10_000 }).where(eq(attemptCounters.key, row!.key))
    const fifth = await post(one.app, '/api/auth/login', { email: 'nobody@example.com', password: 'wrong password 1' })
    expect(fifth.status).toBe(429)
    expect((await fifth.json()).error.code).toBe('TOO_MANY_ATTEMPTS')
    expect((await post(two.app, '/api/auth/login', { email: 'nobody@example.com', password: 'wrong password 1' })).status).toBe(429)
    await one.db.delete(attemptCounters)
  })

  it('an enrolment lockout reached on one instance holds on the other, even with 20 guesses at once over both', async () => {
    const code = (await a.admin.post(`/api/organizations/${a.id}/devices`, { name: 'Tablet by code' })).body.data.enrol_code as string
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? one.app : two.app, '/api/devices/enrol', { code: `WRONG${i}CODE` })))
    const statuses = replies.map((r) => r.status)
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - MAX_FAILED_ATTEMPTS + 1)
    for (const app of [one.app, two.app]) {
      const right = await post(app, '/api/devices/enrol', { code })
      expect(right.status).toBe(429)
      expect((await right.json()).error.code).toBe('ENROL_LOCKED')
    }
    await one.db.delete(attemptCounters)
  })

  it('limiter and lockout semantics, with the clock given: windows pass, locks end, a success clears the count', async () => {
    const limiter = new AttemptLimiter(one.db, 3)
    const other = new AttemptLimiter(two.deps.database.db, 3)
    const t0 = new Date('2026-12-01T08:00:00Z')
    const at = (ms: number) => new Date(t0.getTime() + ms)
    await limiter.hit('ip', at(0))
    await other.hit('ip', at(1))
    await limiter.hit('ip', at(2))
    await expect(other.hit('ip', at(10))).rejects.toMatchObject({ status: 429, details: { retry_after_seconds: 60 } })
    await limiter.hit('other-ip', at(10))
    await other.hit('ip', at(60_001))

    const lockout = new ClientLockout(one.db, 'ENROL_LOCKED')
    const lockout2 = new ClientLockout(two.deps.database.db, 'ENROL_LOCKED')
    for (let i = 0; i < MAX_FAILED_ATTEMPTS - 1; i++) {
      const attempt = await (i % 2 ? lockout2 : lockout).claim('c', at(i))
      await attempt.failed()
    }
    const ok = await lockout.claim('c', at(10))
    await ok.succeeded() // a right answer before the limit: the count starts again
    for (let i = 0; i < MAX_FAILED_ATTEMPTS - 1; i++) await (await lockout2.claim('c', at(20 + i))).failed()
    const last = await lockout.claim('c', at(30))
    await expect(last.failed()).rejects.toMatchObject({ status: 429, code: 'ENROL_LOCKED' })
    await expect(lockout2.claim('c', at(40))).rejects.toMatchObject({ code: 'ENROL_LOCKED', details: { retry_after_seconds: LOCK_MINUTES * 60 } })
    const after = await lockout2.claim('c', at(30 + LOCK_MINUTES * 60_000 + 1))
    await after.succeeded()
    // Old counters are pruned by the maintenance; a running lock is kept.
    await (await lockout.claim('d', at(0))).failed()
    expect(await pruneAttemptCounters(one.db, at(2 * 24 * 3600_000))).toBeGreaterThanOrEqual(3)
    expect(await one.db.select().from(attemptCounters)).toEqual([])
  })

  it('the hourly maintenance runs once across instances: the first to claim the hour runs it, the other skips', async () => {
    await one.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-20', checkInTime: '07:50:00', status: 'present', source: 'mobile' })
    const now = new Date('2026-11-23T05:00:00Z')
    const runs = await Promise.all([runScheduledMaintenance(one.deps, now), runScheduledMaintenance(two.deps, now)])
    expect(runs.filter((r) => r.ran)).toHaveLength(1)
    const ran = runs.find((r) => r.ran) as { ran: true; result: Awaited<ReturnType<typeof runMaintenance>> }
    expect(ran.result.closed).toBe(1)
    // Later in the same hour, at either instance: skipped.
    const later = new Date(now.getTime() + 30 * 60_000)
    expect(await runScheduledMaintenance(two.deps, later)).toEqual({ ran: false })
    expect(await runScheduledMaintenance(one.deps, later)).toEqual({ ran: false })
    // The next hour: one of them again.
    const next = new Date(now.getTime() + 60 * 60_000)
    const again = await Promise.all([runScheduledMaintenance(two.deps, next), runScheduledMaintenance(one.deps, next)])
    expect(again.filter((r) => r.ran)).toHaveLength(1)
    const [row] = await one.db.select().from(scheduledRuns).where(eq(scheduledRuns.name, 'maintenance'))
    expect(row!.startedAt.toISOString()).toBe(next.toISOString())
    expect(row!.finishedAt).not.toBeNull()
  })

  it('a failed run gives the hour back: the next tick of any instance runs it', async () => {
    const { runOnceAcrossInstances } = await import('../jobs/once')
    const now = new Date('2026-12-02T00:00:00Z')
    await expect(runOnceAcrossInstances(one.db, 'flaky', 3600_000, async () => {
      throw new Error('database hiccup')
    }, now)).rejects.toThrow(/hiccup/)
    expect(await runOnceAcrossInstances(two.deps.database.db, 'flaky', 3600_000, async () => 7, new Date(now.getTime() + 1000))).toEqual({ ran: true, result: 7 })
  })
})
