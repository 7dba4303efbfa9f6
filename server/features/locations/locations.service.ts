import { and, asc, eq } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { locations } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import { missingCoordinate } from '../../../shared/organization/structure'
import type { locationInput, locationPatch } from './locations.schemas'

export function presentLocation(l: typeof locations.$inferSelect) {
  return { id: l.id, name: l.name, latitude: l.latitude, longitude: l.longitude, radius_meters: l.radiusMeters }
}

/** A fence needs both coordinates or neither (the rule the dashboard's form checks too: shared/organization/structure.ts). */
function checkFence(input: { latitude?: number | null; longitude?: number | null }) {
  const missing = missingCoordinate(input)
  if (missing) throw new ValidationError('Give both latitude and longitude, or neither', [{ path: missing, message: 'Both or neither' }])
}

/** The organization's locations by name (also what a phone or kiosk captures at). */
export async function listLocations(db: Tx, organizationId: number) {
  const rows = await db.select().from(locations).where(eq(locations.organizationId, organizationId)).orderBy(asc(locations.name))
  return rows.map(presentLocation)
}

export async function createLocation(ctx: ServiceContext, input: z.infer<typeof locationInput>) {
  checkFence(input)
  const row = await transaction(ctx, async (tx) => {
    const [created] = await tx
      .insert(locations)
      .values({ organizationId: ctx.organizationId, name: input.name, latitude: input.latitude ?? null, longitude: input.longitude ?? null, radiusMeters: input.radius_meters })
      .returning()
    await auditBy(tx, ctx, { action: 'location.create', entityType: 'location', entityId: created!.id })
    return created!
  })
  return presentLocation(row)
}

export async function updateLocation(ctx: ServiceContext, id: number, input: z.infer<typeof locationPatch>) {
  checkFence(input)
  const row = await transaction(ctx, async (tx) => {
    const [updated] = await tx
      .update(locations)
      .set({ name: input.name, latitude: input.latitude, longitude: input.longitude, radiusMeters: input.radius_meters, updatedAt: new Date() })
      .where(and(eq(locations.id, id), eq(locations.organizationId, ctx.organizationId)))
      .returning()
    if (!updated) throw new NotFoundError('Location')
    await auditBy(tx, ctx, { action: 'location.update', entityType: 'location', entityId: updated.id, details: input })
    return updated
  })
  return presentLocation(row)
}

/** Past attendance keeps its coordinates; it only loses the link to the location's name (the foreign key detaches it). */
export function deleteLocation(ctx: ServiceContext, id: number) {
  return transaction(ctx, async (tx) => {
    const [gone] = await tx
      .delete(locations)
      .where(and(eq(locations.id, id), eq(locations.organizationId, ctx.organizationId)))
      .returning({ id: locations.id, name: locations.name })
    if (!gone) throw new NotFoundError('Location')
    await auditBy(tx, ctx, { action: 'location.delete', entityType: 'location', entityId: gone.id, details: { name: gone.name } })
    return { deleted: true }
  })
}

/** The context's organization's locations. */
export function organizationLocations(ctx: ServiceContext) {
  return listLocations(ctx.deps.database.db, ctx.organizationId)
}
