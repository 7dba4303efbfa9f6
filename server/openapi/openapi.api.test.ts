// The OpenAPI document (server/openapi): complete (every route of the app's table), valid OpenAPI 3.1, and true to
// what the app answers (real answers checked against it). The reference page works offline under the app's CSP.
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Agent, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { ResponseConformance } from '../../tools/test-support/openapi-conformance'
import { routeAccessTable } from '../auth/guard'
import { openApiPath, type OpenApiDocument } from './document'
import errorCodes from './errors.generated.json'
import responseTypes from './responses.generated.json'

let t: TestApp
let world: OrgWorld
let doc: OpenApiDocument

beforeAll(async () => {
  t = await createTestApp()
  world = await buildOrg(t, 'doc')
  const res = await t.agent().get('/api/openapi.json')
  expect(res.status).toBe(200)
  doc = res.body
})
afterAll(() => t?.close())

describe('the OpenAPI document', () => {
  it('is served without a session and lists every route of the app', () => {
    const missing = routeAccessTable(t.app.routes)
      .filter((r) => !(doc.paths as Record<string, Record<string, unknown>>)[openApiPath(r.path)]?.[r.method.toLowerCase()])
      .map((r) => `${r.method} ${r.path}`)
    expect(missing).toEqual([])
    expect(doc.paths['/api/organizations/{id}/members/{memberId}']).toBeDefined()
  })

  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(structuredClone(doc) as never)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('describes parameters, bodies, security and errors from the guards and validators', () => {
    const list = doc.paths['/api/organizations/{id}/members'] as Record<string, any>
    // A session, or an API token (every permission route but the integrations' own, which only people manage).
    expect(list.get.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }])
    expect((doc.paths['/api/organizations/{id}/api-tokens'] as Record<string, any>).get.security).toEqual([{ sessionCookie: [] }])
    expect((doc.components as Record<string, any>).securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(list.get.description).toContain('member:view')
    expect(list.get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:id', 'query:q', 'query:limit']))
    expect(Object.keys(list.get.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404', '422']))
    expect(list.post.requestBody.content['application/json'].schema.properties.name).toBeDefined()
    expect(list.post.responses['201'].content['application/json'].schema.properties.success).toEqual({ type: 'boolean', const: true })
    const setup = (doc.paths['/api/setup'] as Record<string, any>).post
    expect(setup.security).toEqual([])
    expect(setup.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['organization', 'admin']))
    expect((doc.paths['/api/devices/me'] as Record<string, any>).get.security).toEqual([{ deviceCookie: [] }])
  })

  it('has a success schema for every route that answers JSON (the generated file is not behind the route table)', () => {
    // Routes answering a file or a stream have no JSON body to describe; every other route must have one. A new route
    // fails here until `npm run openapi:generate` has run (server/openapi/responses.generated.json).
    const untyped = routeAccessTable(t.app.routes)
      .map((r) => `${r.method} ${r.path}`)
      .filter((key) => !(key in responseTypes))
    expect(untyped.sort()).toEqual([...UNTYPED].sort())
  })
})

describe('the error codes', () => {
  it('are read for exactly the routes of the app\'s table (the static reading of app.ts finds every route hono has)', () => {
    const table = routeAccessTable(t.app.routes).map((r) => `${r.method} ${r.path}`).sort()
    expect(Object.keys(errorCodes).sort()).toEqual(table)
  })

  it('are listed per route and status, as a closed set in the schema', () => {
    const op = (p: string, method: string) => (doc.paths as Record<string, Record<string, any>>)[p]![method]
    const deleteMember = op('/api/organizations/{id}/members/{memberId}', 'delete').responses
    expect(deleteMember['409']['x-error-codes']).toEqual(expect.arrayContaining(['MEMBER_ACTIVE', 'DUPLICATE']))
    expect(deleteMember['409'].description).toContain('`MEMBER_ACTIVE`')
    expect(deleteMember['409'].content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toContain('MEMBER_ACTIVE')
    const webhook = op('/api/organizations/{id}/webhooks', 'post').responses
    expect(webhook['422']['x-error-codes']).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'WEBHOOK_URL_PRIVATE']))
    expect(webhook['403']['x-error-codes']).toEqual(expect.arrayContaining(['FORBIDDEN', 'TOKEN_NOT_ALLOWED', 'CROSS_SITE_REQUEST']))
    // A GET meets neither the same-origin rule nor the body limits.
    const members = op('/api/organizations/{id}/members', 'get').responses
    expect(members['403']['x-error-codes']).not.toContain('CROSS_SITE_REQUEST')
    expect(members['413']).toBeUndefined()
    // An answer with a code the route does not list does not match the document.
    const conformance = new ResponseConformance(doc)
    const path = `/api/organizations/${world.id}/members/${world.memberId}`
    expect(conformance.check('DELETE', path, 409, 'application/json', { error: { code: 'MEMBER_ACTIVE', message: 'x' } })).toBeNull()
    expect(conformance.check('DELETE', path, 409, 'application/json', { error: { code: 'SOMETHING_ELSE', message: 'x' } })).toContain('code')
  })
})

