// The app's sign-in verbs (members on phones, petugas on tablets), run before any organization is active: reading and
// redeeming an invitation, PIN sign-in, and face sign-in with its challenge. Each takes the caller's context (the
// client's address, the enrolled tablet) and a `startSession` that starts the session in the sign-in's transaction
// (the route's, since it sets the cookie) and answers like GET /me.
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { hashSecret, verifySecret } from '../../auth/crypto'
import { AppError, UnauthenticatedError, ValidationError } from '../../errors'
import type { CallerContext } from '../../lib/service-context'
import { claimAttempt } from '../auth/auth.service'
import type { faceLoginInput, loginChallengeInput } from '../faces/faces.schemas'
import { matchOptions } from '../faces/faces.gallery'
import { checkLiveEvidence } from '../faces/live-evidence'
import { decoyChallenge, issueChallenge } from '../attendance/challenges'
import { faceDecision } from '../attendance/attendance.verify'
import { chooseMobileRole, completeMobileSignIn, findInvitation, findMember, findMembershipByLogin, isTrivialPin, type MemberRow, mobileRoles, type MobileRole, organizationIdByCode, redeemInvitation } from './mobile.service'

/** Starts the session of a membership in a role, in the sign-in's transaction, and gives the answer. */
export type StartMobileSession<T> = (tx: Tx, member: MemberRow, role: MobileRole) => Promise<T>

export function refuseTrivialPin(pin: string): void {
  if (isTrivialPin(pin)) throw new ValidationError('Choose a PIN that is harder to guess', [{ path: 'pin', message: 'Too easy to guess' }], 'PIN_TOO_SIMPLE')
}

/** What an invitation link shows before the PIN is chosen: the organization and the member's name. */
export async function previewInvitation(ctx: CallerContext, code: string) {
  const inv = await findInvitation(ctx.deps.database.db, ctx.deps.secret, code)
  return { organization: { id: inv.inv.organizationId, name: inv.orgName }, member: { id: inv.inv.organizationMemberId, name: inv.memberName } }
}

/** Redeems an invitation with the PIN the member chose, and signs them in. */
export async function redeemWithPin<T>(ctx: CallerContext, input: { code: string; pin: string; role?: string }, startSession: StartMobileSession<T>): Promise<T> {
  refuseTrivialPin(input.pin)
  const pinHash = await hashSecret(input.pin)
  return redeemInvitation(ctx.deps, { code: input.code, pinHash, device: ctx.device, role: input.role, ip: ctx.ip }, startSession)
}

/**
 * PIN sign-in by member number, email or id in the organization asked for (else the tablet's own). The attempt is
 * counted before the PIN is checked, so parallel guesses cannot outrun the lock.
 */
export async function signInWithPin<T>(ctx: CallerContext, input: { organization?: string; organization_id?: number; login: string; pin: string; role?: string }, startSession: StartMobileSession<T>): Promise<T> {
  const { db } = ctx.deps.database
  // An unknown code answers like a wrong PIN: sign-in tells nobody which organizations exist.
  const byCode = input.organization === undefined ? undefined : ((await organizationIdByCode(db, input.organization)) ?? 0)
  const organizationId = byCode ?? input.organization_id ?? ctx.device?.organizationId
  if (organizationId === undefined) throw new ValidationError('Choose your organization', [{ path: 'organization', message: 'Required', code: 'required' }])
  const m = organizationId ? (await findMembershipByLogin(db, organizationId, input.login))?.m : undefined
  const attempt = m ? await claimAttempt(db, { kind: 'member', id: m.id }) : null
  const valid = await verifySecret(input.pin, m?.pinHash)
  if (!valid) await attempt?.failed()
  else await attempt?.succeeded()
  if (!m || !valid || m.status !== 'active') throw new UnauthenticatedError('Wrong member number or PIN', 'INVALID_CREDENTIALS')
  const role = chooseMobileRole(await mobileRoles(db, m.id), organizationId, ctx.device, input.role)
  const entry = { organizationId, actorUserId: m.userId, actorDeviceId: role.needsDevice ? ctx.device?.id : null, action: 'auth.mobile_login', entityType: 'member', entityId: m.id, details: { role: role.key }, ip: ctx.ip }
  return completeMobileSignIn(ctx.deps, m.id, entry, (tx) => startSession(tx, m, role))
}

/**
 * The head turns a face sign-in must show, issued to the member the phone remembers. A member who does not exist (or
 * is inactive) gets a challenge that looks the same and never answers: this tells nobody who exists.
 */
export async function faceSignInChallenge(ctx: CallerContext, input: z.infer<typeof loginChallengeInput>) {
  const { db } = ctx.deps.database
  const m = await findMember(db, input.organization_id, input.member_id)
  if (!m || m.status !== 'active') return decoyChallenge('login')
  return issueChallenge(db, { organizationId: input.organization_id, purpose: 'login', memberId: m.id, deviceId: null })
}

/**
 * Face sign-in on the member's own phone: the evidence of a sign-in challenge, analysed here, matched 1:1 against the
 * member the phone remembers and clear of everyone else by the margin. Never a bare descriptor (a descriptor leaks
 * from any kiosk's gallery). A miss counts like a wrong PIN; the PIN stays the fallback.
 */
export async function signInWithFace<T>(ctx: CallerContext, input: z.infer<typeof faceLoginInput>, startSession: StartMobileSession<T>): Promise<T> {
  const { deps } = ctx
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
  const role = chooseMobileRole(await mobileRoles(db, m.id), m.organizationId, ctx.device, 'member')
  const entry = { organizationId: m.organizationId, actorUserId: m.userId, action: 'auth.face_login', entityType: 'member', entityId: m.id, details: { distance: face.distance, other_distance: face.other_distance }, ip: ctx.ip }
  return completeMobileSignIn(deps, m.id, entry, (tx) => startSession(tx, m, role))
}
