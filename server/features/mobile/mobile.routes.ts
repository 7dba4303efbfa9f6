import { Hono } from 'hono'
import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv, Principal } from '../../context'
import { principalOf, publicRoute, signedIn } from '../../auth/guard'
import { createSession, destroySession } from '../../auth/session'
import { hashSecret, verifySecret } from '../../auth/crypto'
import type { AttemptLimiter } from '../../auth/rate-limit'
import { validate } from '../../lib/validate'
import { pgText, rowId } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import type { Tx } from '../../db/client'
import { AppError, UnauthenticatedError, ValidationError } from '../../errors'
import { expandPermissions } from '../../../shared/permissions'
import { permissionsOfRole } from '../roles/roles.service'
import { claimAttempt } from '../auth/auth.service'
import { faceLoginInput, loginChallengeInput } from '../faces/faces.schemas'
import { matchOptions } from '../faces/faces.gallery'
import { checkLiveEvidence } from '../faces/live-evidence'
import { decoyChallenge, issueChallenge } from '../attendance/challenges'
import { faceDecision } from '../attendance/attendance.verify'
import {
  chooseMobileRole,
  completeMobileSignIn,
  describeMobileMe,
  findInvitation,
  findMember,
  findMembershipByLogin,
  isTrivialPin,
  mobileRoles,
  redeemInvitation,
  sessionDevice,
  updateOwnProfile,
} from './mobile.service'

const pin = z.string().regex(/^\d{6}$/, 'The PIN is 6 digits')
const profilePatch = z
  .object({ name: pgText(120, { trim: true, min: 1 }).optional(), phone: pgText(40, { trim: true }).nullable().optional() })
  .strict()
const codeParam = z.object({ code: pgText(40, { min: 4 }) })
const redeemInput = z.object({ code: pgText(40, { min: 4 }), pin, role: pgText(40).optional() })
const loginInput = z.object({
  organization_id: rowId.optional(),
  login: pgText(254, { trim: true, min: 1 }),
  pin: pgText(20),
  role: pgText(40).optional(),
})

/** Starts a mobile session for a membership in a role and answers like GET /me. */
async function signInMobile(c: Context<AppEnv>, tx: Tx, m: { id: number; userId: number; organizationId: number }, roleId: number, needsDevice: boolean) {
  const device = c.get('device')
  const deviceId = needsDevice ? device!.id : null
  await createSession(c, tx, { kind: 'mobile', userId: m.userId, organizationId: m.organizationId, memberId: m.id, roleId, deviceId })
  const principal: Principal = {
    sessionId: 0,
    kind: 'mobile',
    userId: m.userId,
    userName: '',
    organizationId: m.organizationId,
    memberId: m.id,
    roleId,
    roleKey: null,
    deviceId,
    permissions: expandPermissions(await permissionsOfRole(tx, roleId)),
  }
  const me = await describeMobileMe(tx, principal)
  me.device = deviceId && device ? { id: device.id, name: device.name } : null
  return me
}

