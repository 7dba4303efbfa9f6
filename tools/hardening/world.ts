// The hardening tests' world: two organizations with data in every tenant table, every text carrying the
// organization's marker (so a leak is a substring search), the app's own route table with each route's access and
// zod schemas, and database probes (row checksums, cross-tenant references, table coverage).
import { FACE_MODEL } from '../../shared/face/model'
import { normalizeInPlace } from '../../shared/face/align'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { sql } from 'drizzle-orm'
import * as XLSX from 'xlsx'
import type { Agent, TestApp } from '../test-support/harness'
import { buildOrg, webLogin, type OrgWorld } from '../test-support/fixtures'
import type { Access } from '../../server/auth/guard'
import { apiRoutes as routeTable, type ApiRoute as TableRoute } from '../../server/lib/route-table'
import {
  attendanceRecordHistory,
  attendanceRecords,
  consents,
  correctionRequests,
  importJobs,
  leaveRequests,
  memberFaceData,
  notifications,
  notificationSettings,
  pushSubscriptions,
  rolePermissions,
  roles,
  users,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '../../server/db/schema'
import { BearerAgent, createApiToken, PEOPLE_ONLY_ROUTES } from '../test-support/api-tokens'
import { TOKEN_PERMISSIONS } from '../../shared/integrations'
import { tokenSettings } from '../../server/features/tokens/tokens.auth'
import { sealSecret } from '../../server/features/webhooks/webhooks.sign'
import { uuidv7 } from '../../shared/attendance/uuidv7'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { descriptorToBytes, FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { expandPermissions, SYSTEM_ROLES, type SystemRoleKey } from '../../shared/permissions'
import { photoKey } from '../../server/storage/storage'
import { normalizePhoto } from '../../server/face/photos'
import { settled } from '../test-support/evidence-flow'

// ------------------------------------------------------------------------------------------------ routes

/** A route of the app's table (server/lib/route-table.ts) with its guard, which every route has. */
export type ApiRoute = TableRoute & { access: Access }

/** Every /api route of the app, read from the app itself: a route added tomorrow is in this list tomorrow. */
export function apiRoutes(app: TestApp['app']): ApiRoute[] {
  return routeTable(app.routes).map((r) => {
    if (!r.access) throw new Error(`${r.method} ${r.path} has no guard`)
    return { ...r, access: r.access }
  })
}

export function paramsOf(routePath: string): string[] {
  return [...routePath.matchAll(/:([A-Z_]\w*)/gi)].map((m) => m[1]!)
}

// ------------------------------------------------------------------------------------------------ callers

/** `token`: an API token of the organization holding every permission a token may have (Authorization: Bearer). */
export type Caller = 'anonymous' | 'unselected' | 'tablet' | 'token' | SystemRoleKey
export const CALLERS: Caller[] = ['anonymous', 'unselected', 'tablet', 'admin', 'support', 'manager', 'member', 'petugas', 'token']

export type Expectation = 'allowed' | 401 | 403 | 404 | 'denied'

/**
 * What a caller must get from a route of its own organization (the permission matrix's rule, for every caller). The
 * route's path tells the routes only a person may call (a token gets 403 there).
 */
export function expectedOwn(access: Access, caller: Caller, routePath = ''): Expectation {
  if (access.kind === 'public') return 'allowed'
  if (caller === 'anonymous') return 401
  if (caller === 'token') {
    if (access.kind === 'session' || access.kind === 'device') return 401
    if (PEOPLE_ONLY_ROUTES.test(routePath)) return 403
    const held = new Set(TOKEN_PERMISSIONS)
    return (access.kind === 'permission' ? held.has(access.permission) : access.permissions.some((p) => held.has(p))) ? 'allowed' : 403
  }
  if (access.kind === 'device') return caller === 'tablet' || caller === 'petugas' ? 'allowed' : 401
  if (caller === 'tablet') return 401
  if (caller === 'unselected') {
    if (access.kind === 'session') return access.surface === 'web' ? 'allowed' : 401
    return 403
  }
  const role = SYSTEM_ROLES.find((r) => r.key === caller)!
  if (access.kind === 'session') return role.surface === access.surface ? 'allowed' : 401
  const granted = expandPermissions(role.permissions)
  if (access.kind === 'permission') return granted.has(access.permission) ? 'allowed' : 403
  return access.permissions.some((p) => granted.has(p)) ? 'allowed' : 403
}

/**
 * What a caller must get when the path names the other organization (`:id`) or its rows: never the row. Returns null
 * when the path carries nothing of the other organization (the call is the same as the own one).
 */
export function expectedOther(route: ApiRoute, caller: Caller): Expectation | null {
  const params = paramsOf(route.path).filter((p) => p !== 'code')
  if (params.length === 0 || route.access.kind === 'public') return null
  const own = expectedOwn(route.access, caller, route.path)
  if (own === 401) return 401
  if (caller === 'unselected') return own === 'allowed' ? 404 : own
  if (route.path.includes('/:id') && route.access.kind === 'permission') return 404 // the guard: not your organization
  if (own === 'allowed') return 404
  return 'denied' // 403 or 404: either refuses without the row
}

// ------------------------------------------------------------------------------------------------ HTTP

export interface Reply {
  status: number
  headers: Headers
  bytes: Buffer
  text: string
  json: any
  /** The body was an event stream, read for a while and then closed. */
  streamed: boolean
}

export interface CallOptions {
  /** A raw body (string/bytes) instead of JSON. */
  raw?: string | Uint8Array
  headers?: Record<string, string>
  /** How long to read an event stream before closing it. */
  streamMs?: number
  /** Runs once an event stream is open (to make something happen that the stream could leak). */
  whileStreaming?: () => Promise<void>
}

/** One request through the app with the agent's cookies; event streams are read for a while, never awaited to the end. */
export async function call(t: TestApp, agent: Agent | null, method: string, urlPath: string, body?: unknown, options: CallOptions = {}): Promise<Reply> {
  // Like EventSource and fetch together: an event stream answers only a client that accepts one.
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream, */*', ...(options.headers ?? {}) }
  const init: RequestInit = { method, headers }
  if (options.raw !== undefined) init.body = options.raw as BodyInit
  else if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
    init.body = JSON.stringify(body)
    headers['content-type'] ??= 'application/json'
  }
  if (agent instanceof BearerAgent) headers.authorization = `Bearer ${agent.token}`
  if (agent?.cookies.size) headers.cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const controller = new AbortController()
  init.signal = controller.signal
  const res = await t.app.request(urlPath, init)
  if (agent) {
    for (const set of res.headers.getSetCookie()) {
      const [pair, ...attrs] = set.split(';')
      const [k, ...v] = pair!.split('=')
      const value = v.join('=')
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') agent.cookies.delete(k!.trim())
      else agent.cookies.set(k!.trim(), value)
    }
  }
  let bytes: Buffer
  let streamed = false
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream') && res.body) {
    streamed = true
    const reader = res.body.getReader()
    const chunks: Uint8Array[] = []
    const until = Date.now() + (options.streamMs ?? 400)
    // What the caller does while the stream is open is part of this call: it has ended (its writes are in) before the
    // call returns, however long it took (a stream read for 400 ms must not leave a sync still writing, CI).
    let activity: Promise<void> | null = null
    for (;;) {
      const left = until - Date.now()
      if (left <= 0) break
      if (!activity && options.whileStreaming) activity = options.whileStreaming().catch(() => {})
      const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))])
      if (next === null || next.done) break
      chunks.push(next.value)
    }
    await reader.cancel().catch(() => {})
    controller.abort()
    await activity
    bytes = Buffer.concat(chunks)
  } else {
    bytes = Buffer.from(await res.arrayBuffer())
  }
  const text = bytes.toString('utf8')
  let json: any = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, bytes, text, json, streamed }
}

// ------------------------------------------------------------------------------------------------ the world

export interface RichOrg extends OrgWorld {
  label: string
  /** In every text of this organization's data. */
  marker: string
  /** A member no agent signs in as: the target of destructive routes. */
  victimId: number
  /** A pending device (not the agents' tablet). */
  spareDeviceId: number
  departmentId: number
  positionId: number
  locationId: number
  scheduleId: number
  customRoleId: number
  recordId: number
  leaveId: number
  importJobId: number
  /** The stored photos (normalized JPEG bytes), to recognise them in any response. */
  photos: Buffer[]
  /** An integrator: an API token with every permission a token may carry. */
  token: BearerAgent
}

export interface World {
  t: TestApp
  a: RichOrg
  b: RichOrg
  /** An admin of A signed in but with no organization chosen. */
  unselected: Agent
  /** Resolved route paths (see resolvePath). */
  paths?: Map<string, string>
  /** The row each tenant table gives a route parameter, per organization (resolvePath). */
  rows?: Map<string, number>
}

/** Every route of the app with the destructive ones last, so the reads see the whole world first. */
export function routesInSafeOrder(app: TestApp['app']): ApiRoute[] {
  const rank = (r: ApiRoute) => (r.method === 'DELETE' ? 2 : r.path.includes('logout') ? 1 : 0)
  return apiRoutes(app).sort((x, y) => rank(x) - rank(y))
}

export const MARKERS = { a: 'zqalfaqz', b: 'zqbravoqz' } as const

async function ok<T = any>(res: { status: number; body: any }, what: string): Promise<T> {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data as T
}

/** A small JPEG of one colour (a "face photo" for storage tests; the sync path does not look for a face). */
export async function colourJpeg(r: number, g: number, b: number, size = 96): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r, g, b } } }).jpeg({ quality: 90 }).toBuffer()
}

