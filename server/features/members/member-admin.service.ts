import { FACE_MODEL } from '../../../shared/face/model'
import { and, count, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm'
import { ofMember, unlinkEvidenceFrames } from '../attendance/evidence.store'
import { memberAttendanceColumns } from '../attendance/attendance.service'
import type { Tx } from '../../db/client'
import { attendanceRecords, consents, invitations, memberFaceData, memberRoles, organizationMembers, roles, users } from '../../db/schema'
import { auditBy, tenantTransaction, transaction, type ServiceContext } from '../../lib/service-context'
import { ConflictError, NotFoundError } from '../../errors'
import { invalidateFaces } from '../faces/faces.gallery'
import { getMember, type MemberView } from './members.queries'
import { deletePhotos } from '../../storage/deletes'

export interface MemberDetail extends MemberView {
  face: { descriptors: number; registered_at: string | null; verified: boolean; consent: { version: string; accepted_at: string } | null }
  invitation: { created_at: string; expires_at: string } | null
}

/** One member with what the detail page shows besides the list fields: face state and a pending invitation. */
export function memberDetail(ctx: ServiceContext, memberId: number): Promise<MemberDetail> {
  return tenantTransaction(ctx, (tx) => detailOf(tx, ctx.organizationId, memberId))
}

async function detailOf(tx: Tx, organizationId: number, memberId: number): Promise<MemberDetail> {
  const member = await getMember(tx, organizationId, memberId)
  const [face] = await tx
    .select({
      n: count(),
      registeredAt: sql<string | null>`min(${memberFaceData.faceRegisteredAt})`,
      verified: sql<boolean | null>`bool_or(${memberFaceData.faceVerified})`,
    })
    .from(memberFaceData)
    .where(and(eq(memberFaceData.organizationId, organizationId), eq(memberFaceData.organizationMemberId, memberId), eq(memberFaceData.model, FACE_MODEL.id)))
  const [consent] = await tx
    .select({ version: consents.version, acceptedAt: consents.acceptedAt })
    .from(consents)
    .where(and(eq(consents.organizationId, organizationId), eq(consents.organizationMemberId, memberId), isNull(consents.withdrawnAt)))
    .orderBy(desc(consents.acceptedAt))
    .limit(1)
  const [invitation] = await tx
    .select({ createdAt: invitations.createdAt, expiresAt: invitations.expiresAt })
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.organizationMemberId, memberId),
        isNull(invitations.usedAt),
        sql`${invitations.expiresAt} > now()`,
      ),
    )
    .orderBy(desc(invitations.createdAt))
    .limit(1)
  const registeredAt = face?.registeredAt ? new Date(face.registeredAt).toISOString() : null
  return {
    ...member,
    face: {
      descriptors: Number(face?.n ?? 0),
      registered_at: registeredAt,
      verified: face?.verified ?? false,
      consent: consent ? { version: consent.version, accepted_at: consent.acceptedAt.toISOString() } : null,
    },
    invitation: invitation ? { created_at: invitation.createdAt.toISOString(), expires_at: invitation.expiresAt.toISOString() } : null,
  }
}

/** A member's latest attendance records, newest day first. */
export function recentAttendance(ctx: ServiceContext, memberId: number, limit: number) {
  return tenantTransaction(ctx, (tx) => recentAttendanceOf(tx, ctx.organizationId, memberId, limit))
}

async function recentAttendanceOf(tx: Tx, organizationId: number, memberId: number, limit: number) {
  const [m] = await tx
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (!m) throw new NotFoundError('Member')
  const rows = await tx
    .select({ ...memberAttendanceColumns, source: attendanceRecords.source })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), eq(attendanceRecords.organizationMemberId, memberId)))
    .orderBy(desc(attendanceRecords.attendanceDate), desc(attendanceRecords.id))
    .limit(limit)
  return rows.map((r) => ({
    ...r,
    check_in_time: r.check_in_time ? r.check_in_time.slice(0, 5) : null,
    check_out_time: r.check_out_time ? r.check_out_time.slice(0, 5) : null,
  }))
}

export interface DeleteResult {
  deleted_descriptors: number
  deleted_photos: number
  deleted_attendance_records: number
}

/**
 * Removes a member from the organization for good: their membership row and with it (by cascade) their roles,
 * invitations, consents, sessions, leave requests and attendance records; their face descriptors; and every photo file
 * (reference and attendance photos) through the storage interface. Refused while the member is active (deactivate
 * first: that is the reversible step) and for someone who is also dashboard staff. Their person record goes too when
 * it belongs to no other organization and has no dashboard password; whether it did is not said (neither in the
 * answer nor in the audit log), since that would tell this organization about the person's other memberships.
 */
export async function deleteMember(ctx: ServiceContext, memberId: number): Promise<DeleteResult> {
  const { deps } = ctx
  const photos: string[] = []
  const result = await transaction(ctx, async (tx) => {
    const [m] = await tx
      .select({ id: organizationMembers.id, status: organizationMembers.status, userId: organizationMembers.userId, memberNumber: organizationMembers.memberNumber, name: users.name, passwordHash: users.passwordHash })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, ctx.organizationId)))
      .for('update', { of: organizationMembers })
    if (!m) throw new NotFoundError('Member')
    if (m.status === 'active') throw new ConflictError('Deactivate the member before deleting them', 'MEMBER_ACTIVE')
    const [staff] = await tx
      .select({ n: count() })
      .from(memberRoles)
      .innerJoin(roles, eq(roles.id, memberRoles.roleId))
      .where(and(eq(memberRoles.organizationMemberId, m.id), eq(roles.surface, 'web')))
    if ((staff?.n ?? 0) > 0) throw new ConflictError('This person is also dashboard staff: take their staff roles away first', 'MEMBER_IS_STAFF')

    const faceRows = await tx
      .delete(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(memberFaceData.organizationMemberId, m.id)))
      .returning({ url: memberFaceData.faceImageUrl })
    const attendancePhotos = await tx
      .select({ url: attendanceRecords.faceImageUrl })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, m.id), isNotNull(attendanceRecords.faceImageUrl)))
    const [records] = await tx
      .select({ n: count() })
      .from(attendanceRecords)
      .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, m.id)))
    for (const r of [...faceRows, ...attendancePhotos]) if (r.url) photos.push(r.url)
    photos.push(...(await unlinkEvidenceFrames(tx, ctx.organizationId, ofMember(m.id))))

    await tx.delete(organizationMembers).where(and(eq(organizationMembers.id, m.id), eq(organizationMembers.organizationId, ctx.organizationId)))
    const [elsewhere] = await tx.select({ n: count() }).from(organizationMembers).where(eq(organizationMembers.userId, m.userId))
    const accountDeleted = (elsewhere?.n ?? 0) === 0 && m.passwordHash === null
    if (accountDeleted) await tx.delete(users).where(eq(users.id, m.userId))

    const result: DeleteResult = {
      deleted_descriptors: faceRows.length,
      deleted_photos: photos.length,
      deleted_attendance_records: records?.n ?? 0,
    }
    await auditBy(tx, ctx, { action: 'member.delete', entityType: 'member', entityId: m.id, details: { name: m.name, member_number: m.memberNumber, ...result } })
    return result
  })
  await invalidateFaces(deps, ctx.organizationId)
  // After the commit: a file whose row is gone is never served again; a delete the store refuses now is queued and retried.
  await deletePhotos(deps, photos)
  return result
}
