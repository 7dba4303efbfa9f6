import { Hono } from 'hono'
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { publicRoute } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { organizations } from '../../db/schema'
import { ConflictError } from '../../errors'
import { audit } from '../../audit'
import type { Tx } from '../../db/client'
import { organizationInput, name } from '../organizations/organizations.schemas'
import { createOrganization } from '../organizations/organizations.service'
import { createUser, email, findUserByEmail, password } from '../users/users.service'

const setupInput = z.object({
  organization: organizationInput,
  admin: z.object({ name, email, password }),
})

async function organizationCount(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(organizations)
  return row?.n ?? 0
}

/** The first-run wizard: exactly once, while no organization exists. */
export const setupRoutes = new Hono<AppEnv>()
  .get('/status', publicRoute(), async (c) => {
    const n = await organizationCount(c.get('deps').database.db)
    return ok(c, { needs_setup: n === 0 })
  })
  .post('/', publicRoute(), validate('json', setupInput), async (c) => {
    const input = c.req.valid('json')
    const result = await c.get('deps').database.db.transaction(async (tx) => {
      // Serialises concurrent wizards: the second one sees the first's organization and is refused.
      await tx.execute(sql`select pg_advisory_xact_lock(727001)`)
      if ((await organizationCount(tx)) > 0) {
        throw new ConflictError('Hadir is already set up. Sign in instead.', 'SETUP_DONE')
      }
      if (await findUserByEmail(tx, input.admin.email)) {
        throw new ConflictError('This email is already in use', 'EMAIL_TAKEN')
      }
      const user = await createUser(tx, input.admin)
      const org = await createOrganization(tx, input.organization, user.id)
      await audit(tx, {
        organizationId: org.id,
        actorUserId: user.id,
        action: 'setup.complete',
        entityType: 'organization',
        entityId: org.id,
        ip: clientIp(c),
      })
      return { organization_id: org.id, user_id: user.id }
    })
    return ok(c, result, 201)
  })
