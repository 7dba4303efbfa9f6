import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { attendanceRecords, consents, memberFaceData, organizationMembers, organizations, users } from '../../db/schema'
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors'
import { audit } from '../../audit'
import { buildGallery, galleryWithout, identify, l2Distance, type FaceGallery, type MatchOptions } from '../../../shared/face/match'
import { decodeDescriptor, DescriptorError, descriptorFromBytes, descriptorToBytes, encodeDescriptor } from '../../../shared/face/descriptor'
import { FACE_MODEL } from '../../../shared/face/model'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import { assertImage, decodePhoto, normalizePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import { DEFAULT_ORGANIZATION_SETTINGS } from '../organizations/organizations.service'
import { checkLiveEvidence } from './live-evidence'
import { confusableLimit, confusableMembers, confusablePairs, type ConfusablePair } from '../../../shared/face/confusable'
import type { Evidence } from '../../../shared/attendance/evidence'
import { ofMember, unlinkEvidenceFrames } from '../attendance/evidence.store'

export const MIN_CAPTURES = 3
export const MAX_CAPTURES = 10

/** The organization's matching settings (threshold, margin) with defaults. */
export async function matchOptions(tx: Tx, organizationId: number): Promise<MatchOptions & { reverify: boolean }> {
  const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, organizationId))
  if (!org) throw new NotFoundError('Organization')
  const s = { ...DEFAULT_ORGANIZATION_SETTINGS, ...org.settings }
  return { threshold: s.face_threshold, margin: s.face_margin, reverify: s.face_reverify_photos }
}

/** Every descriptor of the organization's active members, as one gallery. */
export async function loadGallery(tx: Tx, organizationId: number): Promise<FaceGallery> {
  const rows = await tx
    .select({ memberId: memberFaceData.organizationMemberId, encoding: memberFaceData.faceEncoding })
    .from(memberFaceData)
    .innerJoin(organizationMembers, eq(organizationMembers.id, memberFaceData.organizationMemberId))
    .where(and(eq(memberFaceData.organizationId, organizationId), eq(organizationMembers.status, 'active'), eq(memberFaceData.model, FACE_MODEL.id)))
  return buildGallery(rows.map((r) => ({ memberId: r.memberId, descriptor: descriptorFromBytes(new Uint8Array(r.encoding)) })))
}

export const FACE_INDEX_CHANNEL = 'hadir_face_index'

/**
 * Drops an organization's cached 1:N gallery here and, through PostgreSQL NOTIFY, in every other server instance on
 * the same database (see subscribeFaceIndex), so no instance keeps matching a withdrawn or changed face.
 */
export async function invalidateFaces(deps: AppDeps, organizationId: number): Promise<void> {
  deps.faceIndex.invalidate(organizationId)
  try {
    await deps.database.notify(FACE_INDEX_CHANNEL, String(organizationId))
  } catch (err) {
    console.error('[hadir] face index notify failed:', err instanceof Error ? err.message : err)
  }
}

/** Listens for other instances' invalidations. */
export async function subscribeFaceIndex(deps: AppDeps): Promise<void> {
  await deps.database.listen(FACE_INDEX_CHANNEL, (payload) => {
    const id = Number(payload)
    if (Number.isInteger(id) && id > 0) deps.faceIndex.invalidate(id)
  })
}

export function galleryOf(deps: AppDeps, organizationId: number): Promise<FaceGallery> {
  return deps.faceIndex.get(organizationId, (id) => loadGallery(deps.database.db, id))
}

/**
 * The confusable pairs of a gallery under these options, computed once per cached gallery (O(rows²), so not per
 * capture): the gallery object is replaced whenever a face or the settings change (invalidateFaces), which drops this.
 */
const confusableCache = new WeakMap<FaceGallery, { key: string; pairs: ConfusablePair[]; members: Set<number> }>()

export function confusableOf(gallery: FaceGallery, options: MatchOptions): { pairs: ConfusablePair[]; members: Set<number> } {
  const key = `${options.threshold}:${options.margin}`
  const known = confusableCache.get(gallery)
  if (known && known.key === key) return known
  const pairs = confusablePairs(gallery, options)
  const entry = { key, pairs, members: confusableMembers(pairs) }
  confusableCache.set(gallery, entry)
  return entry
}

/** The organization's members the recognition can mix up with another (a kiosk asks them for their QR code too). */
export async function confusableMemberIds(deps: AppDeps, organizationId: number, options: MatchOptions): Promise<Set<number>> {
  return confusableOf(await galleryOf(deps, organizationId), options).members
}

export interface ConfusableMember {
  id: number
  name: string
  member_number: string | null
}

/**
 * The organization's confusable members (issue 14): pairs whose face templates sit within threshold + margin of each
 * other, closest first, with who they are. A capture of one of them could be taken for the other.
 */