/** A descriptor that passes the sanity checks (128 values, sane norm), different for every seed. */
export function fakeDescriptor(seed: number): Float32Array {
  const d = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  let x = seed * 9301 + 49297
  for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) {
    x = (x * 9301 + 49297) % 233280
    d[i] = x / 233280 - 0.5
  }
  return normalizeInPlace(d)
}

async function seedOrg(t: TestApp, key: 'a' | 'b', colour: [number, number, number]): Promise<RichOrg> {
  const marker = MARKERS[key]
  const o = await buildOrg(t, marker)
  const { admin, member, petugas, id } = o
  const base = `/api/organizations/${id}`
  await ok(await admin.patch(base, { name: `Org ${marker}` }), 'rename organization')
  const dept = await ok(await admin.post(`${base}/departments`, { name: `Dept ${marker}`, code: `D-${marker}` }), 'department')
  const pos = await ok(await admin.post(`${base}/positions`, { name: `Position ${marker}` }), 'position')
  const loc = await ok(await admin.post(`${base}/locations`, { name: `Gate ${marker}`, latitude: -6.2, longitude: 106.8, radius_meters: 500 }), 'location')
  const sched = await ok(await admin.post(`${base}/schedules`, { name: `Shift ${marker}`, start_time: '07:00', end_time: '15:00' }), 'schedule')
  await ok(await admin.patch(`${base}/departments/${dept.id}`, { work_schedule_id: sched.id }), 'department schedule')
  await ok(await admin.post(`${base}/holidays`, { name: `Holiday ${marker}`, start_date: '2026-07-01', end_date: '2026-07-03', department_ids: [dept.id] }), 'holiday')
  await ok(await admin.put(`${base}/national-holidays`, { date: '2026-08-17', observed: false }), 'national day worked')
  const shift = await ok(await admin.post(`${base}/shift-types`, { name: `Night ${marker}`, code: 'M', start_time: '22:00', end_time: '06:00' }), 'shift type')
  await ok(await admin.post(`${base}/roster/pattern`, { member_ids: [o.memberId], start_date: '2026-07-06', end_date: '2026-07-12', pattern: [shift.id, null] }), 'roster')
  const victim = await ok(
    await admin.post(`${base}/members`, {
      name: `Victim ${marker}`,
      email: `victim.${marker}@example.com`,
      phone: `+62-${marker}`,
      member_number: `V-${marker}`,
      department_id: dept.id,
      position_id: pos.id,
      role: 'member',
    }),
    'victim member',
  )
  await ok(await admin.post(`${base}/members/${victim.id}/invitations`, {}), 'invitation')
  const spare = await ok(await admin.post(`${base}/devices`, { name: `Spare ${marker}` }), 'spare device')
  // Integrations (issue 19): the world's token (the `token` caller), then a spare one (the newest: the target of
  // DELETE api-tokens/:tokenId), and a webhook with a delivery and its attempt. The webhook is disabled so that no
  // delivery is attempted in the background while the tests take their snapshots.
  const token = new BearerAgent(t, await createApiToken(admin, id, { name: `Token ${marker}`, permissions: [...TOKEN_PERMISSIONS] }))
  await createApiToken(admin, id, { name: `Spare token ${marker}` })
  const [hook] = await t.db
    .insert(webhookEndpoints)
    .values({ organizationId: id, url: `https://hooks.example.com/${marker}`, description: `Payroll ${marker}`, events: ['member.created'], secret: sealSecret(t.deps.secret, `whsec_${marker}`), enabled: false, disabledReason: `seeded ${marker}` })
    .returning({ id: webhookEndpoints.id })
  const [delivery] = await t.db
    .insert(webhookDeliveries)
    .values({ organizationId: id, endpointId: hook!.id, eventId: uuidv7(), event: 'member.created', payload: { note: `Event ${marker}` }, status: 'failed', attempts: 1, lastStatusCode: 500 })
    .returning({ id: webhookDeliveries.id })
  await t.db.insert(webhookAttempts).values({ organizationId: id, deliveryId: delivery!.id, statusCode: 500, ok: false, error: 'HTTP 500', responseExcerpt: `Down ${marker}`, durationMs: 12 })
  await ok(await member.post(`/api/members/${o.memberId}/face/consent`, { version: CONSENT_VERSION, device_id: `phone-${marker}` }), 'consent')

  // Faces: descriptors and a reference photo for the signed-in member and the victim (straight into the database:
  // real registration needs a real face, which the face tests cover).
  const photos: Buffer[] = []
  for (const [n, memberId] of [o.memberId, victim.id].entries()) {
    const photo = await normalizePhoto(await colourJpeg(colour[0], colour[1], colour[2] + n * 20))
    const keyName = photoKey(id, 'faces', memberId)
    await t.deps.storage.put(keyName, photo)
    photos.push(photo)
    if (memberId === victim.id) await t.db.insert(consents).values({ organizationId: id, organizationMemberId: memberId, version: CONSENT_VERSION, deviceId: `phone-${marker}` })
    await t.db.insert(memberFaceData).values(
      [0, 1, 2].map((i) => ({
        organizationId: id,
        organizationMemberId: memberId,
        faceEncoding: Buffer.from(descriptorToBytes(fakeDescriptor(memberId * 10 + i + (key === 'b' ? 5000 : 0)))),
        model: FACE_MODEL.id,
        faceImageUrl: i === 0 ? keyName : null,
        faceVerified: true,
      })),
    )
  }
  await t.deps.faceIndex.invalidate(id)

  // Attendance through the real sync route: the member's own check-in (with a photo and evidence) and check-out, and
  // a petugas recording the victim at the gate (with evidence). The evidence frames (the key frames of a liveness
  // challenge, as a device sends them) are plain pictures here: stored like any capture's, and checked by the server's
  // job before the world is handed out, so nothing changes under a test.
  const day = new Date(Date.now() - 24 * 3600_000)
  const at = (h: number) => new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h - 7, 5)).toISOString()
  const photo = (await colourJpeg(colour[0], colour[1] + 40, colour[2])).toString('base64')
  const frames = await Promise.all([0, 1, 2].map((i) => colourJpeg(colour[0], colour[1] + 10 * i + 5, colour[2], 64)))
  photos.push(...frames)
  const evidence = { mode: 'offline', steps: ['turn_left', 'turn_right'], frames: frames.map((f, i) => ({ t: i * 800, image: f.toString('base64') })) }
  const own = await ok(
    await member.post('/api/attendance/sync', {
      device_id: `phone-${marker}`,
      sent_at: new Date().toISOString(),
      records: [
        { client_id: uuidv7(), member_id: o.memberId, kind: 'check_in', captured_at: at(7), remarks: `Remark ${marker}`, face_image: photo, evidence },
        { client_id: uuidv7(), member_id: o.memberId, kind: 'check_out', captured_at: at(16), remarks: `Bye ${marker}` },
      ],
    }),
    'member sync',
  )
  const kiosk = await ok(
    await petugas.post('/api/attendance/sync', {
      device_id: `tablet-${marker}`,
      sent_at: new Date().toISOString(),
      records: [{ client_id: uuidv7(), member_id: victim.id, kind: 'check_in', captured_at: at(8), location_id: loc.id, remarks: `Gate ${marker}`, evidence }],
    }),
    'petugas sync',
  )
  for (const r of [...own.results, ...kiosk.results]) if (r.status !== 'applied') throw new Error(`seed sync: ${JSON.stringify(r)}`)
  for (const r of [own.results[0], kiosk.results[0]]) await settled(t, r.client_id)
  // A roll-call photo taken on the tablet (issue 14), naming the victim at one box and leaving another face unnamed.
  const classPhoto = await colourJpeg(colour[0], colour[1] + 60, colour[2], 320)
  photos.push(classPhoto)
  const roll = await ok(
    await petugas.post('/api/attendance/roll-call', {
      client_id: uuidv7(),
      device_id: `tablet-${marker}`,
      sent_at: new Date().toISOString(),
      captured_at: at(15),
      kind: 'check_out',
      location_id: loc.id,
      photo: classPhoto.toString('base64'),
      faces: [
        { box: { x: 20, y: 20, width: 80, height: 80 }, member_id: victim.id, named_by: 'recognised' },
        { box: { x: 200, y: 20, width: 80, height: 80 }, member_id: null },
      ],
    }),
    'roll-call',
  )
  if (roll.faces[0].status !== 'applied') throw new Error(`seed roll-call: ${JSON.stringify(roll)}`)
  await settled(t, roll.faces[0].client_id)
  // Liveness challenges issued and not answered yet: the member's phone's and the kiosk's.
  await ok(await member.post('/api/attendance/challenge', { purpose: 'attendance' }), 'attendance challenge')
  await ok(await petugas.post('/api/attendance/challenge', { purpose: 'kiosk' }), 'kiosk challenge')
  const recordId = own.results[0].record_id as number
  const [stored] = await t.db.select({ url: attendanceRecords.faceImageUrl }).from(attendanceRecords).where(sql`${attendanceRecords.id} = ${recordId}`)
  if (stored?.url) photos.push(Buffer.from((await t.deps.storage.get(stored.url))!))

  // Tables whose routes other engineers are building: rows straight into the database.
  const [history] = await t.db
    .insert(attendanceRecordHistory)
    .values({ organizationId: id, attendanceRecordId: recordId, action: 'correct', reason: `Corrected ${marker}`, before: { remarks: `Old ${marker}` }, after: { remarks: `New ${marker}` } })
    .returning({ id: attendanceRecordHistory.id })
  void history
  const [leave] = await t.db
    .insert(leaveRequests)
    .values({ organizationId: id, organizationMemberId: o.memberId, kind: 'sick', startDate: '2026-11-02', endDate: '2026-11-03', reason: `Sick ${marker}` })
    .returning({ id: leaveRequests.id })
  await t.db
    .insert(correctionRequests)
    .values({ organizationId: id, organizationMemberId: o.memberId, attendanceDate: '2026-11-04', kind: 'check_out', claimedCheckOutTime: '16:30:00', reason: `Forgot ${marker}` })
  // Notification settings, a browser's push subscription and a notification of the outbox (issue 19).
  const [memberUser] = await t.db.execute(sql`select user_id from organization_members where id = ${o.memberId}`).then((r) => rowsOf(r))
  const userId = Number(memberUser!.user_id)
  await t.db.insert(notificationSettings).values({ organizationId: id, userId, language: 'en', kinds: { checkin_reminder: false } })
  await t.db.insert(pushSubscriptions).values({ organizationId: id, userId, endpoint: `https://push.example/${marker}`, p256dh: `p256dh-${marker}`, auth: `auth-${marker}` })
  await t.db.insert(notifications).values({ organizationId: id, userId, kind: 'request_answered', channel: 'push', dedupeKey: `leave:${marker}`, title: `Answer ${marker}`, body: `Body ${marker}`, url: '/m/leave', deliveredAt: new Date() })
  const [job] = await t.db
    .insert(importJobs)
    .values({ organizationId: id, filename: `members-${marker}.xlsx`, status: 'previewed', summary: { note: `Import ${marker}` } })
    .returning({ id: importJobs.id })
  const [role] = await t.db
    .insert(roles)
    .values({ organizationId: id, key: `custom_${marker}`, name: `Role ${marker}`, surface: 'web' })
    .returning({ id: roles.id })
  await t.db.insert(rolePermissions).values({ roleId: role!.id, permission: 'attendance:record:view' })
  // A person with an account of their own (in no organization of this world), invited here as a member: pending.
  await t.db.insert(users).values({ name: 'Outsider', email: `outsider.${key}@example.com` })
  const invited = await admin.post(`${base}/members`, { name: `Outsider ${marker}`, email: `outsider.${key}@example.com`, member_number: `O-${marker}`, department_id: dept.id })
  if (invited.status !== 202) throw new Error(`invitation: ${invited.status} ${JSON.stringify(invited.body)}`)
  // And one as staff: two rows, so a route that withdraws one leaves one for the routes that answer them.
  await t.db.insert(users).values({ name: 'Guest', email: `guest.${key}@example.com` })
  const guest = await admin.post(`${base}/staff`, { name: `Guest ${marker}`, email: `guest.${key}@example.com`, role_key: 'manager' })
  if (guest.status !== 202) throw new Error(`staff invitation: ${guest.status} ${JSON.stringify(guest.body)}`)

  return {
    ...o,
    label: marker,
    marker,
    victimId: victim.id,
    spareDeviceId: spare.id,
    departmentId: dept.id,
    positionId: pos.id,
    locationId: loc.id,
    scheduleId: sched.id,
    customRoleId: role!.id,
    recordId,
    leaveId: leave!.id,
    importJobId: job!.id,
    photos,
    token,
  }
}

