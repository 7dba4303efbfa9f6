import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { BearerAgent, createApiToken } from '../../../tools/test-support/api-tokens'
import { apiTokens, auditLog, memberRoles, organizationMembers, rolePermissions, roles, users } from '../../db/schema'
import { tokenSettings } from './tokens.auth'
import { createToken } from './tokens.service'
import type { ServiceContext } from '../../lib/service-context'

describe('API tokens: scoped, hashed, expiring, revocable, rate-limited, audited', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const limit = tokenSettings.perMinute
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterEach(() => {
    tokenSettings.perMinute = limit
  })
  afterAll(() => t.close())

  const auditOf = (action: string, tokenId: number) =>
    t.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entityType, 'api_token'), eq(auditLog.entityId, String(tokenId))))

  it('creates a read-only token by default, shows its secret once and keeps only its SHA-256', async () => {
    const res = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'Payroll' })
    expect(res.status).toBe(201)
    const secret: string = res.body.data.token
    expect(secret).toMatch(/^hdr_[\w-]{43}$/)
    expect(res.body.data).toMatchObject({ name: 'Payroll', status: 'active', permissions: ['attendance:record:view', 'member:view', 'report:generate'], prefix: secret.slice(0, 10) })
    const days = (Date.parse(res.body.data.expires_at) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(89)
    expect(days).toBeLessThanOrEqual(90)

    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, res.body.data.id))
    expect(row!.tokenHash).toBe(crypto.createHash('sha256').update(secret).digest('hex'))
    expect(JSON.stringify(row)).not.toContain(secret)

    const list = await a.admin.get(`/api/organizations/${a.id}/api-tokens`)
    expect(list.body.data.tokens).toHaveLength(1)
    expect(JSON.stringify(list.body)).not.toContain(secret)
    expect((await auditOf('api_token.create', res.body.data.id)).length).toBe(1)
  })

  it('lets a token read its own organization only, with exactly its permissions', async () => {
    const reader = new BearerAgent(t, await createApiToken(a.admin, a.id))
    const members = await reader.get(`/api/organizations/${a.id}/members`)
    expect(members.status).toBe(200)
    expect(JSON.stringify(members.body)).toContain('Member a')
    // Reading only: no writes, no settings.
    const write = await reader.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang' })
    expect(write.status).toBe(403)
    expect(write.body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'member:manage' } })
    expect((await reader.get(`/api/organizations/${a.id}/roles`)).status).toBe(403)
    // Organization B: not found, never a row.
    const other = await reader.get(`/api/organizations/${b.id}/members`)
    expect(other.status).toBe(404)
    expect(JSON.stringify(other.body)).not.toContain('Member b')
    // A token is no session: no dashboard "me", no phone routes, no tablet routes.
    expect((await reader.get('/api/auth/me')).status).toBe(401)
    expect((await reader.get('/api/mobile/me')).status).toBe(401)
    expect((await reader.get('/api/devices/me')).status).toBe(401)
  })

  it('ignores cookies when a bearer token is present, and needs no same-origin headers', async () => {
    const reader = new BearerAgent(t, await createApiToken(a.admin, a.id))
    for (const [k, v] of a.admin.cookies) reader.cookies.set(k, v) // the admin's session rides along: not used
    expect((await reader.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang' })).status).toBe(403)
    const writer = new BearerAgent(t, await createApiToken(a.admin, a.id, { permissions: ['member:manage'] }))
    const res = await writer.request('POST', `/api/organizations/${a.id}/departments`, { name: 'Gudang' }, { 'origin': 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' })
    expect(res.status).toBe(201)
  })

  it('writes with a write token, and logs every write and the first read of the day', async () => {
    const res = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'HR sync', permissions: ['member:manage'] })
    const id = res.body.data.id as number
    const writer = new BearerAgent(t, res.body.data.token)
    const created = await writer.post(`/api/organizations/${a.id}/departments`, { name: 'Keuangan' })
    expect(created.status).toBe(201)
    const writes = await auditOf('api_token.write', id)
    expect(writes).toHaveLength(1)
    expect(writes[0]!.details).toMatchObject({ method: 'POST', path: `/api/organizations/${a.id}/departments`, status: 201 })
    // The department's own audit entry names the admin who made the token.
    const [dept] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'department.create'), eq(auditLog.organizationId, a.id)))
    expect(dept?.actorUserId).not.toBeNull()
    await writer.get(`/api/organizations/${a.id}/members`)
    await writer.get(`/api/organizations/${a.id}/departments`)
    const reads = await auditOf('api_token.read', id)
    expect(reads).toHaveLength(1)
    expect(reads[0]!.details).toMatchObject({ method: 'GET', first_read_of_day: new Date().toISOString().slice(0, 10) })
    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, id))
    expect(row!.lastUsedAt).not.toBeNull()
  })

  it('answers 401 to an unknown, expired or revoked token', async () => {
    expect((await new BearerAgent(t, 'hdr_nope').get(`/api/organizations/${a.id}/members`)).body.error.code).toBe('TOKEN_INVALID')
    const res = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'Old', expires_in_days: 1 })
    const agent = new BearerAgent(t, res.body.data.token)
    expect((await agent.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
    await t.db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.id, res.body.data.id))
    const expired = await agent.get(`/api/organizations/${a.id}/members`)
    expect(expired.status).toBe(401)
    expect(expired.body.error.code).toBe('TOKEN_INVALID')

    const live = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'Revoked soon' })
    const revokable = new BearerAgent(t, live.body.data.token)
    expect((await revokable.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
    const revoked = await a.admin.delete(`/api/organizations/${a.id}/api-tokens/${live.body.data.id}`)
    expect(revoked.body.data.status).toBe('revoked')
    expect((await revokable.get(`/api/organizations/${a.id}/members`)).status).toBe(401)
    expect((await a.admin.delete(`/api/organizations/${a.id}/api-tokens/${live.body.data.id}`)).status).toBe(404)
    // B's admin cannot revoke A's token.
    const third = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'Kept' })
    expect((await b.admin.delete(`/api/organizations/${b.id}/api-tokens/${third.body.data.id}`)).status).toBe(404)
    expect((await new BearerAgent(t, third.body.data.token).get(`/api/organizations/${a.id}/members`)).status).toBe(200)
  })

  it('refuses permissions no dashboard role has, and any the creator does not hold', async () => {
    const bad = await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'Kiosk', permissions: ['attendance:record:create'] })
    expect(bad.status).toBe(422)
    expect(bad.body.error.code).toBe('TOKEN_PERMISSION_NOT_ALLOWED')
    // Support has no settings:manage: the route itself is closed.
    expect((await a.support.post(`/api/organizations/${a.id}/api-tokens`, { name: 'x' })).status).toBe(403)
    // A creator holding only reading cannot hand out writing (the verb's own rule, whoever calls it).
    const ctx = { deps: t.deps, organizationId: a.id, userId: 1, memberId: null, deviceId: null, permissions: new Set(['attendance:record:view', 'settings:manage']), ip: 'test' } as ServiceContext
    await expect(createToken(ctx, { name: 'x', permissions: ['member:manage'], expires_in_days: 1 })).rejects.toMatchObject({ code: 'TOKEN_PERMISSION_NOT_HELD' })
    const before = (await t.db.select().from(apiTokens)).length
    expect((await a.admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'x', expires_in_days: 0 })).status).toBe(422)
    expect((await t.db.select().from(apiTokens)).length).toBe(before)
  })

  it('does not let a token manage tokens or webhooks, even with settings:manage', async () => {
    const admin = new BearerAgent(t, await createApiToken(a.admin, a.id, { permissions: ['settings:manage'] }))
    const list = await admin.get(`/api/organizations/${a.id}/api-tokens`)
    expect(list.status).toBe(403)
    expect(list.body.error.code).toBe('TOKEN_NOT_ALLOWED')
    expect((await admin.post(`/api/organizations/${a.id}/api-tokens`, { name: 'child' })).status).toBe(403)
    expect((await admin.get(`/api/organizations/${a.id}/webhooks`)).status).toBe(403)
  })

  it('never does more than its creator may do now: a narrowed role narrows the token, given back it returns', async () => {
    const writer = new BearerAgent(t, await createApiToken(a.admin, a.id, { permissions: ['member:view', 'member:manage'] }))
    expect((await writer.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang depan' })).status).toBe(201)
    // The creating admin's roles change: the admin role is taken away, a role that only reads members is given.
    const [membership] = await t.db
      .select({ id: organizationMembers.id })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(users.email, a.emails.admin), eq(organizationMembers.organizationId, a.id)))
    const held = await t.db.select().from(memberRoles).where(eq(memberRoles.organizationMemberId, membership!.id))
    const [reader] = await t.db.insert(roles).values({ organizationId: a.id, key: 'member_reader', name: 'Member reader', surface: 'web' }).returning()
    await t.db.insert(rolePermissions).values([{ roleId: reader!.id, permission: 'member:view' }, { roleId: reader!.id, permission: 'settings:manage' }])
    await t.db.insert(memberRoles).values({ organizationId: a.id, organizationMemberId: membership!.id, roleId: reader!.id })
    await t.db.delete(memberRoles).where(and(eq(memberRoles.organizationMemberId, membership!.id), eq(memberRoles.roleId, held[0]!.roleId)))
    try {
      const refused = await writer.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang belakang' })
      expect(refused.status).toBe(403)
      expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'member:manage' } })
      expect((await writer.get(`/api/organizations/${a.id}/members`)).status).toBe(200) // what the creator still holds
      // No role at all left: nothing.
      await t.db.delete(memberRoles).where(eq(memberRoles.roleId, reader!.id))
      expect((await writer.get(`/api/organizations/${a.id}/members`)).status).toBe(403)
    } finally {
      await t.db.delete(memberRoles).where(eq(memberRoles.roleId, reader!.id))
      await t.db.insert(memberRoles).values(held).onConflictDoNothing()
      await t.db.delete(roles).where(eq(roles.id, reader!.id))
    }
    // The admin role given back: the token writes again (its own permissions never changed).
    expect((await writer.post(`/api/organizations/${a.id}/departments`, { name: 'Gudang belakang' })).status).toBe(201)
  })

  it('limits each token to its allowance per minute (429 with Retry-After), tokens counted apart', async () => {
    tokenSettings.perMinute = 3
    const one = new BearerAgent(t, await createApiToken(a.admin, a.id))
    const two = new BearerAgent(t, await createApiToken(a.admin, a.id))
    for (let i = 0; i < 3; i++) expect((await one.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
    const limited = await one.get(`/api/organizations/${a.id}/members`)
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('RATE_LIMITED')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await two.get(`/api/organizations/${a.id}/members`)).status).toBe(200)
  })
})