export async function confusableReport(deps: AppDeps, organizationId: number) {
  const { db } = deps.database
  const options = await matchOptions(db, organizationId)
  const gallery = await galleryOf(deps, organizationId)
  const { pairs } = confusableOf(gallery, options)
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))]
  const people = new Map<number, ConfusableMember>()
  if (ids.length > 0) {
    const rows = await db
      .select({ id: organizationMembers.id, name: users.name, member_number: organizationMembers.memberNumber })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, ids)))
    for (const r of rows) people.set(r.id, r)
  }
  const who = (id: number): ConfusableMember => people.get(id) ?? { id, name: '?', member_number: null }
  return {
    threshold: options.threshold,
    margin: options.margin,
    limit: Math.round(confusableLimit(options) * 10_000) / 10_000,
    members_with_faces: new Set(gallery.memberIds).size,
    pairs: pairs.map((p) => ({ a: who(p.a), b: who(p.b), distance: Math.round(p.distance * 10_000) / 10_000 })),
  }
}

/** Parses a base64 descriptor into floats, or a 422 naming the field. */
export function parseDescriptor(value: string, field: string): Float32Array {
  try {
    return decodeDescriptor(value)
  } catch (err) {
    if (err instanceof DescriptorError) {
      throw new ValidationError('The face data is not a valid face descriptor', [{ path: field, message: err.message }], 'BAD_DESCRIPTOR')
    }
    throw err
  }
}

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

const QUALITY_ERRORS: Record<string, [string, string]> = {
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
    const [code, message] = QUALITY_ERRORS[described.reason] ?? ['NO_FACE', described.message]
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
export async function saveRegistration(
  deps: AppDeps,
  ctx: { organizationId: number; memberId: number; actorUserId: number; deviceId?: string; ip: string },
  prepared: PreparedRegistration,
  replace: boolean,
) {
  const key = photoKey(ctx.organizationId, 'faces', ctx.memberId)
  await deps.storage.put(key, prepared.photo)
  let oldPhotos: string[] = []
  try {
    const result = await deps.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727100, ${ctx.memberId})`)
      const consent = await currentConsent(tx, ctx.organizationId, ctx.memberId)
      if (!consent || consent.version !== CONSENT_VERSION) {
        throw new ConflictError('Accept the consent to the use of your face data first', 'CONSENT_REQUIRED')
      }
      const existing = await tx
        .select({ id: memberFaceData.id, url: memberFaceData.faceImageUrl })
        .from(memberFaceData)
        .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, ctx.memberId)))
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
            organizationMemberId: ctx.memberId,
            faceEncoding: Buffer.from(descriptorToBytes(d)),
            model: FACE_MODEL.id,
            faceImageUrl: i === 0 ? key : null,
            faceRegisteredAt: now,
            faceVerified: prepared.faceVerified,
          })),
        )
        .returning({ id: memberFaceData.id })
      await audit(tx, {
        organizationId: ctx.organizationId,
        actorUserId: ctx.actorUserId,
        action: replace ? 'face.update' : 'face.register',
        entityType: 'member',
        entityId: ctx.memberId,
        details: { descriptors: rows.length, device_id: ctx.deviceId ?? null, consent_version: consent.version },
        ip: ctx.ip,
      })
      return { id: rows[0]!.id, at: now }
    })
    await invalidateFaces(deps, ctx.organizationId)
    await Promise.all(oldPhotos.map((k) => deps.storage.delete(k)))
    return { ...result, templates: prepared.descriptors.length, faceVerified: prepared.faceVerified }
  } catch (err) {
    await deps.storage.delete(key)
    throw err
  }
}

/**
 * Withdrawal of consent (or removal): every descriptor and every photo of the member — registration and attendance —
 * is deleted, the consent is marked withdrawn, and the audit log says who did it.
 */
export async function withdrawFace(deps: AppDeps, ctx: { organizationId: number; memberId: number; actorUserId: number; ip: string; byAdmin: boolean }) {
  const photos: string[] = []
  const counts = await deps.database.db.transaction(async (tx) => {
    const faceRows = await tx
      .delete(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, ctx.memberId)))
      .returning({ url: memberFaceData.faceImageUrl })
    const attendanceRows = await tx
      .select({ url: attendanceRecords.faceImageUrl })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, ctx.memberId), isNotNull(attendanceRecords.faceImageUrl)))
    await tx
      .update(attendanceRecords)
      .set({ faceImageUrl: null })
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, ctx.memberId)))
    await tx
      .update(consents)
      .set({ withdrawnAt: new Date(), withdrawnBy: ctx.actorUserId })
      .where(and(eq(consents.organizationId, ctx.organizationId), eq(consents.organizationMemberId, ctx.memberId), isNull(consents.withdrawnAt)))
    for (const r of [...faceRows, ...attendanceRows]) if (r.url) photos.push(r.url)
    photos.push(...(await unlinkEvidenceFrames(tx, ctx.organizationId, ofMember(ctx.memberId))))
    await audit(tx, {
      organizationId: ctx.organizationId,
      actorUserId: ctx.actorUserId,
      action: 'face.withdraw',
      entityType: 'member',
      entityId: ctx.memberId,
      details: { by_admin: ctx.byAdmin, descriptors: faceRows.length, photos: photos.length },
      ip: ctx.ip,
    })
    return { deleted_descriptors: faceRows.length, deleted_photos: photos.length }
  })
  await invalidateFaces(deps, ctx.organizationId)
  await Promise.all(photos.map((k) => deps.storage.delete(k)))
  return counts
}
