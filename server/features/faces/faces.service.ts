import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { z } from 'zod'
import { attendanceRecords, consents, memberFaceData, organizationMembers } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import { FACE_MODEL } from '../../../shared/face/model'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { ofMember, unlinkEvidenceFrames } from '../attendance/evidence.store'
import { invalidateFaces } from './faces.gallery'
import { activeMember, currentConsent } from './faces.registration'
import type { consentInput } from './faces.schemas'
import { deletePhotos } from '../../storage/deletes'

/** A member accepts the current consent text (stored with time and device) before any face data is taken. */
export async function acceptConsent(ctx: ServiceContext, memberId: number, input: z.infer<typeof consentInput>, userAgent: string | undefined) {
  if (input.version !== CONSENT_VERSION) {
    throw new ValidationError('This consent text is out of date. Reload to read the current one.', [{ path: 'version', message: `Current version is ${CONSENT_VERSION}` }], 'CONSENT_VERSION_OUTDATED')
  }
  const row = await transaction(ctx, async (tx) => {
    await activeMember(tx, ctx.organizationId, memberId)
    const [created] = await tx
      .insert(consents)
      .values({
        organizationId: ctx.organizationId,
        organizationMemberId: memberId,
        version: input.version,
        deviceId: input.device_id ?? null,
        userAgent: userAgent?.slice(0, 300) ?? null,
      })
      .returning()
    await auditBy(tx, ctx, { action: 'face.consent', entityType: 'member', entityId: memberId, details: { version: input.version, device_id: input.device_id ?? null } })
    return created!
  })
  return { id: row.id, version: row.version, accepted_at: row.acceptedAt.toISOString() }
}

/** Whether the member's face is registered and their consent current; never the descriptors. */
export async function faceStatus(ctx: ServiceContext, memberId: number) {
  const { db } = ctx.deps.database
  const rows = await db
    .select()
    .from(memberFaceData)
    .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, memberId), eq(memberFaceData.model, FACE_MODEL.id)))
    .orderBy(memberFaceData.id)
  const consent = await currentConsent(db, ctx.organizationId, memberId)
  return {
    registered: rows.length > 0,
    registered_at: rows[0]?.faceRegisteredAt.toISOString() ?? null,
    face_verified: rows.length > 0 && rows.every((r) => r.faceVerified),
    consent: consent ? { version: consent.version, accepted_at: consent.acceptedAt.toISOString(), current: consent.version === CONSENT_VERSION } : null,
    // A member's phone holds no biometric template (a descriptor is not a credential).
    templates: rows.length,
  }
}

/**
 * Withdrawal of consent (or removal): every descriptor and every photo of the member — registration and attendance —
 * is deleted, the consent is marked withdrawn, and the audit log says who did it.
 */
export async function withdrawFace(ctx: ServiceContext, memberId: number, byAdmin: boolean) {
  const { deps } = ctx
  const photos: string[] = []
  const counts = await transaction(ctx, async (tx) => {
    const faceRows = await tx
      .delete(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, memberId)))
      .returning({ url: memberFaceData.faceImageUrl })
    const attendanceRows = await tx
      .select({ url: attendanceRecords.faceImageUrl })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, memberId), isNotNull(attendanceRecords.faceImageUrl)))
    await tx
      .update(attendanceRecords)
      .set({ faceImageUrl: null })
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, memberId)))
    await tx
      .update(consents)
      .set({ withdrawnAt: new Date(), withdrawnBy: ctx.userId })
      .where(and(eq(consents.organizationId, ctx.organizationId), eq(consents.organizationMemberId, memberId), isNull(consents.withdrawnAt)))
    for (const r of [...faceRows, ...attendanceRows]) if (r.url) photos.push(r.url)
    photos.push(...(await unlinkEvidenceFrames(tx, ctx.organizationId, ofMember(memberId))))
    await auditBy(tx, ctx, { action: 'face.withdraw', entityType: 'member', entityId: memberId, details: { by_admin: byAdmin, descriptors: faceRows.length, photos: photos.length } })
    return { deleted_descriptors: faceRows.length, deleted_photos: photos.length }
  })
  await invalidateFaces(deps, ctx.organizationId)
  await deletePhotos(deps, photos)
  return counts
}

/** An admin removes a member's face data on the member's request. */
export async function withdrawFaceByAdmin(ctx: ServiceContext, memberId: number) {
  const [m] = await ctx.deps.database.db
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, ctx.organizationId)))
  if (!m) throw new NotFoundError('Member')
  return withdrawFace(ctx, memberId, true)
}

/** The member's reference photo; every view is audited. */
export async function referencePhoto(ctx: ServiceContext, memberId: number) {
  const { deps } = ctx
  const [row] = await deps.database.db
    .select({ url: memberFaceData.faceImageUrl })
    .from(memberFaceData)
    .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, memberId), isNotNull(memberFaceData.faceImageUrl)))
    .limit(1)
  const bytes = row?.url ? await deps.storage.get(row.url) : null
  if (!bytes) throw new NotFoundError('Photo')
  await auditBy(deps.database.db, ctx, { action: 'face.photo_view', entityType: 'member', entityId: memberId })
  return new Uint8Array(bytes)
}