export async function buildWorld(t: TestApp): Promise<World> {
  // The token caller calls every route, more than once: no per-minute allowance in the way.
  tokenSettings.perMinute = 1_000_000
  const a = await seedOrg(t, 'a', [200, 30, 30])
  const b = await seedOrg(t, 'b', [30, 30, 200])
  const unselected = await webLogin(t, a.emails.support)
  return { t, a, b, unselected }
}

export function agentOf(world: World, org: RichOrg, caller: Caller): Agent | null {
  if (caller === 'anonymous') return null
  if (caller === 'unselected') return world.unselected
  return org[caller]
}

// ------------------------------------------------------------------------------------------------ path parameters

/** Which table a path parameter names, from the path segment before it ("locations/:rowId" -> locations). */
function tableFor(routePath: string, param: string, tables: Set<string>): string | null {
  const parts = routePath.split('/')
  const i = parts.indexOf(`:${param}`)
  const seg = (parts[i - 1] ?? '').replace(/-/g, '_')
  const singular = seg.replace(/s$/, '')
  const special: Record<string, string> = { members: 'organization_members', staff: 'organization_members', schedules: 'work_schedules', attendance: 'attendance_records', imports: 'import_jobs', audit: 'audit_log', sync_logs: 'attendance_sync_logs', history: 'attendance_record_history', webhooks: 'webhook_endpoints', deliveries: 'webhook_deliveries' }
  for (const c of [special[seg], seg, `${singular}s`, `${singular}_records`, `${singular}_jobs`, `${singular}_requests`, `${singular}_logs`]) {
    if (c && tables.has(c)) return c
  }
  return null
}

