// The server's own check of a capture's evidence, run by the job queue (never inside the sync request): the challenge
// it answered (issued to this caller, answered once, within its window; or the device's own, offline), the frames
// analysed in Node (same face-api models): one person in all of them, the head turns of the challenge in order, and
// that person matched against the member's templates under the organization's threshold and margin. The capture's
// checklist (assurance) is completed, and its day approved or held for review by the organization's policy.
import { and, eq, lt, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { attendanceEvents, attendanceRecords, organizations } from '../../db/schema'
import { assuranceLevel, autoApproves, stepsAllowed, type Assurance, type AssuranceLevel, type FaceCheck, type LivenessCheck } from '../../../shared/attendance/evidence'
import { identify, verify as verifyOne, distanceToScore } from '../../../shared/face/match'
import { FACE_DESCRIPTOR_LENGTH } from '../../../shared/face/descriptor'
import { DEFAULT_ORGANIZATION_SETTINGS } from '../organizations/organizations.service'
import { confusableMemberIds, galleryOf } from '../faces/faces.gallery'
import { readQrToken } from './qr'
import { learnFromCapture } from '../faces/learn'
import { answerChallenge } from './challenges'
import { checkRollCallFace } from './roll-call.verify'
import { lowerLevel, type ApprovalStatus } from './attendance.fold'

export const VERIFY_JOB = 'verify-capture'

export interface VerifyJob {
  organization_id: number
  client_id: string
}

/** Checks run on every instance, as many at once as the job queue's concurrency (the machine's cores by default). */
export async function registerVerifyCapture(deps: AppDeps): Promise<void> {
  await deps.jobs.work<VerifyJob>(VERIFY_JOB, (data) => verifyCapture(deps, data))
}

function queueOf(deps: AppDeps): AppDeps['jobs'] | null {
  return deps.jobs ?? null
}

/**
 * Queues the image checks of these captures. A capture whose job is lost anyway (the process died between the commit
 * and this call) is still `verifying` in the database, and the sweep (requeueStuck) queues it again.
 */
export async function queueVerification(deps: AppDeps, organizationId: number, clientIds: readonly string[]): Promise<void> {
  const queue = queueOf(deps)
  if (!queue || clientIds.length === 0) return
  await Promise.all(
    clientIds.map((clientId) =>
      queue.send(VERIFY_JOB, { organization_id: organizationId, client_id: clientId } satisfies VerifyJob, { singletonKey: clientId, retryLimit: 5, retryDelaySeconds: 5 }).catch((err: unknown) => {
        console.error('[hadir] could not queue the check of capture', clientId, err instanceof Error ? err.message : err)
      }),
    ),
  )
}

/** Captures still `verifying` that were received more than `olderThanMs` ago: queued again (idempotent). */
export async function requeueStuck(deps: AppDeps, olderThanMs = 60_000): Promise<number> {
  const rows = await deps.database.db
    .select({ organizationId: attendanceEvents.organizationId, clientId: attendanceEvents.clientId })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.verification, 'verifying'), lt(attendanceEvents.receivedAt, new Date(Date.now() - olderThanMs))))
    .limit(5000)
  const byOrg = new Map<number, string[]>()
  for (const r of rows) byOrg.set(r.organizationId, [...(byOrg.get(r.organizationId) ?? []), r.clientId])
  for (const [org, ids] of byOrg) await queueVerification(deps, org, ids)
  return rows.length
}

const FACE_FLAGS: Partial<Record<FaceCheck['code'], string>> = {
  low_margin: 'low_match_margin',
  not_member: 'face_not_verified',
  not_registered: 'face_not_verified',
  no_face: 'no_face',
  different_people: 'different_people',
  confusable: 'confusable_member',
  unreadable: 'no_face',
}
const LIVENESS_FLAGS: Partial<Record<LivenessCheck['code'], string>> = {
  wrong_order: 'liveness_failed',
  no_turn: 'liveness_failed',
  challenge_reused: 'challenge_reused',
  challenge_unknown: 'liveness_failed',
  outside_window: 'liveness_failed',
}

/** The face decision from the server's probe: this member, clear of everyone else by the margin. */
export async function faceDecision(deps: AppDeps, organizationId: number, memberId: number, probe: Float32Array, threshold: number, margin: number): Promise<FaceCheck> {
  const gallery = await galleryOf(deps, organizationId)
  const own: Float32Array[] = []
  for (let row = 0; row < gallery.size; row++) {
    if (gallery.memberIds[row] === memberId) own.push(gallery.descriptors.subarray(row * FACE_DESCRIPTOR_LENGTH, (row + 1) * FACE_DESCRIPTOR_LENGTH))
  }
  const base = { threshold, margin }
  if (own.length === 0) return { outcome: 'fail', code: 'not_registered', distance: null, other_distance: null, ...base }
  const mine = verifyOne(own, probe, threshold)
  const hit = identify(gallery, probe, { threshold, margin })
  const otherDistance = hit.memberId === memberId ? hit.secondDistance : hit.distance
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000)
  const distance = round(mine.distance)
  if (!mine.verified || hit.memberId !== memberId) return { outcome: 'fail', code: 'not_member', distance, other_distance: round(otherDistance), ...base }
  if (!hit.verified) return { outcome: 'warn', code: 'low_margin', distance, other_distance: round(otherDistance), ...base }
  return { outcome: 'pass', code: 'ok', distance, other_distance: round(otherDistance), ...base }
}

