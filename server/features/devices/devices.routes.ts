import { Hono } from 'hono'
import { and, desc, eq, gt, isNull } from 'drizzle-orm'
import { setCookie } from 'hono/cookie'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, deviceOf, enrolledDevice, publicRoute, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { devices, organizations, sessions } from '../../db/schema'
import { audit } from '../../audit'
import { hashToken, normalizeCode, randomCode, randomToken } from '../../auth/crypto'
import { deviceCookieName } from '../../auth/session'
import { NotFoundError } from '../../errors'
import type { AttemptLimiter, ClientLockout } from '../../auth/rate-limit'
import { idParam, name } from '../organizations/organizations.schemas'

const ENROL_HOURS = 24
const DEVICE_COOKIE_DAYS = 400 // the longest a browser keeps a cookie

const deviceParams = z.object({ id: rowIdParam, deviceId: rowIdParam })

function presentDevice(d: typeof devices.$inferSelect) {
  return {
    id: d.id,
    name: d.name,
    status: d.revokedAt ? 'revoked' : d.enrolledAt ? 'enrolled' : 'pending',
    enrolled_at: d.enrolledAt?.toISOString() ?? null,
    enrol_expires_at: d.enrolledAt ? null : (d.enrolExpiresAt?.toISOString() ?? null),
    last_seen_at: d.lastSeenAt?.toISOString() ?? null,
    last_sync_at: d.lastSyncAt?.toISOString() ?? null,
    revoked_at: d.revokedAt?.toISOString() ?? null,
  }
}

/** Admin side: enrol codes, list, revoke. */
export const deviceAdminRoutes = new Hono<AppEnv>()
  .get('/:id/devices', allow('settings:manage'), validate('param', idParam), async (c) => {
    const rows = await c
      .get('deps')
      .database
      .db
      .select()
      .from(devices)
      .where(eq(devices.organizationId, scoped(c).organizationId))
      .orderBy(desc(devices.createdAt))
    return ok(c, { devices: rows.map(presentDevice) })
  })
  .post('/:id/devices', allow('settings:manage'), validate('param', idParam), validate('json', z.object({ name })), async (c) => {
    const p = scoped(c)
    const code = randomCode(8)
    const { secret } = c.get('deps')
    const device = await c.get('deps').database.db.transaction(async (tx) => {
      const [d] = await tx
        .insert(devices)
        .values({
          organizationId: p.organizationId,
          name: c.req.valid('json').name,
          enrolCodeHash: hashToken(secret, code),
          enrolExpiresAt: new Date(Date.now() + ENROL_HOURS * 3600_000),
          createdBy: p.userId,
        })
        .returning()
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'device.create', entityType: 'device', entityId: d!.id, ip: clientIp(c) })
      return d!
    })
    return ok(c, { ...presentDevice(device), enrol_code: code }, 201)
  })
  .delete('/:id/devices/:deviceId', allow('settings:manage'), validate('param', deviceParams), async (c) => {
    const p = scoped(c)
    const { deviceId } = c.req.valid('param')
    const device = await c.get('deps').database.db.transaction(async (tx) => {
      const [d] = await tx
        .update(devices)
        .set({ revokedAt: new Date(), tokenHash: null, enrolCodeHash: null })
        .where(and(eq(devices.id, deviceId), eq(devices.organizationId, p.organizationId)))
        .returning()
      if (!d) throw new NotFoundError('Device')
      await tx.delete(sessions).where(eq(sessions.deviceId, deviceId))
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'device.revoke', entityType: 'device', entityId: deviceId, ip: clientIp(c) })
      return d
    })
    return ok(c, presentDevice(device))
  })

/**
 * Tablet side: redeem the one-time code; the device token is bound to the code's organization. Codes are guessed like
 * PINs: 30 tries a minute per client (an allowance of their own), and a client that sent 5 wrong codes is
 * locked out of enrolment for 15 minutes; the try is claimed before the code is looked up (see ClientLockout).
 */
export function deviceRoutes(limiter: AttemptLimiter, lockout: ClientLockout) {
  return new Hono<AppEnv>()
    .post('/enrol', publicRoute(), validate('json', z.object({ code: pgText(40), name: name.optional() })), async (c) => {
      const ip = clientIp(c)
      limiter.hit(`enrol:${ip}`)
      const attempt = lockout.claim(`enrol:${ip}`)
      const { code, name: deviceName } = c.req.valid('json')
      const { secret, options, database } = c.get('deps')
      const token = randomToken()
      const result = await database.db.transaction(async (tx) => {
        const [d] = await tx
          .update(devices)
          .set({
            enrolCodeHash: null,
            enrolledAt: new Date(),
            tokenHash: hashToken(secret, token),
            name: deviceName,
            userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
            lastSeenAt: new Date(),
          })
          .where(
            and(
              eq(devices.enrolCodeHash, hashToken(secret, normalizeCode(code))),
              gt(devices.enrolExpiresAt, new Date()),
              isNull(devices.revokedAt),
            ),
          )
          .returning()
        if (!d) {
          attempt.failed() // the last allowed wrong code locks the client (429) instead of answering 404
          throw new NotFoundError('Enrolment code', 'ENROL_CODE_INVALID')
        }
        const [org] = await tx.select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, d.organizationId))
        await audit(tx, { organizationId: d.organizationId, actorDeviceId: d.id, action: 'device.enrol', entityType: 'device', entityId: d.id, ip: clientIp(c) })
        return { device: { id: d.id, name: d.name }, organization: org! }
      })
      attempt.succeeded()
      setCookie(c, deviceCookieName(options.secureCookies), token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: options.secureCookies,
        path: '/',
        maxAge: DEVICE_COOKIE_DAYS * 24 * 3600,
      })
      return ok(c, result)
    })
    .get('/me', enrolledDevice(), async (c) => {
      const d = deviceOf(c)
      const [org] = await c
        .get('deps')
        .database
        .db
        .select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone })
        .from(organizations)
        .where(eq(organizations.id, d.organizationId))
      return ok(c, { device: { id: d.id, name: d.name }, organization: org! }) // the device's organization (a foreign key)
    })
}