/**
 * A real value of the organization for every parameter of a route path: its own id, the victim member (or, under
 * /api/members, the signed-in member's own id), the spare device, its custom role, and for any other parameter the
 * newest row of the table the path segment names. A parameter nobody can resolve fails the test: teach tableFor.
 */
export async function resolvePath(world: World, routePath: string, org: RichOrg): Promise<string> {
  // Resolved once per world: a route that deletes the row (DELETE locations/:rowId) leaves a 404 behind, not a gap.
  const cache = (world.paths ??= new Map())
  const key = `${org.id} ${routePath}`
  const hit = cache.get(key)
  if (hit) return hit
  const resolved = await resolveFresh(world, routePath, org)
  cache.set(key, resolved)
  return resolved
}

async function resolveFresh(world: World, routePath: string, org: RichOrg): Promise<string> {
  const tables = await tenantTables(world.t)
  let out = routePath
  let underCached = false
  for (const param of paramsOf(routePath)) {
    let value: string | number
    if (param === 'id') value = org.id
    else if (param === 'code') value = 'NOPE2345'
    else if (param === 'memberId') value = routePath.startsWith('/api/members/') ? org.memberId : org.victimId
    else if (param === 'deviceId') value = org.spareDeviceId
    else if (param === 'roleId') value = org.customRoleId
    else if (param === 'recordId') value = org.recordId // the member's own record, with a photo
    else if (param === 'clientId') {
      // A capture (attendance event) of the signed-in member: its client id, a UUID.
      const rows = await world.t.db.execute(sql.raw(`select client_id::text as id from attendance_events where organization_id = ${org.id} and organization_member_id = ${org.memberId} order by id desc limit 1`))
      const row = rowsOf(rows)[0] as { id: string } | undefined
      if (!row) throw new Error(`hardening: the world has no capture of the member for :clientId of ${routePath}`)
      value = row.id
    } else {
      const table = tableFor(routePath, param, tables)
      if (!table) throw new Error(`hardening: cannot tell which table :${param} of ${routePath} names; add it to tableFor in tools/hardening/world.ts`)
      // One row per table and world, whichever route asks first: a route that deletes it (DELETE webhooks/:webhookId)
      // leaves a 404 for the others that name it (GET webhooks/:webhookId/deliveries), not a missing row.
      const rowCache = (world.rows ??= new Map<string, number>())
      const cached = rowCache.get(`${org.id} ${table}`)
      if (cached !== undefined) {
        value = cached
        underCached = true
      } else {
        const rows = await world.t.db.execute(sql.raw(`select id from "${table}" where organization_id = ${org.id} order by id desc limit 1`))
        const row = rowsOf(rows)[0] as { id: number } | undefined
        // Under a row a route already deleted (its deliveries went with a deleted webhook), a row no longer exists:
        // an id nobody has, answered 404 like the parent. Otherwise a missing row is a world that lacks a seed.
        if (!row && !underCached) throw new Error(`hardening: the world has no ${table} row for :${param} of ${routePath}; seed one in tools/hardening/world.ts`)
        value = row?.id ?? 2_147_483_000
        rowCache.set(`${org.id} ${table}`, value)
      }
    }
    out = out.replace(`:${param}`, String(value))
  }
  return out
}

