import { and, desc, eq, gt, isNull } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { devices, organizations, sessions } from '../../db/schema'
import { audit } from '../../audit'
import { hashToken, normalizeCode, randomCode, randomToken } from '../../auth/crypto'
import { NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'

const ENROL_HOURS = 24

export type DeviceRow = typeof devices.$inferSelect

/** The organization's tablets, newest first. */
export function listDevices(ctx: ServiceContext): Promise<DeviceRow[]> {
  return ctx.deps.database.db.select().from(devices).where(eq(devices.organizationId, ctx.organizationId)).orderBy(desc(devices.createdAt))
}

/** A tablet waiting for enrolment, and its one-time code (shown once: only its hash is kept). */
export async function createDevice(ctx: ServiceContext, name: string): Promise<{ device: DeviceRow; code: string }> {
  const code = randomCode(8)
  const device = await transaction(ctx, async (tx) => {
    const [d] = await tx
      .insert(devices)
      .values({
        organizationId: ctx.organizationId,
        name,
        enrolCodeHash: hashToken(ctx.deps.secret, code),
        enrolExpiresAt: new Date(Date.now() + ENROL_HOURS * 3600_000),
        createdBy: ctx.userId,
      })
      .returning()
    await auditBy(tx, ctx, { action: 'device.create', entityType: 'device', entityId: d!.id })
    return d!
  })
  return { device, code }
}

/** Revokes a tablet: its token and code stop working and its sessions end. */
export function revokeDevice(ctx: ServiceContext, deviceId: number): Promise<DeviceRow> {
  return transaction(ctx, async (tx) => {
    const [d] = await tx
      .update(devices)
      .set({ revokedAt: new Date(), tokenHash: null, enrolCodeHash: null })
      .where(and(eq(devices.id, deviceId), eq(devices.organizationId, ctx.organizationId)))
      .returning()
    if (!d) throw new NotFoundError('Device')
    await tx.delete(sessions).where(eq(sessions.deviceId, deviceId))
    await auditBy(tx, ctx, { action: 'device.revoke', entityType: 'device', entityId: deviceId })
    return d
  })
}

export interface Enrolment {
  code: string
  name?: string
  userAgent: string | null
  ip: string
  /** Called before a wrong code is refused (it may lock the client out instead, see ClientLockout). */
  onWrongCode: () => Promise<void>
}

/**
 * Redeems a one-time enrolment code: the tablet gets a token bound to the code's organization. The tablet is its own
 * actor in the audit log (nobody is signed in yet).
 */
export async function enrolDevice(deps: AppDeps, input: Enrolment) {
  const token = randomToken()
  const enrolled = await deps.database.db.transaction(async (tx) => {
    const [d] = await tx
      .update(devices)
      .set({
        enrolCodeHash: null,
        enrolledAt: new Date(),
        tokenHash: hashToken(deps.secret, token),
        name: input.name,
        userAgent: input.userAgent,
        lastSeenAt: new Date(),
      })
      .where(
        and(
          eq(devices.enrolCodeHash, hashToken(deps.secret, normalizeCode(input.code))),
          gt(devices.enrolExpiresAt, new Date()),
          isNull(devices.revokedAt),
        ),
      )
      .returning()
    if (!d) return null
    const [org] = await tx.select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone }).from(organizations).where(eq(organizations.id, d.organizationId))
    await audit(tx, { organizationId: d.organizationId, actorDeviceId: d.id, action: 'device.enrol', entityType: 'device', entityId: d.id, ip: input.ip })
    return { device: { id: d.id, name: d.name }, organization: org! }
  })
  if (!enrolled) {
    // After the transaction (the lockout writes its own row; PGlite runs one statement at a time).
    await input.onWrongCode()
    throw new NotFoundError('Enrolment code', 'ENROL_CODE_INVALID')
  }
  return { enrolled, token }
}

/** The organization an enrolled tablet belongs to (a foreign key: it exists). */
export async function deviceOrganization(deps: AppDeps, organizationId: number) {
  const [org] = await deps.database.db
    .select({ id: organizations.id, name: organizations.name, timezone: organizations.timezone })
    .from(organizations)
    .where(eq(organizations.id, organizationId))
  return org!
}
