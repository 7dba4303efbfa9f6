import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam } from '../organizations/organizations.schemas'
import { syncLogQuery } from './audit.schemas'
import { listSyncLogs } from './sync-logs.service'

/** Every sync exchange of the organization's phones and tablets (table attendance_sync_logs), newest first. */
export const syncLogRoutes = new Hono<AppEnv>().get(
  '/:id/sync-logs',
  allow('settings:manage'),
  validate('param', idParam),
  validate('query', syncLogQuery),
  async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listSyncLogs(serviceContext(c), q)
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
      total,
      limit: q.limit,
      offset: q.offset,
    })
  },
)
