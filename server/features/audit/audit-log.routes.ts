import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam } from '../organizations/organizations.schemas'
import { auditQuery } from './audit.schemas'
import { listAuditActors, listAuditLog } from './audit-log.service'

/** Who did or viewed what in the organization, newest first, one keyset page at a time. */
export const auditLogRoutes = new Hono<AppEnv>()
  .get('/:id/audit-log', allow('settings:manage'), validate('param', idParam), validate('query', auditQuery), async (c) => {
    const q = c.req.valid('query')
    const { page, names, nextCursor } = await listAuditLog(serviceContext(c), q)
    return ok(c, {
      entries: page.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        action: r.action,
        entity_type: r.entityType,
        entity_id: r.entityId,
        entity_name: r.entityType && r.entityId ? (names.get(`${r.entityType}:${r.entityId}`) ?? null) : null,
        actor: r.actorId === null ? null : { id: r.actorId, name: r.actorName! },
        device: r.deviceId === null ? null : { id: r.deviceId, name: r.deviceName! },
        details: r.details ?? null,
        ip: r.ip,
      })),
      next_cursor: nextCursor,
    })
  })
  .get('/:id/audit-log/actors', allow('settings:manage'), validate('param', idParam), async (c) => {
    return ok(c, { actors: await listAuditActors(serviceContext(c)) })
  })
