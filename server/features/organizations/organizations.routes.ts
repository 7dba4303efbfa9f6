import { Hono } from 'hono'
import { eq } from 'drizzle-orm'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { organizations } from '../../db/schema'
import { audit } from '../../audit'
import { createOrganization, getOrganization, presentOrganization } from './organizations.service'
import { idParam, organizationInput, organizationPatch } from './organizations.schemas'

export const organizationRoutes = new Hono<AppEnv>()
  .post('/', allow('settings:manage'), validate('json', organizationInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const org = await c.get('deps').database.db.transaction(async (tx) => {
      const created = await createOrganization(tx, input, p.userId)
      await audit(tx, {
        organizationId: created.id,
        actorUserId: p.userId,
        action: 'organization.create',
        entityType: 'organization',
        entityId: created.id,
        details: { from_organization_id: p.organizationId },
        ip: clientIp(c),
      })
      return created
    })
    return ok(c, presentOrganization(org), 201)
  })
  .get('/:id', allow('attendance:record:view'), validate('param', idParam), async (c) => {
    const org = await getOrganization(c.get('deps').database.db, scoped(c).organizationId)
    return ok(c, presentOrganization(org))
  })
  .patch('/:id', allow('settings:manage'), validate('param', idParam), validate('json', organizationPatch), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const org = await c.get('deps').database.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(organizations)
        .set({
          name: input.name,
          timezone: input.timezone,
          workStartTime: input.work_start_time,
          workEndTime: input.work_end_time,
          lateToleranceMinutes: input.late_tolerance_minutes,
          updatedAt: new Date(),
        })
        .where(eq(organizations.id, p.organizationId))
        .returning()
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'organization.update',
        entityType: 'organization',
        entityId: p.organizationId,
        details: input,
        ip: clientIp(c),
      })
      return updated
    })
    return ok(c, presentOrganization(org!))
  })