/** Routes whose answer is not a JSON body TypeScript knows (files, streams, the document and its page). */
const UNTYPED = [
  'GET /api/organizations/:id/members/:memberId/face/photo',
  'GET /api/organizations/:id/holidays/export',
  'GET /api/organizations/:id/attendance/stream',
  'GET /api/organizations/:id/attendance/:recordId/photo',
  'GET /api/organizations/:id/attendance/:recordId/frames',
  'GET /api/organizations/:id/members/export',
  'GET /api/organizations/:id/members/import/template',
  'GET /api/organizations/:id/reports/daily/export',
  'GET /api/organizations/:id/reports/monthly/export',
  // JSON, or an NDJSON progress stream when asked: hono types the handler's answer as a plain Response.
  'POST /api/organizations/:id/members/import/:jobId/apply',
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs/scalar.js',
  'GET /api/docs/init.js',
]

describe('the interactive reference', () => {
  it('serves a page whose scripts come from the app itself, under the app\'s CSP', async () => {
    const agent = t.agent()
    const page = await agent.fetch('http://hadir.test/api/docs')
    expect(page.status).toBe(200)
    const html = await page.text()
    const csp = page.headers.get('content-security-policy') ?? ''
    // The app's policy, with eval allowed for Scalar on this page only.
    expect(csp).toContain('script-src \'self\' \'wasm-unsafe-eval\' \'unsafe-eval\'')
    expect((await agent.fetch('http://hadir.test/api/health')).headers.get('content-security-policy')).not.toContain('\'unsafe-eval\'')
    // No inline script (the CSP would refuse it), nothing from another host.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attrs, body] of scripts) {
      expect(body!.trim()).toBe('')
      expect(attrs).toMatch(/src="\/api\/docs\//)
    }
    expect(html).not.toMatch(/https?:\/\//)
    for (const src of scripts.map(([, attrs]) => /src="([^"]+)"/.exec(attrs!)![1]!)) {
      const res = await agent.fetch(`http://hadir.test${src}`)
      expect(res.status, src).toBe(200)
      expect(res.headers.get('content-type')).toContain('javascript')
      expect((await res.text()).length).toBeGreaterThan(10)
    }
  })
})

describe('real answers', () => {
  function pathFor(template: string): string {
    return template
      .replace(':id', String(world.id))
      .replace(':memberId', String(world.memberId))
      .replace(':deviceId', String(world.deviceId))
      .replace(/:(roleId|rowId|jobId|recordId|invitationId)/g, '999999')
      .replace(':clientId', '00000000-0000-4000-8000-000000000000')
      .replace(':code', 'NOPE2345')
  }

  it('match the document: every GET route as each kind of caller, and a set of writes', async () => {
    const conformance = new ResponseConformance(doc)
    t.conformance = conformance
    try {
      const agents: Agent[] = [world.admin, world.manager, world.member, world.petugas, world.tablet, t.agent()]
      for (const route of routeAccessTable(t.app.routes)) {
        if (route.method !== 'GET' || route.path.startsWith('/api/docs') || route.path.endsWith('/stream')) continue
        for (const agent of agents) await agent.get(pathFor(route.path))
      }
      const org = `/api/organizations/${world.id}`
      const department = await world.admin.post(`${org}/departments`, { name: 'Gudang' })
      expect(department.status).toBe(201)
      await world.admin.post(`${org}/departments`, { name: 'Gudang' }) // 409
      await world.admin.post(`${org}/departments`, { name: '' }) // 422
      await world.admin.patch(`${org}/departments/${department.body.data.id}`, { name: 'Gudang 2' })
      await world.admin.post(`${org}/positions`, { name: 'Kasir' })
      await world.admin.post(`${org}/members`, { name: 'Sari', role: 'member' })
      await world.admin.post(`${org}/devices`, { name: 'Lobby' })
      await world.admin.patch(`${org}`, { late_tolerance_minutes: 10 })
      await world.member.post('/api/leave-requests', { kind: 'sick', start_date: '2030-01-06', end_date: '2030-01-07', reason: 'flu' })
      await world.admin.request('POST', `${org}/departments`, '{not json') // 400
      await world.member.get(`${org}/members`) // 403
      await t.agent().get('/api/auth/me') // 401
      await t.agent().post('/api/setup', { organization: { name: 'x' }, admin: { name: 'a', email: 'a@b.co', password: 'long enough 1' } }) // 409
      expect(conformance.checked.size).toBeGreaterThan(80)
      // And the check does catch an answer that differs (tried: a number where the type says a string).
      const wrong = new ResponseConformance(doc).check('GET', '/api/setup/status', 200, 'application/json', { success: true, data: { needs_setup: 'no' } })
      expect(wrong).toContain('needs_setup')
      expect(conformance.mismatches).toEqual([])
    } finally {
      t.conformance = undefined
    }
  })
})