/**
 * The second factor of a kiosk capture (issue 14): a member whose face the recognition can mix up with another
 * member's (templates within threshold + margin) is recorded on a face match only with their own QR code, signed by
 * this server, of this organization, and valid at the capture time. Without it the face line keeps its distances but
 * becomes a caveat ('confusable'), so the day waits for a person to look at it. Any other outcome is left as it is.
 */
export async function withSecondFactor(deps: AppDeps, organizationId: number, memberId: number, face: FaceCheck, qrToken: string | null | undefined, capturedAt: Date): Promise<FaceCheck> {
  if (face.outcome !== 'pass') return face
  const confusable = await confusableMemberIds(deps, organizationId, { threshold: face.threshold, margin: face.margin })
  if (!confusable.has(memberId)) return face
  if (qrToken) {
    const qr = readQrToken(deps.secret, qrToken, capturedAt.getTime())
    if (qr.ok && qr.organizationId === organizationId && qr.memberId === memberId) return { ...face, second_factor: 'qr' }
  }
  return { ...face, outcome: 'warn', code: 'confusable', ...(qrToken ? { second_factor: 'qr_invalid' as const } : {}) }
}

/**
 * Checks one capture. Idempotent: a capture already checked is left alone, and a retried job answers its challenge
 * again as the same capture. Throws only on errors worth a retry (storage or database down).
 */
export async function verifyCapture(deps: AppDeps, job: VerifyJob): Promise<void> {
  const { db } = deps.database
  const [event] = await db
    .select()
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.organizationId, job.organization_id), eq(attendanceEvents.clientId, job.client_id)))
  if (!event || event.verification !== 'verifying' || !event.evidence || !event.assurance) return
  const [org] = await db.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, event.organizationId))
  const settings = { ...DEFAULT_ORGANIZATION_SETTINGS, ...(org?.settings ?? {}) }
  const evidence = event.evidence
  const assurance: Assurance = structuredClone(event.assurance)

  // A face of a roll-call photo: found in the photo by the server, decided like a kiosk capture (roll-call.verify.ts).
  if (evidence.roll_call) {
    const { face_threshold: threshold, face_margin: margin } = settings
    const roll = { ...evidence, roll_call: evidence.roll_call }
    const verdict = await checkRollCallFace(deps, event.organizationId, roll, { threshold, margin }, async (probe) =>
      withSecondFactor(deps, event.organizationId, event.organizationMemberId, await faceDecision(deps, event.organizationId, event.organizationMemberId, probe, threshold, margin), null, event.capturedAt),
    )
    const done: Assurance = { ...assurance, face: verdict.face, liveness: verdict.liveness, checked_at: new Date().toISOString() }
    done.level = assuranceLevel(done)
    const flags = [FACE_FLAGS[verdict.face.code]].filter((f): f is string => Boolean(f))
    await settle(deps, event.id, event.organizationId, event.attendanceRecordId, done, flags, verdict.face.distance, settings.offline_review)
    return
  }

  // The challenge: the server's own copy of the turns when it issued one.
  let steps = evidence.steps
  let liveness: LivenessCheck = { outcome: 'none', code: 'no_evidence', mode: evidence.mode, steps, frames: evidence.frames.length }
  let challengeProblem: LivenessCheck['code'] | null = null
  if (evidence.challenge_id) {
    const answer = await answerChallenge(db, {
      organizationId: event.organizationId,
      id: evidence.challenge_id,
      purposes: event.origin === 'kiosk' ? ['kiosk'] : ['attendance'],
      memberId: event.origin === 'kiosk' ? null : event.organizationMemberId,
      deviceId: event.deviceId,
      usedBy: event.clientId,
      capturedAt: event.capturedAt,
      receivedAt: event.receivedAt,
    })
    if (!answer.ok) challengeProblem = answer.code
    else {
      steps = answer.steps
      if (!answer.inWindow && assurance.time.outcome === 'pass') assurance.time = { ...assurance.time, outcome: 'warn', code: 'outside_challenge' }
    }
  }

  // A phone always answers head turns: a 'move' step (the kiosk's natural movement) from a phone's own offline
  // challenge asks for less than a phone may, so its liveness fails whatever the frames show.
  if (!challengeProblem && !stepsAllowed(steps, event.origin === 'kiosk' ? 'kiosk' : 'phone')) challengeProblem = 'no_turn'

  // The frames, analysed here (worker threads), never taken from the device's numbers.
  const images = await Promise.all(evidence.frames.map(async (f) => ({ t: f.t, image: await deps.storage.get(f.key) })))
  const { analyseEvidence } = await import('../../face/evidence')
  const analysis = await analyseEvidence(
    images.map((f) => ({ t: f.t, image: f.image ?? new Uint8Array() })),
    steps,
  )
  const { face_threshold: threshold, face_margin: margin } = settings
  let face: FaceCheck
  // No usable face at all is "no face", not "different people".
  if (!analysis.samePerson && analysis.frames.some((f) => f.ok)) face = { outcome: 'fail', code: 'different_people', distance: null, other_distance: null, threshold, margin }
  else if (!analysis.probe || !analysis.samePerson) face = { outcome: 'fail', code: analysis.frames.some((f) => f.reason === 'invalid_image') ? 'unreadable' : 'no_face', distance: null, other_distance: null, threshold, margin }
  else face = await faceDecision(deps, event.organizationId, event.organizationMemberId, analysis.probe, threshold, margin)
  // A kiosk names the person from their face alone (1:N): members it can mix up must show their QR code too.
  if (event.origin === 'kiosk') face = await withSecondFactor(deps, event.organizationId, event.organizationMemberId, face, evidence.qr_token, event.capturedAt)

  if (challengeProblem) liveness = { outcome: 'fail', code: challengeProblem, mode: evidence.mode, steps, frames: evidence.frames.length }
  else if (analysis.liveness.passed) liveness = { outcome: 'pass', code: 'passed', mode: evidence.mode, steps, frames: evidence.frames.length }
  else liveness = { outcome: 'fail', code: analysis.liveness.code === 'passed' ? 'no_turn' : analysis.liveness.code, mode: evidence.mode, steps, frames: evidence.frames.length }

  const done: Assurance = { ...assurance, face, liveness, checked_at: new Date().toISOString() }
  done.level = assuranceLevel(done)
  const flags = [FACE_FLAGS[face.code], LIVENESS_FLAGS[liveness.code]].filter((f): f is string => Boolean(f))
  await settle(deps, event.id, event.organizationId, event.attendanceRecordId, done, flags, face.distance, settings.offline_review)
  // Only a capture that passed everything on an issued challenge teaches the member's templates (server/features/faces/learn.ts).
  if (done.level === 'high' && face.code === 'ok' && analysis.probe) {
    try {
      await learnFromCapture(deps, { organizationId: event.organizationId, memberId: event.organizationMemberId, probe: analysis.probe, eventId: event.id })
    } catch (err) {
      // The capture is decided; a template not learned now is learned from a later one.
      console.error('[hadir] could not learn a face template from capture', event.clientId, err instanceof Error ? err.message : err)
    }
  }
}