// ------------------------------------------------------------------------------------------------ queries

interface ZDef { type: string; [k: string]: unknown }
const zdef = (s: unknown): ZDef => (s as { _zod: { def: ZDef } })._zod.def
function unwrap(s: unknown): ZDef {
  let d = zdef(s)
  for (let i = 0; i < 10 && ['optional', 'nullable', 'default', 'prefault', 'pipe', 'readonly', 'catch'].includes(d.type); i++) {
    d = zdef(d.type === 'pipe' ? (zdef(d.in).type === 'transform' ? d.out : d.in) : d.innerType)
  }
  return d
}

/**
 * Query strings that make a read route show the world's data: its dates around the seeded day, and every value of a
 * choice like `format` (so each export format is read too). The first is the plain call.
 */
export function richQueries(route: ApiRoute): string[] {
  const schema = route.validations.find((v) => v.target === 'query')?.schema
  if (!schema) return ['']
  const shape = (unwrap(schema).shape ?? {}) as Record<string, unknown>
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
  const base: Record<string, string> = {}
  const choices: [string, string[]][] = []
  for (const [key, value] of Object.entries(shape)) {
    const d = unwrap(value)
    if (/^(date|day)$/.test(key)) base[key] = day(-1)
    else if (/start|from|since/.test(key)) base[key] = day(-60)
    else if (/^(end|until)|_end$|_to$|^to$/.test(key)) base[key] = day(0)
    else if (/month/.test(key)) base[key] = day(-1).slice(0, 7)
    else if (d.type === 'enum' && /format|table|kind|lang|size|view/.test(key)) choices.push([key, Object.values(d.entries as Record<string, string>)])
  }
  const qs = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
  const out = new Set([''])
  if (Object.keys(base).length) out.add(`?${qs(base)}`)
  for (const [key, values] of choices) for (const v of values) out.add(`?${qs({ ...base, [key]: v })}`)
  return [...out]
}

