import { and, desc, eq, sql } from 'drizzle-orm'
import type { AppDeps, Principal } from '../../context'
import { attendanceEvents, attendanceRecords } from '../../db/schema'
import type { ServiceContext } from '../../lib/service-context'
import type { SyncResult } from '../../../shared/attendance/sync'
import { clockSkewMs } from '../../../shared/attendance/rules'
import { organizationRules } from './attendance.schedule'
import { recordExcuseKind } from './excuse-kind'
import type { SyncContext, SyncRequest } from './attendance.sync'

/** Who sends the records and the device's clock: a sync context but for the organization's rules (see applyBatch). */
export function syncRequest(deps: AppDeps, principal: Principal & { organizationId: number }, sentAt: string | undefined, mobileDeviceId: string): SyncRequest {
  const now = new Date()
  return {
    deps,
    principal,
    skewMs: sentAt ? clockSkewMs(new Date(sentAt), now) : 0,
    ...(sentAt ? { sentAt: new Date(sentAt) } : {}),
    receivedAt: now,
    mobileDeviceId,
  }
}

/** What checking a device's records needs: who sends them, the organization's rules, and the device's clock. */
export async function syncContext(deps: AppDeps, principal: Principal & { organizationId: number }, sentAt: string | undefined, mobileDeviceId: string): Promise<SyncContext> {
  const request = syncRequest(deps, principal, sentAt, mobileDeviceId)
  return { ...request, rules: await organizationRules(deps.database.db, principal.organizationId) }
}

/** One row of the sync log per exchange (completed when every record landed); an enrolled tablet's last sync moves. One statement. */
export async function logSync(ctx: SyncRequest, results: SyncResult[]): Promise<void> {
  const p = ctx.principal
  const { db } = ctx.deps.database
  const synced = results.filter((r) => r.status === 'applied' || r.status === 'duplicate').length
  const status = synced === results.length ? 'completed' : 'failed'
  const log = sql`insert into attendance_sync_logs (organization_id, mobile_device_id, device_id, sync_status, records_synced)
    values (${p.organizationId}::integer, ${ctx.mobileDeviceId}::text, ${p.deviceId}::integer, ${status}::text, ${synced}::integer)`
  if (p.deviceId === null) await db.execute(log)
  else await db.execute(sql`with log as (${log}) update devices set last_sync_at = now(), updated_at = now() where id = ${p.deviceId}::integer and organization_id = ${p.organizationId}::integer`)
}

/** One capture of the organization by the device's client id, with the approval and flags of the day it landed on; null when there is none. */
export async function findCapture(ctx: ServiceContext, clientId: string) {
  const [row] = await ctx.deps.database.db
    .select({
      clientId: attendanceEvents.clientId,
      memberId: attendanceEvents.organizationMemberId,
      deviceId: attendanceEvents.deviceId,
      recordedBy: attendanceEvents.recordedBy,
      verification: attendanceEvents.verification,
      assurance: attendanceEvents.assurance,
      recordId: attendanceEvents.attendanceRecordId,
      approval: attendanceRecords.approvalStatus,
      flags: attendanceRecords.flags,
    })
    .from(attendanceEvents)
    .leftJoin(attendanceRecords, eq(attendanceRecords.id, attendanceEvents.attendanceRecordId))
    .where(and(eq(attendanceEvents.organizationId, ctx.organizationId), eq(attendanceEvents.clientId, clientId)))
  return row ?? null
}

/** The columns of a member's attendance row, as the member's own list and the member admin page show it. */
export const memberAttendanceColumns = {
  id: attendanceRecords.id,
  attendance_date: attendanceRecords.attendanceDate,
  check_in_time: attendanceRecords.checkInTime,
  check_out_time: attendanceRecords.checkOutTime,
  status: attendanceRecords.status,
  approval_status: attendanceRecords.approvalStatus,
  flags: attendanceRecords.flags,
  remarks: attendanceRecords.remarks,
  excuse_kind: recordExcuseKind,
}

/** The signed-in member's own days, newest first. */
export function myAttendance(ctx: ServiceContext, limit: number) {
  return ctx.deps.database.db
    .select(memberAttendanceColumns)
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, ctx.organizationId), eq(attendanceRecords.organizationMemberId, ctx.memberId!)))
    .orderBy(desc(attendanceRecords.attendanceDate))
    .limit(limit)
}
