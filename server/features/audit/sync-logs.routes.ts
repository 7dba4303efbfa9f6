import { Hono } from 'hono'
import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText, queryInt, rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { attendanceSyncLogs, devices, organizations } from '../../db/schema'
import { idParam } from '../organizations/organizations.schemas'
import { dayRange, isoDay } from './filters'

export const SYNC_STATUSES = ['pending', 'completed', 'failed'] as const

const syncLogQuery = z.object({
  device_id: rowIdParam.optional(),
  mobile_device_id: pgText(100, { trim: true, min: 1 }).optional(),
  status: z.enum(SYNC_STATUSES).optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  limit: queryInt(1, 100).default(25),
  offset: queryInt(0, 1_000_000).default(0),
})

/** Every sync exchange of the organization's phones and tablets (table attendance_sync_logs), newest first. */
export const syncLogRoutes = new Hono<AppEnv>().get(
  '/:id/sync-logs',
  allow('settings:manage'),
  validate('param', idParam),
  validate('query', syncLogQuery),
  async (c) => {
    const p = scoped(c)
    const q = c.req.valid('query')
    const { db } = c.get('deps').database
    const [org] = await db.select({ timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, p.organizationId))
    const where: (SQL | undefined)[] = [
      eq(attendanceSyncLogs.organizationId, p.organizationId),
      q.device_id !== undefined ? eq(attendanceSyncLogs.deviceId, q.device_id) : undefined,
      q.mobile_device_id !== undefined ? eq(attendanceSyncLogs.mobileDeviceId, q.mobile_device_id) : undefined,
      q.status !== undefined ? eq(attendanceSyncLogs.syncStatus, q.status) : undefined,
      ...dayRange(attendanceSyncLogs.lastSyncAt, org!.timezone, q.from, q.to),
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
        .leftJoin(devices, and(eq(devices.id, attendanceSyncLogs.deviceId), eq(devices.organizationId, p.organizationId)))
        .where(filter)
        .orderBy(desc(attendanceSyncLogs.lastSyncAt), desc(attendanceSyncLogs.id))
        .limit(q.limit)
        .offset(q.offset),
      db.select({ n: count() }).from(attendanceSyncLogs).where(filter),
    ])
    return ok(c, {
      logs: rows.map((r) => ({
        id: r.id,
        synced_at: r.at.toISOString(),
        status: r.status,
        records_synced: r.records,
        mobile_device_id: r.mobileDeviceId,
        // A tablet enrolled by an admin; null for a member's own phone.
        device: r.deviceId === null ? null : { id: r.deviceId, name: r.deviceName!, revoked: r.deviceRevokedAt !== null },
      })),
      total: Number(total?.n ?? 0),
      limit: q.limit,
      offset: q.offset,
    })
  },
)