// ------------------------------------------------------------------------------------------------ leaks

/** Reads what a reply carries as text: JSON/HTML/CSV as is, spreadsheets unzipped sheet by sheet. */
export function readableText(reply: Reply): string {
  const type = reply.headers.get('content-type') ?? ''
  const isZip = reply.bytes.length > 4 && reply.bytes[0] === 0x50 && reply.bytes[1] === 0x4B
  let text = reply.text
  if (isZip || /spreadsheetml|ms-excel/.test(type)) {
    try {
      const book = XLSX.read(reply.bytes, { type: 'buffer' })
      text += book.SheetNames.map((n) => XLSX.utils.sheet_to_csv(book.Sheets[n]!)).join('\n')
    } catch {
      /* not a workbook */
    }
  }
  const headerText = [...reply.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')
  return `${headerText}\n${text}`
}

/** Why a reply leaks the other organization (its marker in any text, or one of its photos), or null. */
export function leakIn(reply: Reply, other: RichOrg): string | null {
  const text = readableText(reply)
  if (text.includes(other.marker)) {
    const at = text.indexOf(other.marker)
    return `contains "${other.marker}": …${text.slice(Math.max(0, at - 80), at + 40)}…`
  }
  for (const photo of other.photos) {
    if (reply.bytes.length >= 64 && (reply.bytes.equals(photo) || reply.bytes.includes(photo.subarray(0, 256)))) return 'contains one of its photos'
    if (text.includes(photo.toString('base64').slice(0, 200))) return 'contains one of its photos (base64)'
  }
  return null
}

// ------------------------------------------------------------------------------------------------ database probes

export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[]
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[]
}

