import { DEFAULT_FACE_THRESHOLD } from '../../../shared/face/match'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'

const valid = {
  organization: { name: 'SMA Negeri 1 Bandung', timezone: 'Asia/Jakarta', work_start_time: '07:00', late_tolerance_minutes: 10 },
  admin: { name: 'Ibu Sari', email: 'Sari@Example.com', password: 'rahasia-123' },
}

async function counts(t: TestApp) {
  const rows = await t.db.execute<{ orgs: number; users: number }>(
    sql`select (select count(*)::int from organizations) as orgs, (select count(*)::int from users) as users`,
  )
  return (Array.isArray(rows) ? rows[0] : (rows as unknown as { rows: unknown[] }).rows[0]) as { orgs: number; users: number }
}

describe('setup wizard', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())

  it('reports that setup is needed on an empty database', async () => {
    const res = await t.agent().get('/api/setup/status')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ success: true, data: { needs_setup: true } })
  })

  it('refuses invalid input with 422, field details, and writes nothing', async () => {
    const bad = await t.agent().post('/api/setup', {
      organization: { name: '', timezone: 'Mars/Olympus', work_start_time: '25:00', late_tolerance_minutes: -1 },
      admin: { name: 'X', email: 'not-an-email', password: 'short' },
    })
    expect(bad.status).toBe(422)
    expect(bad.body.error.code).toBe('VALIDATION_FAILED')
    const paths = bad.body.error.details.map((d: { path: string }) => d.path)
    expect(paths).toEqual(
      expect.arrayContaining(['organization.name', 'organization.timezone', 'organization.work_start_time', 'organization.late_tolerance_minutes', 'admin.email', 'admin.password']),
    )
    expect(bad.body.error.details.find((d: { path: string }) => d.path === 'admin.password')).toMatchObject({ code: 'too_small', minimum: 8 })
    const malformed = await t.agent().request('POST', '/api/setup', '{"organization":', { 'content-type': 'application/json' })
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.code).toBe('MALFORMED_JSON')
    const form = await t.agent().request('POST', '/api/setup', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(form.status).toBe(415)
    expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    expect(await counts(t)).toEqual({ orgs: 0, users: 0 })
  })

  it('creates the first organization and admin, with defaults, exactly once', async () => {
    const res = await t.agent().post('/api/setup', valid)
    expect(res.status).toBe(201)
    expect(res.body.data).toMatchObject({ organization_id: expect.any(Number), user_id: expect.any(Number) })
    expect((await t.agent().get('/api/setup/status')).body.data.needs_setup).toBe(false)

    const again = await t.agent().post('/api/setup', { ...valid, admin: { ...valid.admin, email: 'other@example.com' } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('SETUP_DONE')
    expect(await counts(t)).toEqual({ orgs: 1, users: 1 })

    // The admin can sign in (email is case-insensitive) and the organization carries the wizard's values.
    const admin = t.agent()
    expect((await admin.post('/api/auth/login', { email: 'sari@example.com', password: 'rahasia-123' })).status).toBe(200)
    const me = await admin.post('/api/auth/select', { organization_id: res.body.data.organization_id })
    expect(me.body.data.active.role.key).toBe('admin')
    const org = await admin.get(`/api/organizations/${res.body.data.organization_id}`)
    expect(org.body.data).toMatchObject({ name: valid.organization.name, timezone: 'Asia/Jakarta', work_start_time: '07:00', work_end_time: '16:00', late_tolerance_minutes: 10 })
    expect(org.body.data.settings.face_threshold).toBe(DEFAULT_FACE_THRESHOLD)
  })
})

describe('setup wizard under concurrency', () => {
  it('lets exactly one of several simultaneous wizards win', async () => {
    const t = await createTestApp()
    try {
      const results = await Promise.all(
        [1, 2, 3].map((i) => t.agent().post('/api/setup', { ...valid, admin: { ...valid.admin, email: `admin${i}@example.com` } })),
      )
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409])
      expect(await counts(t)).toEqual({ orgs: 1, users: 1 })
    } finally {
      await t.close()
    }
  })
})

describe('cross-site requests', () => {
  it('refuses a state change that a browser marks as cross-site, and accepts same-origin ones', async () => {
    const t = await createTestApp()
    try {
      const body = JSON.stringify(valid)
      const evil = await t.agent().request('POST', '/api/setup', body, { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site', 'origin': 'https://evil.example' })
      expect(evil.status).toBe(403)
      expect(evil.body.error.code).toBe('CROSS_SITE_REQUEST')
      const evilOrigin = await t.agent().request('POST', '/api/setup', body, { 'content-type': 'application/json', 'origin': 'https://evil.example', 'host': 'hadir.example' })
      expect(evilOrigin.status).toBe(403)
      expect(await counts(t)).toEqual({ orgs: 0, users: 0 })
      // A foreign Origin is refused even when Sec-Fetch-Site claims same-origin.
      const lying = await t.agent().request('POST', '/api/setup', body, { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', 'origin': 'https://evil.example', 'host': 'hadir.example' })
      expect(lying.status).toBe(403)
      const same = await t.agent().request('POST', '/api/setup', body, { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', 'origin': 'https://hadir.example', 'host': 'hadir.example' })
      expect(same.status).toBe(201)
    } finally {
      await t.close()
    }
  })
})
