import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, deviceOf, enrolledDevice, publicRoute } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { deviceCookieName } from '../../auth/session'
import type { AttemptLimiter, ClientLockout } from '../../auth/rate-limit'
import { idParam, name } from '../organizations/organizations.schemas'
import { createDevice, deviceOrganization, enrolDevice, listDevices, revokeDevice, type DeviceRow } from './devices.service'

const DEVICE_COOKIE_DAYS = 400 // the longest a browser keeps a cookie

const deviceParams = z.object({ id: rowIdParam, deviceId: rowIdParam })

function presentDevice(d: DeviceRow) {
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
    const rows = await listDevices(serviceContext(c))
    return ok(c, { devices: rows.map(presentDevice) })
  })
  .post('/:id/devices', allow('settings:manage'), validate('param', idParam), validate('json', z.object({ name })), async (c) => {
    const { device, code } = await createDevice(serviceContext(c), c.req.valid('json').name)
    return ok(c, { ...presentDevice(device), enrol_code: code }, 201)
  })
  .delete('/:id/devices/:deviceId', allow('settings:manage'), validate('param', deviceParams), async (c) => {
    return ok(c, presentDevice(await revokeDevice(serviceContext(c), c.req.valid('param').deviceId)))
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
      await limiter.hit(`enrol:${ip}`)
      const attempt = await lockout.claim(`enrol:${ip}`)
      const { code, name: deviceName } = c.req.valid('json')
      const { options } = c.get('deps')
      const { enrolled, token } = await enrolDevice(c.get('deps'), {
        code,
        name: deviceName,
        userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
        ip,
        onWrongCode: () => attempt.failed(), // the last allowed wrong code locks the client (429) instead of answering 404
      })
      await attempt.succeeded()
      setCookie(c, deviceCookieName(options.secureCookies), token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: options.secureCookies,
        path: '/',
        maxAge: DEVICE_COOKIE_DAYS * 24 * 3600,
      })
      return ok(c, enrolled)
    })
    .get('/me', enrolledDevice(), async (c) => {
      const d = deviceOf(c)
      return ok(c, { device: { id: d.id, name: d.name }, organization: await deviceOrganization(c.get('deps'), d.organizationId) })
    })
}
