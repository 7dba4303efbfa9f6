import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import type { z } from 'zod'
import { attendanceSyncLogs, devices } from '../../db/schema'
import type { ServiceContext } from '../../lib/service-context'
import { organizationTimezone } from './audit-log.service'
import type { syncLogQuery } from './audit.schemas'
import { dayRange } from './filters'

/** One page of the organization's sync exchanges, newest first, and how many match in all. */
export async function listSyncLogs(ctx: ServiceContext, q: z.infer<typeof syncLogQuery>) {
  const { db } = ctx.deps.database
  const { organizationId } = ctx
  const timezone = await organizationTimezone(db, organizationId)
  const where: (SQL | undefined)[] = [
    eq(attendanceSyncLogs.organizationId, organizationId),
    q.device_id !== undefined ? eq(attendanceSyncLogs.deviceId, q.device_id) : undefined,
    q.mobile_device_id !== undefined ? eq(attendanceSyncLogs.mobileDeviceId, q.mobile_device_id) : undefined,
    q.status !== undefined ? eq(attendanceSyncLogs.syncStatus, q.status) : undefined,
    ...dayRange(attendanceSyncLogs.lastSyncAt, timezone, q.from, q.to),
  ]
  const filter = and(...where)
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: attendanceSyncLogs.id,
        at: attendanceSyncLogs.lastSyncAt,
        status: attendanceSyncLogs.syncStatus,
        records: attendanceSyncLogs.recordsSynced,
        mobileDeviceId: attendanceSyncLogs.mobileDeviceId,
        deviceId: devices.id,
        deviceName: devices.name,
        deviceRevokedAt: devices.revokedAt,
      })
      .from(attendanceSyncLogs)
      // The device row is joined within the organization only, so a foreign id can never lend its name.
      .leftJoin(devices, and(eq(devices.id, attendanceSyncLogs.deviceId), eq(devices.organizationId, organizationId)))
      .where(filter)
      .orderBy(desc(attendanceSyncLogs.lastSyncAt), desc(attendanceSyncLogs.id))
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(attendanceSyncLogs).where(filter),
  ])
  return { rows, total: Number(total?.n ?? 0) }
}