const tableCache = new WeakMap<TestApp, Promise<Set<string>>>()
/** Tables of the public schema that carry an organization_id (every tenant table). */
export function tenantTables(t: TestApp): Promise<Set<string>> {
  let p = tableCache.get(t)
  if (!p) {
    p = t.db
      .execute(sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'organization_id'`)
      .then((r) => new Set(rowsOf(r).map((x) => String(x.table_name))))
    tableCache.set(t, p)
  }
  return p
}

export async function allTables(t: TestApp): Promise<string[]> {
  const r = await t.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`)
  return rowsOf(r).map((x) => String(x.table_name))
}

/** Tenant tables with no row of the organization (the world must fill every table, new ones included). */
export async function emptyTenantTables(t: TestApp, organizationId: number): Promise<string[]> {
  const empty: string[] = []
  for (const table of [...(await tenantTables(t))].sort()) {
    const r = await t.db.execute(sql.raw(`select count(*)::int as n from "${table}" where organization_id = ${organizationId}`))
    if (Number(rowsOf(r)[0]?.n ?? 0) === 0) empty.push(table)
  }
  return empty
}

/**
 * Rows that point at a row of ANOTHER organization through a foreign key (a member in org A with org B's department,
 * a record with B's location...). Found from the schema's own foreign keys, so new tables are covered.
 */
export async function crossTenantReferences(t: TestApp): Promise<string[]> {
  const tenant = await tenantTables(t)
  const fks = rowsOf(
    await t.db.execute(sql`
      select kcu.table_name as t, kcu.column_name as c, ccu.table_name as rt, ccu.column_name as rc
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
      where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = 'public'`),
  ) as { t: string; c: string; rt: string; rc: string }[]
  const problems: string[] = []
  for (const fk of fks) {
    if (fk.c === 'organization_id' || fk.rc !== 'id') continue
    if (!tenant.has(fk.t) || !tenant.has(fk.rt)) continue
    const r = await t.db.execute(
      sql.raw(`select count(*)::int as n from "${fk.t}" x join "${fk.rt}" r on r.id = x."${fk.c}"
        where x.organization_id is not null and r.organization_id is not null and x.organization_id <> r.organization_id`),
    )
    const n = Number(rowsOf(r)[0]?.n ?? 0)
    if (n > 0) problems.push(`${fk.t}.${fk.c} -> ${fk.rt}: ${n} row(s) of another organization`)
  }
  return problems
}

/** Columns that change on reads and on refused sign-ins by design (last seen, lock counters, timestamps of updates). */
const VOLATILE = ['last_seen_at', 'last_sync_at', 'expires_at', 'failed_logins', 'locked_until', 'failed_pins', 'pin_locked_until', 'updated_at']

/**
 * A checksum of every row of every table (or only one organization's rows), per table: two equal snapshots mean
 * nothing was written.
 *
 * Hashing every row is the costly part (the fuzz takes two snapshots per request, thousands of times), so a whole
 * database's snapshot keeps each table's checksum with a cheap fingerprint of the table: its row count and the newest
 * row version (the highest `xmin`). A delete changes the count; an insert or an update writes row versions that carry
 * the writing transaction's id, and a transaction that starts writing after a snapshot (the request under test) has an
 * id newer than every row that snapshot saw. So a table whose fingerprint did not move keeps its checksum, and only the
 * tables that moved are hashed again. Two round trips at most. (Transaction ids wrap around after 2^32: far beyond
 * what a test database uses.)
 */
export async function snapshot(t: TestApp, organizationId?: number): Promise<Map<string, string>> {
  const tables = await allTables(t)
  const tenant = await tenantTables(t)
  const drop = `array[${VOLATILE.map((c) => `'${c}'`).join(',')}]`
  const from: [string, string][] = []
  for (const table of tables) {
    let where = ''
    if (organizationId !== undefined) {
      if (table === 'organizations') where = `where x.id = ${organizationId}`
      else if (table === 'users') where = `where x.id in (select user_id from organization_members where organization_id = ${organizationId})`
      else if (table === 'role_permissions') where = `where x.role_id in (select id from roles where organization_id = ${organizationId})`
      else if (tenant.has(table)) where = `where x.organization_id = ${organizationId}`
      else continue
    }
    from.push([table, `from "${table}" x ${where}`])
  }
  const checksums = async (which: [string, string][]) => {
    if (which.length === 0) return []
    const parts = which.map(([table, f]) => `select '${table}' as t, count(*)::int as n, md5(coalesce(string_agg(md5((to_jsonb(x) - ${drop})::text), '' order by md5((to_jsonb(x) - ${drop})::text)), '')) as h ${f}`)
    return rowsOf(await t.db.execute(sql.raw(parts.join(' union all ')))).map((x) => [String(x.t), `${x.n}:${x.h}`] as const)
  }
  // One organization's rows: a membership can move a row into or out of the set without writing it, so no shortcut.
  if (organizationId !== undefined) return new Map(await checksums(from))
  let kept = keptChecksums.get(t)
  if (!kept) keptChecksums.set(t, (kept = new Map()))
  const prints = rowsOf(await t.db.execute(sql.raw(from.map(([table, f]) => `select '${table}' as t, count(*)::text || ':' || coalesce(max(x.xmin::text::bigint), 0)::text as p ${f}`).join(' union all '))))
  const print = new Map(prints.map((x) => [String(x.t), String(x.p)]))
  for (const [table, sum] of await checksums(from.filter(([table]) => kept.get(table)?.print !== print.get(table)))) kept.set(table, { print: print.get(table)!, sum })
  return new Map(from.map(([table]) => [table, kept.get(table)!.sum]))
}

/** Each test database's table checksums with the fingerprint they were taken at (see snapshot). */
const keptChecksums = new WeakMap<TestApp, Map<string, { print: string; sum: string }>>()

/**
 * Tables that record a refused exchange by design: the spec's sync log (every sync writes attendance_sync_logs, failed
 * or not) and the shared rate limiter's counters (a refused sign-in, PIN or code is the attempt they count). Also
 * api_tokens (a token's last use is noted when it authenticates, before its request is judged) and the webhook tables,
 * written by the delivery job in the background (attempts, a delivery's state, an endpoint's run of failures) at any
 * moment, whatever request is being judged.
 */
export const LOG_OF_REFUSALS = new Set(['attendance_sync_logs', 'attempt_counters', 'api_tokens', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'])

export function snapshotDiff(before: Map<string, string>, after: Map<string, string>, ignore: Set<string> = new Set()): string[] {
  const out: string[] = []
  for (const [table, sum] of after) {
    if (ignore.has(table)) continue
    const was = before.get(table)
    if (was !== sum) out.push(`${table} (${was?.split(':')[0] ?? 0} -> ${sum.split(':')[0]} rows)`)
  }
  return out
}

/** Every stored photo file of an organization on disk. */
export function photoFiles(t: TestApp, organizationId: number): string[] {
  const dir = path.join(t.photoDir, `org-${organizationId}`)
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(jpe?g|png|webp)$/.test(f)).map((f) => path.join(dir, f))
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex')
}
