import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { and, eq, isNull } from 'drizzle-orm'
import type { AppEnv, DevicePrincipal } from '../context'
import { devices } from '../db/schema'
import { hashToken } from './crypto'
import { deviceCookieName } from './session'

const TOUCH_EVERY = 5 * 60 * 1000

/** Resolves the `hadir_device` cookie of an enrolled, unrevoked tablet. */
export async function loadDevice(c: Context<AppEnv>): Promise<DevicePrincipal | null> {
  const { secret, options, database } = c.get('deps')
  const token = getCookie(c, deviceCookieName(options.secureCookies))
  if (!token) return null
  const [d] = await database.db
    .select({ id: devices.id, name: devices.name, organizationId: devices.organizationId, lastSeenAt: devices.lastSeenAt })
    .from(devices)
    .where(and(eq(devices.tokenHash, hashToken(secret, token)), isNull(devices.revokedAt)))
  if (!d) return null
  if (!d.lastSeenAt || Date.now() - d.lastSeenAt.getTime() > TOUCH_EVERY) {
    await database.db.update(devices).set({ lastSeenAt: new Date() }).where(eq(devices.id, d.id))
  }
  return { id: d.id, name: d.name, organizationId: d.organizationId }
}