/** Members on phones and petugas on tablets: invitation -> PIN, then PIN sign-in. */
export function mobileRoutes(limiter: AttemptLimiter) {
  return new Hono<AppEnv>()
    .get('/invitations/:code', publicRoute(), validate('param', codeParam), async (c) => {
      limiter.hit(`invite:${clientIp(c)}`)
      const inv = await findInvitation(c.get('deps').database.db, c.get('deps').secret, c.req.valid('param').code)
      return ok(c, {
        organization: { id: inv.inv.organizationId, name: inv.orgName },
        member: { id: inv.inv.organizationMemberId, name: inv.memberName },
      })
    })
    .post('/invitations/redeem', publicRoute(), validate('json', redeemInput), async (c) => {
      limiter.hit(`invite:${clientIp(c)}`)
      const input = c.req.valid('json')
      if (isTrivialPin(input.pin)) {
        throw new ValidationError('Choose a PIN that is harder to guess', [{ path: 'pin', message: 'Too easy to guess' }], 'PIN_TOO_SIMPLE')
      }
      const pinHash = await hashSecret(input.pin)
      const redemption = { code: input.code, pinHash, device: c.get('device'), role: input.role, ip: clientIp(c) }
      const me = await redeemInvitation(c.get('deps'), redemption, (tx, m, role) => signInMobile(c, tx, m, role.id, role.needsDevice))
      return ok(c, me)
    })
    .post('/login', publicRoute(), validate('json', loginInput), async (c) => {
      limiter.hit(`pin:${clientIp(c)}`)
      const device = c.get('device')
      // On an enrolled tablet, PIN tries are also limited per tablet (a kiosk is one client, whatever its address).
      if (device) limiter.hit(`pin:device:${device.id}`)
      const input = c.req.valid('json')
      const organizationId = input.organization_id ?? device?.organizationId
      if (!organizationId) {
        throw new ValidationError('Choose your organization', [{ path: 'organization_id', message: 'Required' }])
      }
      const { db } = c.get('deps').database
      const found = await findMembershipByLogin(db, organizationId, input.login)
      const m = found?.m
      // Counted before the PIN is checked, so parallel guesses cannot outrun the lock.
      const attempt = m ? await claimAttempt(db, { kind: 'member', id: m.id }) : null
      const valid = await verifySecret(input.pin, m?.pinHash)
      if (!valid) await attempt?.failed()
      else await attempt?.succeeded()
      if (!m || !valid || m.status !== 'active') {
        throw new UnauthenticatedError('Wrong member number or PIN', 'INVALID_CREDENTIALS')
      }
      const role = chooseMobileRole(await mobileRoles(db, m.id), organizationId, device, input.role)
      const entry = { organizationId, actorUserId: m.userId, actorDeviceId: role.needsDevice ? device?.id : null, action: 'auth.mobile_login', entityType: 'member', entityId: m.id, details: { role: role.key }, ip: clientIp(c) }
      const me = await completeMobileSignIn(c.get('deps'), m.id, entry, (tx) => signInMobile(c, tx, m, role.id, role.needsDevice))
      return ok(c, me)
    })
    .post('/login/challenge', publicRoute(), validate('json', loginChallengeInput), async (c) => {
      // The head turns a face sign-in must show, issued to the member the phone remembers. A member who does not exist
      // (or is inactive) gets a challenge that looks the same and never answers: this route tells nobody who exists.
      limiter.hit(`pin:${clientIp(c)}`)
      const input = c.req.valid('json')
      const { db } = c.get('deps').database
      const m = await findMember(db, input.organization_id, input.member_id)
      if (!m || m.status !== 'active') return ok(c, decoyChallenge('login'), 201)
      return ok(c, await issueChallenge(db, { organizationId: input.organization_id, purpose: 'login', memberId: m.id, deviceId: null }), 201)
    })
    .post('/login/face', publicRoute(), validate('json', faceLoginInput), async (c) => {
      // Face sign-in on the member's own phone: the evidence of a sign-in challenge, analysed here, matched 1:1 against
      // the member the phone remembers and clear of everyone else by the margin. Never a bare descriptor (a
      // descriptor leaks from any kiosk's gallery). A miss counts like a wrong PIN; the PIN stays the fallback.
      limiter.hit(`pin:${clientIp(c)}`)
      const input = c.req.valid('json')
      const deps = c.get('deps')
      const { db } = deps.database
      const m = await findMember(db, input.organization_id, input.member_id)
      const attempt = m ? await claimAttempt(db, { kind: 'member', id: m.id }) : null
      let face: Awaited<ReturnType<typeof faceDecision>> | null = null
      let livenessOk = false
      if (m && m.status === 'active') {
        try {
          const { analysis } = await checkLiveEvidence(deps, { organizationId: m.organizationId, memberId: m.id, evidence: input.evidence, purpose: 'login' })
          livenessOk = analysis.liveness.passed && analysis.samePerson
          if (livenessOk && analysis.probe) {
            const options = await matchOptions(db, m.organizationId)
            face = await faceDecision(deps, m.organizationId, m.id, analysis.probe, options.threshold, options.margin)
          }
        } catch (err) {
          if (!(err instanceof ValidationError) && !(err instanceof AppError)) throw err
        }
      }
      if (!m || m.status !== 'active' || !livenessOk || face?.outcome !== 'pass') {
        await attempt?.failed()
        throw new UnauthenticatedError('Face not recognised. Try again or use your PIN.', 'FACE_NOT_RECOGNISED')
      }
      await attempt?.succeeded()
      const role = chooseMobileRole(await mobileRoles(db, m.id), m.organizationId, c.get('device'), 'member')
      const entry = { organizationId: m.organizationId, actorUserId: m.userId, action: 'auth.face_login', entityType: 'member', entityId: m.id, details: { distance: face.distance, other_distance: face.other_distance }, ip: clientIp(c) }
      const me = await completeMobileSignIn(deps, m.id, entry, (tx) => signInMobile(c, tx, m, role.id, role.needsDevice))
      return ok(c, me)
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
    .post('/logout', publicRoute(), async (c) => {
      await destroySession(c)
      return ok(c, {})
    })
}
