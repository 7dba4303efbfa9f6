import { Hono } from 'hono'
import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv, Principal } from '../../context'
import { principalOf, publicRoute, signedIn } from '../../auth/guard'
import { createSession, destroySession } from '../../auth/session'
import type { AttemptLimiter } from '../../auth/rate-limit'
import { validate } from '../../lib/validate'
import { pgText, rowId } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { attachment } from '../../lib/spreadsheet'
import { callerContext, serviceContext } from '../../lib/service-context'
import { myData, recordMyDataDownload } from './my-data'
import type { Tx } from '../../db/client'
import { expandPermissions } from '../../../shared/permissions'
import { permissionsOfRole } from '../roles/roles.service'
import { faceLoginInput, loginChallengeInput } from '../faces/faces.schemas'
import { describeMobileMe, type MemberRow, type MobileRole, sessionDevice, updateOwnProfile } from './mobile.service'
import { faceSignInChallenge, previewInvitation, redeemWithPin, signInWithFace, signInWithPin } from './mobile.sign-in'

const pin = z.string().regex(/^\d{6}$/, 'The PIN is 6 digits')
const profilePatch = z
  .object({ name: pgText(120, { trim: true, min: 1 }).optional(), phone: pgText(40, { trim: true }).nullable().optional() })
  .strict()
const codeParam = z.object({ code: pgText(40, { min: 4 }) })
const redeemInput = z.object({ code: pgText(40, { min: 4 }), pin, role: pgText(40).optional() })
const loginInput = z.object({
  // The organization's short name (its code, e.g. "smkn3-hj", shown on the dashboard and in its sign-in link), as a
  // person types it; the numeric id stays for a phone that remembers the account.
  organization: pgText(80, { trim: true, min: 1 }).optional(),
  organization_id: rowId.optional(),
  login: pgText(254, { trim: true, min: 1 }),
  pin: pgText(20),
  role: pgText(40).optional(),
})

/** Starts a mobile session for a membership in a role (sets the cookie) and answers like GET /me. */
function startMobileSession(c: Context<AppEnv>) {
  return async (tx: Tx, m: MemberRow, role: MobileRole) => {
    const device = c.get('device')
    const deviceId = role.needsDevice ? device!.id : null
    await createSession(c, tx, { kind: 'mobile', userId: m.userId, organizationId: m.organizationId, memberId: m.id, roleId: role.id, deviceId })
    const principal: Principal = {
      sessionId: 0,
      kind: 'mobile',
      userId: m.userId,
      userName: '',
      organizationId: m.organizationId,
      memberId: m.id,
      roleId: role.id,
      roleKey: null,
      deviceId,
      permissions: expandPermissions(await permissionsOfRole(tx, role.id)),
    }
    const me = await describeMobileMe(tx, principal)
    me.device = deviceId && device ? { id: device.id, name: device.name } : null
    return me
  }
}

/** Members on phones and petugas on tablets: invitation -> PIN, then PIN sign-in. */
export function mobileRoutes(limiter: AttemptLimiter) {
  return new Hono<AppEnv>()
    .get('/invitations/:code', publicRoute(), validate('param', codeParam), async (c) => {
      await limiter.hit(`invite:${clientIp(c)}`)
      return ok(c, await previewInvitation(callerContext(c), c.req.valid('param').code))
    })
    .post('/invitations/redeem', publicRoute(), validate('json', redeemInput), async (c) => {
      await limiter.hit(`invite:${clientIp(c)}`)
      return ok(c, await redeemWithPin(callerContext(c), c.req.valid('json'), startMobileSession(c)))
    })
    .post('/login', publicRoute(), validate('json', loginInput), async (c) => {
      await limiter.hit(`pin:${clientIp(c)}`)
      // On an enrolled tablet, PIN tries are also limited per tablet (a kiosk is one client, whatever its address).
      const device = c.get('device')
      if (device) await limiter.hit(`pin:device:${device.id}`)
      return ok(c, await signInWithPin(callerContext(c), c.req.valid('json'), startMobileSession(c)))
    })
    .post('/login/challenge', publicRoute(), validate('json', loginChallengeInput), async (c) => {
      await limiter.hit(`pin:${clientIp(c)}`)
      return ok(c, await faceSignInChallenge(callerContext(c), c.req.valid('json')), 201)
    })
    .post('/login/face', publicRoute(), validate('json', faceLoginInput), async (c) => {
      await limiter.hit(`pin:${clientIp(c)}`)
      return ok(c, await signInWithFace(callerContext(c), c.req.valid('json'), startMobileSession(c)))
    })
    .get('/me', signedIn('mobile'), async (c) => {
      const p = principalOf(c)
      const { db } = c.get('deps').database
      const me = await describeMobileMe(db, p)
      if (p.deviceId) {
        me.device = await sessionDevice(db, p.deviceId)
      }
      return ok(c, me)
    })
    .patch('/me', signedIn('mobile'), validate('json', profilePatch), async (c) => {
      // A member edits their own profile: the name and phone are theirs, in every organization they belong to.
      const p = principalOf(c)
      const input = c.req.valid('json')
      await updateOwnProfile(c.get('deps'), p, input, clientIp(c))
      const me = await describeMobileMe(c.get('deps').database.db, p)
      return ok(c, me)
    })
    .get('/me/data', signedIn('mobile'), validate('query', z.object({ download: z.enum(['1']).optional() })), async (c) => {
      // The member's own data (UU PDP's access right): read on the phone, or downloaded as a file (which is audited).
      const ctx = serviceContext(c)
      const data = await myData(ctx)
      if (c.req.valid('query').download !== '1') return ok(c, data)
      await recordMyDataDownload(ctx)
      c.header('Content-Disposition', attachment(`hadir-data-saya-${data.generated_at.slice(0, 10)}.json`))
      c.header('Cache-Control', 'no-store')
      return c.json(data)
    })
    .post('/logout', publicRoute(), async (c) => {
      await destroySession(c)
      return ok(c, {})
    })
}
