import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { eq } from 'drizzle-orm'
import { createTestApp, type Agent, type TestApp } from '../test-support/harness'
import { buildOrg, PASSWORD, PIN, type OrgWorld } from '../test-support/fixtures'
import { organizationMembers, sessions, users } from '../../server/db/schema'
import { hashToken } from '../../server/auth/crypto'
import { LOCK_MINUTES, MAX_FAILED_ATTEMPTS } from '../../server/auth/rate-limit'
import { apiRoutes, call, colourJpeg, snapshot, snapshotDiff } from './world'

/** A face sign-in's evidence that can never pass: online, naming a challenge nobody issued (no analysis is needed). */
async function unissuedEvidence() {
  const frame = (await colourJpeg(120, 110, 100, 64)).toString('base64')
  return { challenge_id: crypto.randomUUID(), mode: 'online', steps: ['turn_left'], frames: [0, 700, 1400].map((t) => ({ t, image: frame })) }
}

/**
 * Issue 6, item 5: brute force (lockout per account, limit per client), sessions (fixation, logout, revocation),
 * cookies (HttpOnly, SameSite, Secure + __Host- in production), CSRF on every state-changing route, security headers.
 */
describe('authentication and sessions', () => {
  let t: TestApp
  let a: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
  })
  afterAll(() => t?.close())

  const statuses = (replies: { status: number }[]) => replies.map((r) => r.status).sort()

  it('locks an account after 5 wrong passwords even when 20 guesses arrive at once', async () => {
    const email = a.emails.manager
    const replies = await Promise.all(Array.from({ length: 20 }, () => t.agent().post('/api/auth/login', { email, password: 'not-the-password' })))
    // At most MAX_FAILED_ATTEMPTS passwords were checked; every other guess was refused unchecked.
    expect(statuses(replies).filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1)
    expect(statuses(replies).filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - MAX_FAILED_ATTEMPTS + 1)
    const right = await t.agent().post('/api/auth/login', { email, password: PASSWORD })
    expect(right.status).toBe(429)
    expect(right.body.error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retry_after_seconds: expect.any(Number) } })
    await t.db.update(users).set({ lockedUntil: new Date(Date.now() - 1000) }).where(eq(users.email, email))
    expect((await t.agent().post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200)
  })

  it('locks a PIN after 5 wrong tries even when 20 arrive at once, and face sign-in misses count too', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: String(100000 + i * 7919) })))
    expect(statuses(replies).filter((s) => s === 401).length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1)
    const right = await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED')
    await t.db.update(organizationMembers).set({ pinLockedUntil: null, failedPins: 0 }).where(eq(organizationMembers.id, a.memberId))
    // Face sign-in: five misses lock the same account.
    const evidence = await unissuedEvidence()
    const misses: number[] = []
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) misses.push((await t.agent().post('/api/mobile/login/face', { organization_id: a.id, member_id: a.memberId, evidence })).status)
    // Each miss refused as a face not recognised, until the one that locks the account.
    expect(misses.slice(0, MAX_FAILED_ATTEMPTS - 1)).toEqual(Array.from({ length: MAX_FAILED_ATTEMPTS - 1 }).fill(401))
    expect((await t.agent().post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).body.error.code).toBe('ACCOUNT_LOCKED')
    await t.db.update(organizationMembers).set({ pinLockedUntil: null, failedPins: 0 }).where(eq(organizationMembers.id, a.memberId))
  })

  it('locks a client out of tablet enrolment after 5 wrong codes even when 20 arrive at once', async () => {
    const code = (await a.admin.post(`/api/organizations/${a.id}/devices`, { name: 'Tablet by code' })).body.data.enrol_code as string
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => t.agent().post('/api/devices/enrol', { code: `WRONG${i}CODE` })))
    // At most MAX_FAILED_ATTEMPTS codes were looked up; every other guess was refused unchecked.
    expect(statuses(replies).filter((s) => s === 404).length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS - 1)
    expect(statuses(replies).filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - MAX_FAILED_ATTEMPTS + 1)
    for (const r of replies.filter((x) => x.status === 429)) {
      expect(r.body.error).toMatchObject({ code: 'ENROL_LOCKED', details: { retry_after_seconds: expect.any(Number) } })
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    // Even the right code is refused while the client is locked, and the code stays unused.
    const right = await t.agent().post('/api/devices/enrol', { code })
    expect(right.status).toBe(429)
    expect(right.body.error.code).toBe('ENROL_LOCKED')
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan((LOCK_MINUTES - 1) * 60)
    // The lock ends after LOCK_MINUTES (the clock is moved, not waited for).
    const now = Date.now()
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + LOCK_MINUTES * 60_000 + 1000)
    try {
      const later = await t.agent().post('/api/devices/enrol', { code })
      expect(later.status).toBe(200)
    } finally {
      clock.mockRestore()
    }
  })

  it('answers 429 sign-in refusals with a Retry-After header', async () => {
    const limited = await createTestApp({ signInPerMinute: 1 })
    try {
      await limited.agent().post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever1' })
      const refused = await limited.agent().post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever1' })
      expect(refused.status).toBe(429)
      expect(refused.body.error.code).toBe('TOO_MANY_ATTEMPTS')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })

  it('limits sign-in attempts per client across accounts: passwords, PINs, face sign-in, invitation and enrolment codes', async () => {
    const limited = await createTestApp({ signInPerMinute: 3 })
    try {
      const tries = [
        (i: number) => limited.agent().post('/api/auth/login', { email: `nobody${i}@example.com`, password: 'whatever1' }),
        (i: number) => limited.agent().post('/api/mobile/login', { organization_id: 1, login: `nobody-${i}`, pin: '123457' }),
        (i: number) => limited.agent().post('/api/mobile/invitations/redeem', { code: `NOPE${i}XYZ`, pin: '482916' }),
        (i: number) => limited.agent().get(`/api/mobile/invitations/NOPE${i}XYZ`),
        (i: number) => limited.agent().post('/api/devices/enrol', { code: `NOPE${i}XYZ` }),
      ]
      for (const attempt of tries) {
        const got: number[] = []
        for (let i = 0; i < 5; i++) got.push((await attempt(i)).status)
        expect(got.slice(3)).toEqual([429, 429])
      }
      // PIN and face sign-in share one allowance per client.
      const face = await limited.agent().post('/api/mobile/login/face', { organization_id: 1, member_id: 1, evidence: await unissuedEvidence() })
      expect(face.status).toBe(429)
      expect(face.body.error.code).toBe('TOO_MANY_ATTEMPTS')
      // So does asking for a face sign-in challenge (it would tell nothing, but costs a row).
      const challenge = await limited.agent().post('/api/mobile/login/challenge', { organization_id: 1, member_id: 1 })
      expect(challenge.status).toBe(429)
    } finally {
      await limited.close()
    }
  })

  it('starts a new session at every sign-in: a planted or earlier cookie is never carried over', async () => {
    // Planted: a token the attacker chose is not a session, and signing in does not adopt it.
    const victim = t.agent()
    victim.cookies.set('hadir_session', 'attacker-chosen-token-value-0123456789abcdef')
    expect((await victim.get('/api/auth/me')).status).toBe(401)
    const signedIn = await victim.post('/api/auth/login', { email: a.emails.support, password: PASSWORD })
    expect(signedIn.status).toBe(200)
    const fresh = victim.cookies.get('hadir_session')!
    expect(fresh).not.toBe('attacker-chosen-token-value-0123456789abcdef')
    expect(fresh.length).toBeGreaterThanOrEqual(43) // 256 random bits
    // Stored only as a keyed hash.
    const [row] = await t.db.select().from(sessions).where(eq(sessions.tokenHash, hashToken(t.deps.secret, fresh)))
    expect(row).toBeDefined()
    expect(JSON.stringify(row)).not.toContain(fresh)
    // An earlier session of the same browser ends when it signs in again.
    const again = await victim.post('/api/auth/login', { email: a.emails.support, password: PASSWORD })
    expect(again.status).toBe(200)
    const old = t.agent()
    old.cookies.set('hadir_session', fresh)
    expect((await old.get('/api/auth/me')).status).toBe(401)
  })

  it('ends sessions for good at logout, at revocation, and when the member is deactivated', async () => {
    const replay = (agent: Agent) => {
      const copy = t.agent()
      for (const [k, v] of agent.cookies) copy.cookies.set(k, v)
      return copy
    }
    const web = t.agent()
    await web.post('/api/auth/login', { email: a.emails.admin, password: PASSWORD })
    const webCopy = replay(web)
    expect((await web.post('/api/auth/logout')).status).toBe(200)
    expect(web.cookies.has('hadir_session')).toBe(false)
    expect((await webCopy.get('/api/auth/me')).status).toBe(401)

    const phone = t.agent()
    expect((await phone.post('/api/mobile/login', { organization_id: a.id, login: 'M-a', pin: PIN })).status).toBe(200)
    const phoneCopy = replay(phone)
    await phone.post('/api/mobile/logout')
    expect((await phoneCopy.get('/api/mobile/me')).status).toBe(401)

    // A revoked tablet: its device cookie and the petugas session on it stop at once.
    const petugasCopy = replay(a.petugas)
    expect((await petugasCopy.get('/api/mobile/me')).status).toBe(200)
    expect((await a.admin.delete(`/api/organizations/${a.id}/devices/${a.deviceId}`)).status).toBe(200)
    expect((await petugasCopy.get('/api/mobile/me')).status).toBe(401)
    expect((await replay(a.tablet).get('/api/devices/me')).status).toBe(401)

    // A deactivated member's phone session stops at once.
    const memberCopy = replay(a.member)
    expect((await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'inactive' })).status).toBe(200)
    expect((await memberCopy.get('/api/mobile/me')).status).toBe(401)
    await a.admin.patch(`/api/organizations/${a.id}/members/${a.memberId}`, { status: 'active' })
  })

  it('sets HttpOnly SameSite=Lax cookies; in production Secure and __Host- prefixed, and ignores unprefixed ones', async () => {
    const login = await call(t, t.agent(), 'POST', '/api/auth/login', { email: a.emails.support, password: PASSWORD })
    const cookie = login.headers.get('set-cookie')!
    expect(cookie).toMatch(/^hadir_session=[\w-]{43};/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Path=\//)
    expect(cookie).not.toMatch(/Domain=/i)

    const prod = await createTestApp({ secureCookies: true })
    try {
      const p = await buildOrg(prod, 'p')
      const admin = prod.agent()
      const res = await call(prod, admin, 'POST', '/api/auth/login', { email: p.emails.admin, password: PASSWORD })
      const set = res.headers.get('set-cookie')!
      expect(set).toMatch(/^__Host-hadir_session=/)
      expect(set).toMatch(/; Secure/)
      expect(set).toMatch(/HttpOnly/)
      expect(set).toMatch(/Path=\//)
      expect(set).not.toMatch(/Domain=/i)
      expect((await admin.get('/api/auth/me')).status).toBe(200)
      // The same token under the unprefixed name (which a sibling subdomain could set) is not accepted.
      const token = admin.cookies.get('__Host-hadir_session')!
      const sneaky = prod.agent()
      sneaky.cookies.set('hadir_session', token)
      expect((await sneaky.get('/api/auth/me')).status).toBe(401)
      // The tablet's cookie too.
      expect((await admin.post('/api/auth/select', { organization_id: p.id })).status).toBe(200)
      const device = await admin.post(`/api/organizations/${p.id}/devices`, { name: 'Tablet 2' })
      const tablet = await call(prod, prod.agent(), 'POST', '/api/devices/enrol', { code: device.body.data.enrol_code })
      expect(tablet.headers.get('set-cookie')).toMatch(/^__Host-hadir_device=.*; Secure/)
      const logout = await call(prod, admin, 'POST', '/api/auth/logout')
      expect(logout.headers.get('set-cookie')).toMatch(/^__Host-hadir_session=;.*Secure/)
    } finally {
      await prod.close()
    }
  })

  it('refuses every state-changing route from another site (Sec-Fetch-Site or Origin), and non-JSON bodies, writing nothing', async () => {
    const before = await snapshot(t)
    const hostile: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' }, // a sibling subdomain is another site too
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'http://localhost.evil.example' },
      // A foreign Origin is refused whatever Sec-Fetch-Site claims.
      { 'sec-fetch-site': 'same-origin', 'origin': 'https://evil.example' },
      { 'sec-fetch-site': 'none', 'origin': 'https://evil.example' },
      { 'sec-fetch-site': 'same-origin', 'origin': 'null' },
      { 'sec-fetch-site': 'same-origin', 'origin': 'http://localhost:8080' },
    ]
    const failures: string[] = []
    for (const route of apiRoutes(t.app).filter((r) => r.method !== 'GET')) {
      const path = route.path.replace(/:id\b/, String(a.id)).replace(/:(\w+)/g, '1')
      for (const headers of hostile) {
        const reply = await call(t, a.admin, route.method, path, {}, { headers: { host: 'localhost', ...headers } })
        if (reply.status !== 403 || reply.json?.error?.code !== 'CROSS_SITE_REQUEST') failures.push(`${route.method} ${route.path} with ${JSON.stringify(headers)} -> ${reply.status}`)
      }
      // A form a foreign page can send without asking (text/plain, urlencoded) is not JSON.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const reply = await call(t, a.admin, route.method, path, undefined, { raw: '{"name":"x"}', headers: { 'content-type': type } })
        if (reply.status !== 415) failures.push(`${route.method} ${route.path} as ${type} -> ${reply.status}`)
      }
    }
    expect(failures).toEqual([])
    expect(snapshotDiff(before, await snapshot(t))).toEqual([])
    // The app's own pages are same-origin and pass, directly or behind a proxy that sets X-Forwarded-Host.
    const ok = await call(t, a.admin, 'POST', `/api/organizations/${a.id}/positions`, { name: 'Same origin' }, { headers: { 'sec-fetch-site': 'same-origin', 'origin': 'http://localhost', 'host': 'localhost' } })
    expect(ok.status).toBe(201)
    const proxied = await call(t, a.admin, 'POST', `/api/organizations/${a.id}/positions`, { name: 'Behind a proxy' }, { headers: { 'sec-fetch-site': 'same-origin', 'origin': 'https://hadir.example', 'host': '127.0.0.1:3000', 'x-forwarded-host': 'hadir.example' } })
    expect(proxied.status).toBe(201)
    // An older browser that sends Origin but no Sec-Fetch-Site, from this server.
    const older = await call(t, a.admin, 'POST', `/api/organizations/${a.id}/positions`, { name: 'Older browser' }, { headers: { origin: 'http://localhost', host: 'localhost' } })
    expect(older.status).toBe(201)
    // A non-browser API client (no Origin, no Sec-Fetch-Site) sending JSON passes as before.
    const client = await call(t, a.admin, 'POST', `/api/organizations/${a.id}/positions`, { name: 'API client' }, { headers: { host: 'localhost' } })
    expect(client.status).toBe(201)
  })

  it('sends security headers on every answer, with a Content-Security-Policy, and no-store on the API', async () => {
    for (const path of ['/api/health', '/api/auth/me', '/api/nope', '/']) {
      const reply = await call(t, null, 'GET', path)
      const h = reply.headers
      const csp = h.get('content-security-policy') ?? ''
      expect(csp, path).toContain('default-src \'self\'')
      expect(csp).toContain('object-src \'none\'')
      expect(csp).toContain('frame-ancestors \'none\'')
      expect(csp).toContain('base-uri \'self\'')
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/)
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-eval'/)
      expect(h.get('x-content-type-options')).toBe('nosniff')
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN')
      expect(h.get('referrer-policy')).toBe('no-referrer')
      expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/)
      expect(h.get('cross-origin-opener-policy')).toBe('same-origin')
      expect(h.get('permissions-policy')).toMatch(/camera=\(self\)/)
      expect(h.get('x-powered-by')).toBeNull()
      if (path.startsWith('/api/')) expect(h.get('cache-control')).toBe('no-store')
    }
  })
})
