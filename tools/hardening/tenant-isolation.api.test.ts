import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTestApp, type TestApp } from '../test-support/harness'
import { uuidv7 } from '../../shared/attendance/uuidv7'
import {
  agentOf,
  apiRoutes,
  buildWorld,
  call,
  CALLERS,
  crossTenantReferences,
  emptyTenantTables,
  expectedOther,
  expectedOwn,
  leakIn,
  readableText,
  resolvePath,
  richQueries,
  routesInSafeOrder,
  snapshot,
  snapshotDiff,
  tenantTables,
  type Expectation,
  type Reply,
  type RichOrg,
  type World,
} from './world'
import { arbitraryFor, encode } from './fuzz'

/**
 * Issue 6, item 1: two organizations with data in every tenant table; every API route (read from the app) x every
 * caller x (own organization, the other one): the expected status, and never a byte of the other organization in
 * any answer — JSON, exports, event streams, photos. Row-level security is not assumed: this is the application's
 * own scoping, tested from the outside.
 */
describe('tenant isolation', () => {
  let t: TestApp
  let w: World
  beforeAll(async () => {
    t = await createTestApp()
    w = await buildWorld(t)
  })
  afterAll(() => t?.close())

  /** B's member syncs a capture (its remarks carry B's marker) while one of A's event streams is open. */
  const bActivity = (b: RichOrg) => async () => {
    await call(t, b.member, 'POST', '/api/attendance/sync', {
      device_id: 'phone-b',
      sent_at: new Date().toISOString(),
      records: [{ client_id: uuidv7(), member_id: b.memberId, kind: 'check_in', captured_at: new Date().toISOString(), remarks: `Live ${b.marker}` }],
    })
  }

  function matches(reply: Reply, expected: Expectation): boolean {
    if (reply.status >= 500) return false
    if (expected === 'allowed') return reply.status !== 401 && reply.status !== 403
    // A body checked before the row is looked up is refused without touching the row: as good as "not found".
    const invalidBody = reply.status === 422 && reply.json?.error?.code === 'VALIDATION_FAILED'
    if (expected === 'denied') return reply.status === 403 || reply.status === 404 || invalidBody
    if (expected === 404) return reply.status === 404 || invalidBody
    return reply.status === expected
  }

  it('has rows of both organizations in every tenant table (a new table must be seeded here too)', async () => {
    expect((await tenantTables(t)).size).toBeGreaterThan(15)
    expect(await emptyTenantTables(t, w.a.id)).toEqual([])
    expect(await emptyTenantTables(t, w.b.id)).toEqual([])
    expect(await crossTenantReferences(t)).toEqual([])
  })

  it('answers every route, for every caller, with the expected status and nothing of the other organization', async () => {
    const { a, b } = w
    const failures: string[] = []
    let bBefore = await snapshot(t, b.id)
    let calls = 0
    let streams = 0
    const seenOwn = new Set<string>()
    // Every path resolved before anything is deleted.
    for (const route of apiRoutes(t.app)) for (const org of [a, b]) await resolvePath(w, route.path, org)
    for (const route of routesInSafeOrder(t.app)) {
      const mutating = route.method !== 'GET'
      for (const caller of CALLERS) {
        // Public routes that change state (sign-in, logout, setup) are called anonymously only; the agents stay signed in.
        if (route.access.kind === 'public' && mutating && caller !== 'anonymous') continue
        for (const target of ['own', 'other'] as const) {
          const expected = target === 'own' ? expectedOwn(route.access, caller, route.path) : expectedOther(route, caller)
          if (expected === null) continue
          const org = target === 'own' ? a : b
          const path = await resolvePath(w, route.path, org)
          // Aimed at B, a mutating call carries a schema-valid body, so that it gets past validation to the lookup.
          const json = route.validations.find((v) => v.target === 'json')?.schema
          const body = !mutating ? undefined : target === 'other' && json ? fc.sample(arbitraryFor(json, { valid: true }), { numRuns: 1, seed: 7 })[0] : {}
          const reply = await call(t, agentOf(w, a, caller), route.method, path, body, { whileStreaming: bActivity(b) })
          calls++
          if (!matches(reply, expected)) failures.push(`${route.method} ${route.path} as ${caller} (${target}: ${path}): expected ${expected}, got ${reply.status} ${reply.text.slice(0, 160)}`)
          const leak = leakIn(reply, b)
          if (leak) failures.push(`${route.method} ${path} as ${caller} of A leaks B: ${leak}`)
          // Reads that A may make: also with the world's dates and every export format.
          if (target === 'own' && route.method === 'GET' && expected === 'allowed') {
            for (const q of richQueries(route).slice(1)) {
              const more = await call(t, agentOf(w, a, caller), 'GET', path + q)
              calls++
              if (more.status >= 500 || more.status === 401 || more.status === 403) failures.push(`GET ${path + q} as ${caller} -> ${more.status}`)
              if (readableText(more).includes(a.marker)) seenOwn.add(route.path)
              const moreLeak = leakIn(more, b)
              if (moreLeak) failures.push(`GET ${path + q} as ${caller} of A leaks B: ${moreLeak}`)
            }
          }
          if (reply.streamed) {
            streams++
            bBefore = await snapshot(t, b.id) // B itself wrote while the stream was open
          }
        }
      }
    }
    expect(failures).toEqual([])
    expect(calls).toBeGreaterThan(300)
    // The exports were really read (unzipped): A's own data shows in each of them.
    const exports = apiRoutes(t.app).filter((r) => r.method === 'GET' && /export/.test(r.path) && r.access.kind !== 'public')
    expect(exports.filter((r) => !seenOwn.has(r.path)).map((r) => r.path)).toEqual([])
    // Event streams were really read (while B was syncing), not refused.
    if (apiRoutes(t.app).some((r) => r.path.endsWith('/stream'))) expect(streams).toBeGreaterThan(0)
    // Nothing A's people did touched a row of B.
    expect(snapshotDiff(bBefore, await snapshot(t, b.id))).toEqual([])
  })

  it('streams its own organization\'s live events and none of the other\'s', async () => {
    const { a, b } = w
    const stream = apiRoutes(t.app).find((r) => r.method === 'GET' && r.path.endsWith('/stream'))
    if (!stream) return
    const both = async () => {
      await sleep(100)
      await bActivity(b)()
      await call(t, a.member, 'POST', '/api/attendance/sync', {
        device_id: 'phone-a',
        sent_at: new Date().toISOString(),
        records: [{ client_id: uuidv7(), member_id: a.memberId, kind: 'check_out', captured_at: new Date().toISOString(), remarks: `Live ${a.marker}` }],
      })
      // And a change made on the dashboard (published whatever the sync path does).
      await call(t, a.admin, 'POST', `/api/organizations/${a.id}/attendance`, { member_id: a.petugasId, attendance_date: '2026-11-10', status: 'excused', reason: `Izin ${a.marker}` })
    }
    const reply = await call(t, a.admin, 'GET', await resolvePath(w, stream.path, a), undefined, { streamMs: 2500, whileStreaming: both })
    expect(reply.streamed).toBe(true)
    expect(reply.text).toMatch(/event: ?attendance/)
    expect(leakIn(reply, b)).toBeNull()
  })

  it('refuses bodies and queries that name the other organization\'s rows, and never links A\'s rows to B\'s', async () => {
    const { a, b } = w
    // Every id-like field set to B's row of that kind.
    const bIds: Record<string, number> = {
      organization_id: b.id,
      member_id: b.victimId,
      organization_member_id: b.victimId,
      department_id: b.departmentId,
      position_id: b.positionId,
      location_id: b.locationId,
      work_schedule_id: b.scheduleId,
      schedule_id: b.scheduleId,
      role_id: b.customRoleId,
      record_id: b.recordId,
      attendance_record_id: b.recordId,
      recorded_by: b.petugasId,
      leave_request_id: b.leaveId,
      request_id: b.leaveId,
      import_job_id: b.importJobId,
      job_id: b.importJobId,
      device_id: b.spareDeviceId,
    }
    const withB = (value: unknown, key = ''): unknown => {
      if (Array.isArray(value)) return value.map((v) => withB(v, key))
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withB(v, k)]))
      if (typeof value === 'number' && key in bIds) return bIds[key]
      if (key.endsWith('_ids')) return [bIds[key.replace(/s$/, '')] ?? b.victimId]
      return value
    }
    const bBefore = await snapshot(t, b.id)
    const failures: string[] = []
    let seed = 1
    for (const route of routesInSafeOrder(t.app)) {
      if (route.access.kind === 'public') continue
      const caller = (['admin', 'petugas', 'member', 'support'] as const).find((c) => expectedOwn(route.access, c) === 'allowed')
      if (!caller) continue
      const json = route.validations.find((v) => v.target === 'json')?.schema
      const query = route.validations.find((v) => v.target === 'query')?.schema
      if (!json && !query) continue
      const path = await resolvePath(w, route.path, a)
      for (const sample of fc.sample(fc.tuple(json ? arbitraryFor(json, { valid: true }) : fc.constant(undefined), query ? arbitraryFor(query, { valid: true, asStrings: true }) : fc.constant({})), { numRuns: 3, seed: seed++ })) {
        const [body, q] = sample as [unknown, Record<string, unknown>]
        const qs = Object.entries(withB(q) as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${encode(String(v))}`)
          .join('&')
        const bodyB = route.path === '/api/attendance/sync'
          ? { device_id: 'x', sent_at: new Date().toISOString(), records: [{ client_id: uuidv7(), member_id: b.victimId, kind: 'check_in', captured_at: new Date().toISOString(), location_id: b.locationId }] }
          : withB(body)
        const reply = await call(t, a[caller], route.method, qs ? `${path}?${qs}` : path, route.method === 'GET' ? undefined : bodyB)
        if (reply.status >= 500) failures.push(`${route.method} ${route.path} as ${caller} with B's ids -> ${reply.status} ${reply.text.slice(0, 160)}`)
        const leak = leakIn(reply, b)
        if (leak) failures.push(`${route.method} ${route.path} as ${caller} with B's ids leaks B: ${leak}`)
      }
      await call(t, a.admin, 'POST', '/api/auth/select', { organization_id: a.id })
    }
    expect(failures).toEqual([])
    expect(snapshotDiff(bBefore, await snapshot(t, b.id))).toEqual([])
    expect(await crossTenantReferences(t)).toEqual([])

    // And after all that, every read of A's shows nothing of B's.
    for (const route of apiRoutes(t.app).filter((r) => r.method === 'GET' && r.access.kind !== 'public')) {
      for (const caller of ['admin', 'support', 'manager', 'member', 'petugas'] as const) {
        if (expectedOwn(route.access, caller) !== 'allowed') continue
        for (const q of richQueries(route)) {
          const reply = await call(t, agentOf(w, a, caller), 'GET', (await resolvePath(w, route.path, a)) + q)
          const leak = leakIn(reply, b)
          if (leak) failures.push(`${route.path}${q} as ${caller} of A after the cross-organization bodies: ${leak}`)
        }
      }
    }
    expect(failures).toEqual([])
  })
})
