import { DEFAULT_ORGANIZATION_SETTINGS as SHARED_DEFAULTS } from '../../../shared/organization/settings'
import { eq, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { organizationMembers, organizations, type OrganizationSettings } from '../../db/schema'
import { grantRole, systemRoleId } from '../roles/roles.service'
import type { z } from 'zod'
import type { OrganizationInput, organizationPatch } from './organizations.schemas'
import { audit } from '../../audit'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { NotFoundError } from '../../errors'
import { slugify } from '../../lib/slug'

/** Every setting's value before an admin changes it (shared with the dashboard). */
export const DEFAULT_ORGANIZATION_SETTINGS: Readonly<Required<OrganizationSettings>> = SHARED_DEFAULTS

async function uniqueSlug(tx: Tx, name: string): Promise<string> {
  const base = slugify(name, 40, 'org')
  const taken = await tx
    .select({ slug: organizations.slug })
    .from(organizations)
    .where(sql`${organizations.slug} = ${base} or ${organizations.slug} like ${`${base}-%`}`)
  const set = new Set(taken.map((t) => t.slug))
  if (!set.has(base)) return base
  for (let i = 2; ; i++) if (!set.has(`${base}-${i}`)) return `${base}-${i}`
}

/** Creates an organization and makes `adminUserId` its admin. */
export async function createOrganization(tx: Tx, input: OrganizationInput, adminUserId: number) {
  const [org] = await tx
    .insert(organizations)
    .values({
      name: input.name,
      slug: await uniqueSlug(tx, input.name),
      timezone: input.timezone,
      workStartTime: input.work_start_time,
      workEndTime: input.work_end_time,
      lateToleranceMinutes: input.late_tolerance_minutes,
      settings: { ...DEFAULT_ORGANIZATION_SETTINGS },
    })
    .returning()
  if (!org) throw new Error('organization insert returned nothing')
  // No work schedule is made here: a department without one follows the organization's own hours (above), shown on
  // the dashboard as "Organization hours". A copy named "Default" used to be made, which nothing followed and which
  // drifted from the organization's hours as soon as those were edited.
  const [membership] = await tx
    .insert(organizationMembers)
    .values({ organizationId: org.id, userId: adminUserId })
    .returning({ id: organizationMembers.id })
  if (!membership) throw new Error('membership insert returned nothing')
  await grantRole(tx, org.id, membership.id, await systemRoleId(tx, 'admin'))
  return org
}

export type OrganizationRow = typeof organizations.$inferSelect

export function presentOrganization(org: OrganizationRow) {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    timezone: org.timezone,
    work_start_time: org.workStartTime.slice(0, 5),
    work_end_time: org.workEndTime.slice(0, 5),
    late_tolerance_minutes: org.lateToleranceMinutes,
    settings: { ...DEFAULT_ORGANIZATION_SETTINGS, ...org.settings },
    created_at: org.createdAt.toISOString(),
    updated_at: org.updatedAt.toISOString(),
  }
}

export async function getOrganization(tx: Tx, id: number): Promise<OrganizationRow> {
  const [org] = await tx.select().from(organizations).where(eq(organizations.id, id))
  if (!org) throw new NotFoundError('Organization')
  return org
}

/** A new organization made from the active one: the acting user becomes its admin; audited in the new organization. */
export function addOrganization(ctx: ServiceContext, input: OrganizationInput): Promise<OrganizationRow> {
  return transaction(ctx, async (tx) => {
    const created = await createOrganization(tx, input, ctx.userId)
    await audit(tx, {
      organizationId: created.id,
      actorUserId: ctx.userId,
      action: 'organization.create',
      entityType: 'organization',
      entityId: created.id,
      details: { from_organization_id: ctx.organizationId },
      ip: ctx.ip,
    })
    return created
  })
}

/** The context's organization. */
export function activeOrganization(ctx: ServiceContext): Promise<OrganizationRow> {
  return getOrganization(ctx.deps.database.db, ctx.organizationId)
}

/** Changes the context's organization's profile and hours, audited. */
export function updateOrganization(ctx: ServiceContext, input: z.infer<typeof organizationPatch>) {
  return transaction(ctx, async (tx) => {
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
      .where(eq(organizations.id, ctx.organizationId))
      .returning()
    await auditBy(tx, ctx, { action: 'organization.update', entityType: 'organization', entityId: ctx.organizationId, details: input })
    return updated
  })
}
