import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { consents, memberFaceData, organizationMembers, users } from '../../db/schema'
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors'
import { galleryWithout, identify, l2Distance } from '../../../shared/face/match'
import { descriptorToBytes } from '../../../shared/face/descriptor'
import { FACE_MODEL } from '../../../shared/face/model'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import type { Evidence } from '../../../shared/attendance/evidence'
import { assertImage, decodePhoto, normalizePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { checkLiveEvidence } from './live-evidence'
import { galleryOf, invalidateFaces, matchOptions } from './faces.gallery'
import { deletePhotos } from '../../storage/deletes'

export const MIN_CAPTURES = 3
export const MAX_CAPTURES = 10

/** The member, if it is in this organization and active; 404 otherwise. */
export async function activeMember(tx: Tx, organizationId: number, memberId: number) {
  const [m] = await tx
    .select({ id: organizationMembers.id, name: users.name, userId: users.id, status: organizationMembers.status })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (!m || m.status !== 'active') throw new NotFoundError('Member')
  return m
}

export async function currentConsent(tx: Tx, organizationId: number, memberId: number) {
  const [c] = await tx
    .select()
    .from(consents)
    .where(and(eq(consents.organizationId, organizationId), eq(consents.organizationMemberId, memberId), isNull(consents.withdrawnAt)))
    .orderBy(sql`${consents.acceptedAt} desc`)
    .limit(1)
  return c ?? null
}

const QUALITY_ERRORS: Record<string, readonly ['NO_FACE' | 'MULTIPLE_FACES' | 'FACE_TOO_SMALL' | 'LOW_CONFIDENCE' | 'NOT_AN_IMAGE', string]> = {
  no_face: ['NO_FACE', 'No face was found in the photo. Look at the camera in good light.'],
  multiple_faces: ['MULTIPLE_FACES', 'More than one face is in the photo. Only you may be in the picture.'],
  too_small: ['FACE_TOO_SMALL', 'The face is too small. Move closer to the camera.'],
  low_confidence: ['LOW_CONFIDENCE', 'The face is not clear enough. Find more light and look at the camera.'],
  bad_descriptor: ['NO_FACE', 'The face in the photo could not be read. Try again.'],
  invalid_image: ['NOT_AN_IMAGE', 'The photo could not be read as an image.'],
}

export interface PreparedRegistration {
  descriptors: Float32Array[]
  photo: Buffer
  faceVerified: boolean
}

/**
 * Everything that can be checked before touching the database. The templates come from the server's own analysis of
 * the evidence frames (a challenge the server issued for this registration, answered once: the head turns in order,
 * one person in every frame), never from the device's numbers: at least MIN_CAPTURES frontal frames. The reference
 * photo must show exactly one clear face, the same one, and the face must not already be another member's.
 */
export async function prepareRegistration(
  deps: AppDeps,
  organizationId: number,
  memberId: number,
  input: { evidence: Evidence; face_image: string },
): Promise<PreparedRegistration> {
  const bytes = decodePhoto(input.face_image)
  await assertImage(bytes)
  const options = await matchOptions(deps.database.db, organizationId)
  const { analysis } = await checkLiveEvidence(deps, { organizationId, memberId, evidence: input.evidence, purpose: 'register' })
  if (!analysis.frames.some((f) => f.ok)) {
    throw new ValidationError('No face was found in the pictures. Look at the camera in good light.', [{ path: 'evidence.frames', message: 'no_face' }], 'NO_FACE')
  }
  if (!analysis.samePerson) {
    throw new ValidationError('The pictures do not all show the same face. Start again with only you in view.', undefined, 'DIFFERENT_PEOPLE')
  }
  if (!analysis.liveness.passed) {
    throw new ValidationError('The head turns were not seen as asked. Start again and turn your head when asked.', [{ path: 'evidence', message: analysis.liveness.code }], 'LIVENESS_FAILED')
  }
  const descriptors = analysis.frontal.slice(0, MAX_CAPTURES - 1)
  if (descriptors.length < MIN_CAPTURES) {
    throw new ValidationError(`Hold still facing the camera a moment longer: ${MIN_CAPTURES} clear pictures are needed`, [{ path: 'evidence.frames', message: `At least ${MIN_CAPTURES} frontal frames`, minimum: MIN_CAPTURES }], 'TOO_FEW_CAPTURES')
  }

  const { describeSingleFace } = await import('../../face/inference')
  const described = await describeSingleFace(bytes)
  if (!described.ok) {
    const [code, message] = QUALITY_ERRORS[described.reason] ?? (['NO_FACE', described.message] as const)
    if (code === 'NOT_AN_IMAGE') throw new AppError(415, code, message)
    throw new ValidationError(message, [{ path: 'face_image', message: described.message }], code)
  }
  const photoDistance = Math.min(...descriptors.map((d) => l2Distance(d, described.descriptor)))
  if (photoDistance >= options.threshold) {
    throw new ValidationError('The photo does not show the same face as the captures. Try again.', undefined, 'PHOTO_MISMATCH')
  }

  const others = galleryWithout(await galleryOf(deps, organizationId), memberId)
  if (others.size > 0) {
    for (const d of [described.descriptor, ...descriptors]) {
      const hit = identify(others, d, options)
      if (hit.distance !== null && hit.distance < options.threshold) {
        throw new ConflictError(
          'This face is already registered to another member of the organization. Ask your admin for help.',
          'FACE_BELONGS_TO_OTHER_MEMBER',
        )
      }
    }
  }
  return { descriptors: [described.descriptor, ...descriptors], photo: await normalizePhoto(bytes), faceVerified: true }
}

/** Stores a prepared registration, replacing the member's earlier face data when `replace`. */
export async function saveRegistration(ctx: ServiceContext, registration: { memberId: number; deviceId?: string }, prepared: PreparedRegistration, replace: boolean) {
  const { deps } = ctx
  const { memberId, deviceId } = registration
  const key = photoKey(ctx.organizationId, 'faces', memberId)
  await deps.storage.put(key, prepared.photo)
  let oldPhotos: string[] = []
  try {
    const result = await transaction(ctx, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727100, ${memberId})`)
      const consent = await currentConsent(tx, ctx.organizationId, memberId)
      if (!consent || consent.version !== CONSENT_VERSION) {
        throw new ConflictError('Accept the consent to the use of your face data first', 'CONSENT_REQUIRED')
      }
      const existing = await tx
        .select({ id: memberFaceData.id, url: memberFaceData.faceImageUrl })
        .from(memberFaceData)
        .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, memberId)))
      if (existing.length > 0 && !replace) {
        throw new ConflictError('A face is already registered. Use "register again" to replace it.', 'ALREADY_REGISTERED')
      }
      oldPhotos = existing.flatMap((e) => (e.url ? [e.url] : []))
      if (existing.length) await tx.delete(memberFaceData).where(inArray(memberFaceData.id, existing.map((e) => e.id)))
      const now = new Date()
      const rows = await tx
        .insert(memberFaceData)
        .values(
          prepared.descriptors.map((d, i) => ({
            organizationId: ctx.organizationId,
            organizationMemberId: memberId,
            faceEncoding: Buffer.from(descriptorToBytes(d)),
            model: FACE_MODEL.id,
            faceImageUrl: i === 0 ? key : null,
            faceRegisteredAt: now,
            faceVerified: prepared.faceVerified,
          })),
        )
        .returning({ id: memberFaceData.id })
      await auditBy(tx, ctx, {
        action: replace ? 'face.update' : 'face.register',
        entityType: 'member',
        entityId: memberId,
        details: { descriptors: rows.length, device_id: deviceId ?? null, consent_version: consent.version },
      })
      return { id: rows[0]!.id, at: now }
    })
    await invalidateFaces(deps, ctx.organizationId)
    await deletePhotos(deps, oldPhotos) // after the commit: a delete the store refuses is queued, never undoes the registration
    return { ...result, templates: prepared.descriptors.length, faceVerified: prepared.faceVerified }
  } catch (err) {
    await deletePhotos(deps, [key])
    throw err
  }
}

/** A member registers (or, with `replace`, registers again) their own face from a challenge's evidence and a photo. */
export async function registerFace(ctx: ServiceContext, memberId: number, input: { evidence: Evidence; face_image: string; device_id?: string }, replace: boolean) {
  const { deps } = ctx
  await activeMember(deps.database.db, ctx.organizationId, memberId)
  // Cheap refusals first; saveRegistration checks consent again inside its transaction.
  const consent = await currentConsent(deps.database.db, ctx.organizationId, memberId)
  if (!consent || consent.version !== CONSENT_VERSION) {
    throw new ConflictError('Accept the consent to the use of your face data first', 'CONSENT_REQUIRED')
  }
  const prepared = await prepareRegistration(deps, ctx.organizationId, memberId, input)
  return saveRegistration(ctx, { memberId, deviceId: input.device_id }, prepared, replace)
}
