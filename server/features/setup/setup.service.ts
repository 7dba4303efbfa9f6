import { sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { organizations } from '../../db/schema'
import { ConflictError } from '../../errors'
import { audit } from '../../audit'
import { createOrganization } from '../organizations/organizations.service'
import { createUser, findUserByEmail } from '../users/users.service'
import type { setupInput } from './setup.schemas'

async function organizationCount(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(organizations)
  return row?.n ?? 0
}

/** An installation without any organization opens the wizard. */
export async function needsSetup(deps: AppDeps): Promise<boolean> {
  return (await organizationCount(deps.database.db)) === 0
}

/** The first organization and its admin, exactly once: there is no actor yet, the new admin is the audit's. */
export function completeSetup(deps: AppDeps, input: z.infer<typeof setupInput>, ip: string) {
  return deps.database.db.transaction(async (tx) => {
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
      ip,
    })
    return { organization_id: org.id, user_id: user.id }
  })
}
