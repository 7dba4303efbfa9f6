// What the checks of a sync batch read from the database, once per batch: the members named, the petugas who may be
// named as recorders, and each member's latest capture.
import { and, eq, inArray, sql } from 'drizzle-orm'
import { attendanceEvents, attendanceRecords, departments, memberRoles, organizationMembers, rolePermissions, workSchedules } from '../../db/schema'
import type { SyncRecord } from '../../../shared/attendance/sync'
import type { WorkSchedule } from '../../../shared/attendance/rules'
import type { SyncContext } from './attendance.checks'

export interface BatchLookups {
  members: Map<number, { status: string; schedule: WorkSchedule | null }>
  /** Members the tablet may name as `recorded_by`: active petugas of the organization. */
  recorders: Set<number>
  /** The latest capture time of each of the batch's members among their captures not rejected by a person. */
  lastCaptured: Map<number, Date>
}

export async function loadLookups(ctx: SyncContext, records: readonly SyncRecord[]): Promise<BatchLookups> {
  const { db } = ctx.deps.database
  const p = ctx.principal
  const organizationId = p.organizationId
  const memberIds = [...new Set(records.map((r) => r.member_id))]
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  const recorderIds = mayRecordOthers && p.deviceId ? [...new Set(records.flatMap((r) => (r.recorded_by !== undefined && r.recorded_by !== p.memberId ? [r.recorded_by] : [])))] : []

  const [memberRows, recorderRows, lastRows] = await Promise.all([
    memberIds.length === 0
      ? []
      : db
          .select({
            id: organizationMembers.id,
            status: organizationMembers.status,
            workDays: workSchedules.workDays,
            startTime: workSchedules.startTime,
            endTime: workSchedules.endTime,
            tolerance: workSchedules.lateToleranceMinutes,
          })
          .from(organizationMembers)
          .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
          .leftJoin(workSchedules, eq(workSchedules.id, departments.workScheduleId))
          .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, memberIds))),
    recorderIds.length === 0
      ? []
      : db
          .selectDistinct({ id: organizationMembers.id })
          .from(organizationMembers)
          .innerJoin(memberRoles, eq(memberRoles.organizationMemberId, organizationMembers.id))
          .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
          .where(
            and(
              inArray(organizationMembers.id, recorderIds),
              eq(organizationMembers.organizationId, organizationId),
              eq(organizationMembers.status, 'active'),
              eq(rolePermissions.permission, 'attendance:record:create'),
            ),
          ),
    memberIds.length === 0
      ? []
      : db
          .select({ memberId: attendanceEvents.organizationMemberId, last: sql<Date | string>`max(${attendanceEvents.capturedAt})` })
          .from(attendanceEvents)
          .leftJoin(attendanceRecords, eq(attendanceRecords.id, attendanceEvents.attendanceRecordId))
          .where(
            and(
              eq(attendanceEvents.organizationId, organizationId),
              inArray(attendanceEvents.organizationMemberId, memberIds),
              sql`coalesce(${attendanceRecords.approvalStatus}, 'approved') <> 'rejected'`,
            ),
          )
          .groupBy(attendanceEvents.organizationMemberId),
  ])

  const members = new Map<number, { status: string; schedule: WorkSchedule | null }>()
  for (const m of memberRows) {
    const schedule =
      m.workDays !== null && m.startTime !== null && m.endTime !== null && m.tolerance !== null
        ? { workDays: m.workDays, startTime: m.startTime, endTime: m.endTime, lateToleranceMinutes: m.tolerance }
        : null
    members.set(m.id, { status: m.status, schedule })
  }
  const lastCaptured = new Map<number, Date>()
  for (const row of lastRows) if (row.last !== null) lastCaptured.set(row.memberId, new Date(row.last))
  return { members, recorders: new Set(recorderRows.map((r) => r.id)), lastCaptured }
}
