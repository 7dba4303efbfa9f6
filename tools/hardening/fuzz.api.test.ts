import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../test-support/harness'
import { uuidv7 } from '../../shared/attendance/uuidv7'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { buildWorld, call, colourJpeg, LOG_OF_REFUSALS, rowsOf, snapshot, snapshotDiff, type World } from './world'
import { boundaryRoutes, fuzzRoutes, raceRoutes } from './fuzz'

/**
 * Issue 6, item 2 (quick size; `npm run -s test:stress` runs it at full size): every route of the app fuzzed from its
 * own zod schemas and with junk — zero 5xx, zero writes on a refusal; oversized bodies and images 413; non-images
 * 415/422; SQL and HTML in text fields stored as they are and answered inert.
 */
describe('hostile input', () => {
  let t: TestApp
  let w: World
  beforeAll(async () => {
    t = await createTestApp()
    w = await buildWorld(t)
  })
  afterAll(() => t?.close())

  it('fuzzes every route from its schema and with junk: no 5xx, no write on refusal, no prototype pollution', async () => {
    const seed = Number(process.env.HADIR_FUZZ_SEED ?? 20261124)
    const stats = await fuzzRoutes(w, { runsPerRoute: Number(process.env.HADIR_FUZZ_RUNS ?? 3), seed })
    console.log(`fuzz: ${stats.cases} requests over ${stats.byRoute.size} routes (seed ${seed}): ${stats.fiveXX} 5xx, ${stats.writesOnReject} writes on refusal`)
    expect(stats.failures, `seed ${seed}`).toEqual([])
    expect(stats.fiveXX).toBe(0)
    expect(stats.writesOnReject).toBe(0)
    expect(stats.pollution).toBe(0)
    expect(stats.byRoute.size).toBeGreaterThan(50)
  })

  it('draws the boundaries of what PostgreSQL stores in every field of every route (query, path, body, each sync record field): no 5xx, nothing written on a refusal', async () => {
    // Issue 13 item 8: year-0 dates, 2^31 ids, underflowing reals, texts one over their limit... derived from each
    // route's schema. npm test sends the core values of each field; HADIR_FUZZ_BOUNDARIES=all (and test:stress) all.
    const size = process.env.HADIR_FUZZ_BOUNDARIES === 'all' ? 'all' : 'core'
    const stats = await boundaryRoutes(w, { size, seed: 13, log: process.env.HADIR_FUZZ_LOG ? (s) => console.log(s) : undefined })
    console.log(`boundaries (${size}): ${stats.cases} requests over ${stats.byRoute.size} routes, ${stats.fields.param} path, ${stats.fields.query} query and ${stats.fields.json} body fields: ${stats.fiveXX} 5xx, ${stats.writesOnReject} writes on refusal`)
    expect(stats.failures).toEqual([])
    expect(stats.fiveXX).toBe(0)
    expect(stats.writesOnReject).toBe(0)
    expect(stats.badErrorShape).toBe(0)
    expect(stats.pollution).toBe(0)
    expect(stats.fields.json + stats.fields.query + stats.fields.param).toBeGreaterThan(200)
  })

  it('answers the outsider\'s five 500s of issue 13 with a 4xx or a rejected record, and writes nothing', async () => {
    const { a } = w
    const before = await snapshot(t)
    const list = await call(t, a.admin, 'GET', `/api/organizations/${a.id}/attendance?start_date=0000-01-01`)
    expect(list.status, list.text).toBe(422)
    expect(list.json.error.details[0]).toMatchObject({ path: 'start_date' })
    const submit = await call(t, a.member, 'POST', '/api/attendance/submit', { organization_id: a.id, client_id: uuidv7(), kind: 'check_in', captured_at: '0001-01-01T00:00:00Z' })
    expect(submit.status, submit.text).toBe(422)
    expect(submit.json.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'captured_at' })] })
    for (const bad of [{ captured_at: '0001-01-01T00:00:00Z' }, { member_id: 2_147_483_648 }]) {
      const batch = { device_id: 'outsider', sent_at: new Date().toISOString(), records: [{ client_id: uuidv7(), member_id: a.memberId, kind: 'check_in', captured_at: new Date().toISOString(), ...bad }] }
      // Twice: the device's retry gets the same answer, never a 500 that would hold its outbox.
      for (let i = 0; i < 2; i++) {
        const res = await call(t, a.member, 'POST', '/api/attendance/sync', batch)
        expect(res.status, res.text).toBe(200)
        expect(res.json.data.results[0]).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED', reason: expect.stringMatching(new RegExp(`^${Object.keys(bad)[0]}:`)) })
      }
    }
    expect(snapshotDiff(before, await snapshot(t), LOG_OF_REFUSALS)).toEqual([])
  })

  it('answers the same request sent several times at once without a 5xx (unique checks that race)', async () => {
    const race = await raceRoutes(w, { copies: 4, seed: 99 })
    // Found by this test and reported (areas of other engineers): a check-then-insert without a lock, so the
    // unique index answers instead, as a 500. Remove a line here once its route answers 409.
    // Fixed by mapping a unique violation (23505) to 409 in app.onError; add a route here only with a reason.
    const KNOWN_RACES: string[] = []
    const unknown = race.failures.filter((f) => !KNOWN_RACES.some((k) => f.startsWith(k)))
    if (race.failures.length > unknown.length) console.warn(`known races still open:\n${[...new Set(race.failures.filter((f) => !unknown.includes(f)).map((f) => f.split(' ->')[0]))].join('\n')}`)
    expect(unknown).toEqual([])
    expect(race.cases).toBeGreaterThan(100)
  })

  it('answers 413 to bodies over each limit, before reading them whole, and writes nothing', async () => {
    const { a } = w
    const before = await snapshot(t)
    const big = (bytes: number) => `{"name":"${'x'.repeat(bytes)}"}`
    const cases: [string, string, number][] = [
      ['POST', `/api/organizations/${a.id}/departments`, 1024 * 1024 + 10],
      ['POST', `/api/members/${a.memberId}/face/register`, 4 * 1024 * 1024 + 10],
      ['POST', '/api/attendance/sync', 16 * 1024 * 1024 + 10],
      ['POST', '/api/auth/login', 1024 * 1024 + 10],
    ]
    for (const [method, path, size] of cases) {
      const agent = path.includes('/face/') || path.includes('/attendance/') ? a.member : path.includes('/auth/') ? null : a.admin
      const reply = await call(t, agent, method, path, undefined, { raw: big(size), headers: { 'content-type': 'application/json' } })
      expect(reply.status, `${path} with ${size} bytes`).toBe(413)
      expect(reply.json.error.code).toBe('PAYLOAD_TOO_LARGE')
    }
    // A sync batch of more than 100 records is refused as a whole.
    const many = Array.from({ length: 101 }, () => ({ client_id: uuidv7(), member_id: a.memberId, kind: 'check_in', captured_at: new Date().toISOString() }))
    const batch = await call(t, a.member, 'POST', '/api/attendance/sync', { device_id: 'd', sent_at: new Date().toISOString(), records: many })
    expect(batch.status).toBe(413)
    expect(snapshotDiff(before, await snapshot(t))).toEqual([])
  })

  it('refuses photos that are too large (413) or not images (415/422), alone or inside a sync batch', async () => {
    const { a } = w
    // (The fuzzing above may have withdrawn this member's consent, and set the organization to refuse captures without
    // a place, which is checked before the photo: give the consent again and put the place rule back.)
    await call(t, a.member, 'POST', `/api/members/${a.memberId}/face/consent`, { version: CONSENT_VERSION })
    expect((await call(t, a.admin, 'PATCH', `/api/organizations/${a.id}/settings`, { geofence_policy: 'flag' })).status).toBe(200)
    const before = await snapshot(t)
    // Registration takes the evidence of a challenge (its frames are checked after the photo's size and type).
    const evidence = { mode: 'offline', steps: ['turn_left'], frames: [0, 1, 2].map((i) => ({ t: i * 100, image: 'A'.repeat(64) })) }
    const register = (face_image: string) => call(t, a.member, 'PUT', `/api/members/${a.memberId}/face/update`, { evidence, face_image })
    const huge = Buffer.alloc(2 * 1024 * 1024 + 100, 0xFF).toString('base64')
    const tooBig = await register(huge)
    expect(tooBig.status).toBe(413)
    // Not an image: text, a PDF header, an SVG (script-capable), a truncated JPEG, not base64 at all.
    for (const body of [Buffer.from('hello, not a photo').toString('base64'), Buffer.from('%PDF-1.4\n%âãÏÓ').toString('base64'), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').toString('base64'), (await colourJpeg(1, 2, 3)).subarray(0, 40).toString('base64'), '###not base64###']) {
      const reply = await call(t, a.member, 'POST', '/api/attendance/submit', {
        organization_id: a.id,
        client_id: uuidv7(),
        kind: 'check_in',
        captured_at: new Date().toISOString(),
        face_image: body,
      })
      expect([415, 422], reply.text).toContain(reply.status)
      expect(['NOT_AN_IMAGE', 'NOT_BASE64']).toContain(reply.json.error.code)
    }
    const synced = await call(t, a.member, 'POST', '/api/attendance/sync', {
      device_id: 'd',
      sent_at: new Date().toISOString(),
      records: [{ client_id: uuidv7(), member_id: a.memberId, kind: 'check_in', captured_at: new Date().toISOString(), face_image: Buffer.from('GIF89a not really').toString('base64') }],
    })
    expect(synced.status).toBe(200)
    expect(synced.json.data.results[0]).toMatchObject({ status: 'rejected', code: 'NOT_AN_IMAGE' })
    // The refused sync writes only its sync log, never a record or event.
    expect(snapshotDiff(before, await snapshot(t), LOG_OF_REFUSALS)).toEqual([])
  })

  it('stores SQL and HTML in text fields as plain text and answers it inert (JSON, nosniff)', async () => {
    const { a } = w
    const evil = `<img src=x onerror=alert(1)><script>alert(2)</script>'); DROP TABLE users; --`
    const created = await call(t, a.admin, 'POST', `/api/organizations/${a.id}/members`, { name: evil, member_number: `'; DELETE FROM organization_members; --`, role: 'member' })
    expect(created.status).toBe(201)
    const read = await call(t, a.admin, 'GET', `/api/organizations/${a.id}/members/${created.json.data.id}`)
    expect(read.json.data.name).toBe(evil)
    expect(read.json.data.member_number).toBe(`'; DELETE FROM organization_members; --`)
    expect(read.headers.get('content-type')).toMatch(/^application\/json/)
    expect(read.headers.get('x-content-type-options')).toBe('nosniff')
    expect(read.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    const search = await call(t, a.admin, 'GET', `/api/organizations/${a.id}/members?q=${encodeURIComponent('%\' OR 1=1 --')}`)
    expect(search.status).toBe(200)
    expect(search.json.data.total).toBe(0)
    // The tables are all still there, and the other members too.
    const users = rowsOf(await t.db.execute(sql`select count(*)::int as n from users`))[0]!.n as number
    expect(users).toBeGreaterThan(10)
  })
})
