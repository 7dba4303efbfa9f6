// Templates that follow the member (issue 14, "templates that grow with server-verified check-ins"): faces age, and
// lighting and glasses change. A capture the server verified itself at the highest level — an issued challenge
// answered live, this member's face with the full margin over everyone else, nothing held for review — adds the
// server's own probe of it as one more template of the member: at most once a week, keeping the newest LEARNED_MAX.
// The registration's templates are never replaced. Never from an unverified record, an offline one, or one with any
// caveat (the caller decides from the finished checklist). Audited: this is processing of biometric data.
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { memberFaceData } from '../../db/schema'
import { audit } from '../../audit'
import { descriptorFromBytes, descriptorToBytes } from '../../../shared/face/descriptor'
import { l2Distance } from '../../../shared/face/match'
import { FACE_MODEL } from '../../../shared/face/model'
import { invalidateFaces } from './faces.gallery'

/** Learned templates kept per member (the newest). */
export const LEARNED_MAX = 3
/** At most one learned template per member in this time. */
export const LEARN_EVERY_MS = 7 * 24 * 60 * 60 * 1000
/** A probe this close to a template the member already has adds nothing (L2 between unit vectors). */
export const LEARN_MIN_NOVELTY = 0.35

export type LearnOutcome = 'learned' | 'no_registration' | 'too_soon' | 'not_new'

export async function learnFromCapture(
  deps: AppDeps,
  input: { organizationId: number; memberId: number; probe: Float32Array; eventId: number; now?: Date },
): Promise<LearnOutcome> {
  const now = input.now ?? new Date()
  const outcome = await deps.database.db.transaction(async (tx): Promise<LearnOutcome> => {
    // One decision at a time per member (the key the capture's day is settled under), so two checks never both learn.
    await tx.execute(sql`select pg_advisory_xact_lock(${input.organizationId}, ${input.memberId})`)
    const rows = await tx
      .select({ id: memberFaceData.id, source: memberFaceData.source, encoding: memberFaceData.faceEncoding, createdAt: memberFaceData.createdAt })
      .from(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, input.organizationId), eq(memberFaceData.organizationMemberId, input.memberId), eq(memberFaceData.model, FACE_MODEL.id)))
    // Withdrawn (or never registered) meanwhile: nothing to add to.
    if (!rows.some((r) => r.source === 'registration')) return 'no_registration'
    const learned = rows.filter((r) => r.source === 'checkin').sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
    if (learned[0] && now.getTime() - learned[0].createdAt.getTime() < LEARN_EVERY_MS) return 'too_soon'
    const nearest = Math.min(...rows.map((r) => l2Distance(descriptorFromBytes(new Uint8Array(r.encoding)), input.probe)))
    if (nearest < LEARN_MIN_NOVELTY) return 'not_new'
    await tx.insert(memberFaceData).values({
      organizationId: input.organizationId,
      organizationMemberId: input.memberId,
      faceEncoding: Buffer.from(descriptorToBytes(input.probe)),
      model: FACE_MODEL.id,
      source: 'checkin',
      faceVerified: true,
      createdAt: now,
    })
    const dropped = learned.slice(LEARNED_MAX - 1).map((r) => r.id)
    if (dropped.length > 0) await tx.delete(memberFaceData).where(and(eq(memberFaceData.organizationId, input.organizationId), inArray(memberFaceData.id, dropped)))
    await audit(tx, {
      organizationId: input.organizationId,
      action: 'face.template_learned',
      entityType: 'member',
      entityId: input.memberId,
      details: { attendance_event_id: input.eventId, distance_to_nearest: Math.round(nearest * 1000) / 1000, replaced: dropped.length },
    })
    return 'learned'
  })
  if (outcome === 'learned') await invalidateFaces(deps, input.organizationId)
  return outcome
}
