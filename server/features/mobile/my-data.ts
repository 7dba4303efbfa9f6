// The member's own data, as the access right of UU PDP 27/2022 (Pasal 7 and 32) gives it to them: what the
// organization keeps about them (profile, consents with their versions and dates, face data in words, attendance,
// requests) and who looked at their face photos and when. Read on the phone and downloaded as one JSON file; nothing
// here is another person's data beyond the names of the staff who acted on theirs.
import { and, asc, count, desc, eq, inArray, min, or, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { attendanceRecords, auditLog, consents, correctionRequests, departments, leaveRequests, memberFaceData, organizationMembers, organizations, positions, users } from '../../db/schema'
import type { ServiceContext } from '../../lib/service-context'
import { auditBy } from '../../lib/service-context'
import { memberAttendanceColumns } from '../attendance/attendance.service'

/** The audit actions that are a person looking at this member's face: their reference photo, or a capture's photo. */
const PHOTO_VIEWS = ['face.photo_view', 'attendance.photo_view'] as const

export async function myData(ctx: ServiceContext) {
  const { db } = ctx.deps.database
  const memberId = ctx.memberId!
  const own = and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, ctx.organizationId))
  const [profile] = await db
    .select({
      name: users.name,
      email: users.email,
      phone: users.phone,
      member_number: organizationMembers.memberNumber,
      organization: organizations.name,
      department: departments.name,
      position: positions.name,
      start_date: organizationMembers.startDate,
      joined_at: organizationMembers.createdAt,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(positions, eq(positions.id, organizationMembers.positionId))
    .where(own)

  const mine = (t: { organizationId: AnyPgColumn; organizationMemberId: AnyPgColumn }) => and(eq(t.organizationId, ctx.organizationId), eq(t.organizationMemberId, memberId))

  const consentRows = await db
    .select({ version: consents.version, accepted_at: consents.acceptedAt, withdrawn_at: consents.withdrawnAt, withdrawn_by: users.name })
    .from(consents)
    .leftJoin(users, eq(users.id, consents.withdrawnBy))
    .where(mine(consents))
    .orderBy(asc(consents.acceptedAt))

  const templates = await db
    .select({ source: memberFaceData.source, n: count(), first: min(memberFaceData.faceRegisteredAt), photos: sql<number>`count(${memberFaceData.faceImageUrl})::int` })
    .from(memberFaceData)
    .where(mine(memberFaceData))
    .groupBy(memberFaceData.source)

  const attendance = await db.select(memberAttendanceColumns).from(attendanceRecords).where(mine(attendanceRecords)).orderBy(desc(attendanceRecords.attendanceDate))
  const leave = await db
    .select({ kind: leaveRequests.kind, start_date: leaveRequests.startDate, end_date: leaveRequests.endDate, reason: leaveRequests.reason, status: leaveRequests.status, decided_at: leaveRequests.decidedAt, decision_note: leaveRequests.decisionNote })
    .from(leaveRequests)
    .where(mine(leaveRequests))
    .orderBy(desc(leaveRequests.startDate))
  const corrections = await db
    .select({ date: correctionRequests.attendanceDate, kind: correctionRequests.kind, check_in: correctionRequests.claimedCheckInTime, check_out: correctionRequests.claimedCheckOutTime, reason: correctionRequests.reason, status: correctionRequests.status, decided_at: correctionRequests.decidedAt, decision_note: correctionRequests.decisionNote })
    .from(correctionRequests)
    .where(mine(correctionRequests))
    .orderBy(desc(correctionRequests.attendanceDate))

  // Who looked at the member's face: their reference photo (entity = the member) or the photo of one of their records.
  const recordIds = attendance.map((r) => String(r.id))
  const views = await db
    .select({ at: auditLog.createdAt, action: auditLog.action, by: users.name, record_id: auditLog.entityId })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(
      and(
        eq(auditLog.organizationId, ctx.organizationId),
        inArray(auditLog.action, [...PHOTO_VIEWS]),
        or(
          and(eq(auditLog.entityType, 'member'), eq(auditLog.entityId, String(memberId))),
          recordIds.length > 0 ? and(eq(auditLog.entityType, 'attendance_record'), inArray(auditLog.entityId, recordIds)) : sql`false`,
        ),
      ),
    )
    .orderBy(desc(auditLog.createdAt))
    .limit(500)

  return {
    generated_at: new Date().toISOString(),
    profile: profile ? { ...profile, joined_at: profile.joined_at.toISOString() } : null,
    consents: consentRows.map((c) => ({ ...c, accepted_at: c.accepted_at.toISOString(), withdrawn_at: c.withdrawn_at?.toISOString() ?? null })),
    face: {
      registered: templates.some((t) => t.source === 'registration' && t.n > 0),
      templates: Object.fromEntries(templates.map((t) => [t.source, t.n])) as Partial<Record<'registration' | 'checkin', number>>,
      photos_kept: templates.reduce((sum, t) => sum + t.photos, 0),
      registered_at: templates.map((t) => t.first).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0]?.toISOString() ?? null,
    },
    photo_views: views.map((v) => ({
      at: v.at.toISOString(),
      what: v.action === 'face.photo_view' ? ('face_photo' as const) : ('attendance_photo' as const),
      by: v.by,
      attendance_date: v.action === 'attendance.photo_view' ? (attendance.find((r) => String(r.id) === v.record_id)?.attendance_date ?? null) : null,
    })),
    attendance,
    leave_requests: leave.map((l) => ({ ...l, decided_at: l.decided_at?.toISOString() ?? null })),
    correction_requests: corrections.map((c) => ({ ...c, decided_at: c.decided_at?.toISOString() ?? null })),
  }
}

/** A download of the member's own data is itself recorded, like an admin's export of members. */
export async function recordMyDataDownload(ctx: ServiceContext): Promise<void> {
  await auditBy(ctx.deps.database.db, ctx, { action: 'member.data_download', entityType: 'member', entityId: ctx.memberId! })
}