/** Writes a capture's final checklist and, when no other capture of its day is still being checked, decides the day. */
async function settle(
  deps: AppDeps,
  eventId: number,
  organizationId: number,
  recordId: number | null,
  assurance: Assurance,
  flags: string[],
  distance: number | null,
  offlineReview: 'always' | 'phones' | 'never',
): Promise<void> {
  const changed = await deps.database.db.transaction(async (tx) => {
    const [ev] = await tx
      .update(attendanceEvents)
      .set({ verification: 'done', assurance, faceDistance: distance })
      .where(and(eq(attendanceEvents.id, eventId), eq(attendanceEvents.verification, 'verifying')))
      .returning({ id: attendanceEvents.id, clientId: attendanceEvents.clientId, memberId: attendanceEvents.organizationMemberId })
    if (!ev || recordId === null) return false // another run finished it first
    await tx.execute(sql`select pg_advisory_xact_lock(${organizationId}, ${ev.memberId})`)
    const [day] = await tx.select().from(attendanceRecords).where(and(eq(attendanceRecords.id, recordId), eq(attendanceRecords.organizationId, organizationId))).for('update')
    if (!day) return false
    const events = await tx
      .select({ verification: attendanceEvents.verification, assurance: attendanceEvents.assurance, origin: attendanceEvents.origin })
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.attendanceRecordId, recordId), eq(attendanceEvents.organizationId, organizationId)))
    let level: AssuranceLevel | null = null
    for (const e of events) if (e.verification === 'done' && e.assurance) level = lowerLevel(level, e.assurance.level)
    const stillChecking = events.some((e) => e.verification === 'verifying')
    let approval: ApprovalStatus = day.approvalStatus
    if (day.approvalStatus === 'verifying' && !stillChecking) {
      const allAuto = events.every((e) => e.assurance !== null && autoApproves(e.assurance.level, offlineReview, e.origin))
      approval = allAuto ? 'approved' : 'pending'
    }
    const dayFlags = [...new Set([...day.flags, ...flags])].sort()
    await tx
      .update(attendanceRecords)
      .set({
        approvalStatus: approval,
        assuranceLevel: level,
        flags: dayFlags,
        // The server's own match of the capture that set the day's check-in (the record's score column).
        ...(day.clientId === ev.clientId && distance !== null ? { faceMatchScore: distanceToScore(distance) } : {}),
        updatedAt: new Date(),
      })
      .where(eq(attendanceRecords.id, day.id))
    return true
  })
  if (changed && recordId !== null) {
    const { publishAttendanceChanges } = await import('./admin/attendance-live')
    await publishAttendanceChanges(deps, organizationId, [recordId])
  }
}
