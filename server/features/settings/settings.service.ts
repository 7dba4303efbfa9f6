import { eq } from 'drizzle-orm'
import type { z } from 'zod'
import { organizations } from '../../db/schema'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { getOrganization, presentOrganization } from '../organizations/organizations.service'
import { invalidateFaces } from '../faces/faces.gallery'
import type { settingsPatch } from './settings.schemas'

/** Merges the changed settings into the organization's; the face galleries are rebuilt with the new thresholds. */
export async function updateSettings(ctx: ServiceContext, input: z.infer<typeof settingsPatch>) {
  const org = await transaction(ctx, async (tx) => {
    const current = await getOrganization(tx, ctx.organizationId)
    const [updated] = await tx
      .update(organizations)
      .set({ settings: { ...current.settings, ...input }, updatedAt: new Date() })
      .where(eq(organizations.id, ctx.organizationId))
      .returning()
    await auditBy(tx, ctx, { action: 'settings.update', entityType: 'organization', entityId: ctx.organizationId, details: input })
    return updated!
  })
  await invalidateFaces(ctx.deps, ctx.organizationId)
  return presentOrganization(org)
}
