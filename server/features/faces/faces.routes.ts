import crypto from 'node:crypto'
import { Hono, type Context } from 'hono'
import { and, eq, isNotNull } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { FACE_MODEL } from '../../../shared/face/model'
import { consents, memberFaceData, organizationMembers, organizations, users } from '../../db/schema'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { audit } from '../../audit'
import { CONSENT_VERSION } from '../../../shared/face/consent'
import { descriptorFromBytes, encodeDescriptor } from '../../../shared/face/descriptor'
import { identify } from '../../../shared/face/match'
import { idParam } from '../organizations/organizations.schemas'
import { memberParams } from '../members/members.schemas'
import { getOrganization, presentOrganization } from '../organizations/organizations.service'
import { consentInput, faceRegisterInput, memberIdParam, settingsPatch, verifyInput } from './faces.schemas'
import {
  activeMember,
  confusableMemberIds,
  confusableReport,
  currentConsent,
  galleryOf,
  invalidateFaces,
  matchOptions,
  parseDescriptor,
  prepareRegistration,
  saveRegistration,
  withdrawFace,
} from './faces.service'

/** A member acts on their own face data only; anyone else's id is "not found". */
function ownMember(c: Context<AppEnv>, memberId: number) {
  const p = scoped(c)
  if (p.memberId !== memberId) throw new NotFoundError('Member')
  return p
}

async function register(c: Context<AppEnv>, memberId: number, input: z.infer<typeof faceRegisterInput>, replace: boolean) {
  const p = ownMember(c, memberId)
  const deps = c.get('deps')
  await activeMember(deps.database.db, p.organizationId, memberId)
  // Cheap refusals first; saveRegistration checks consent again inside its transaction.
  const consent = await currentConsent(deps.database.db, p.organizationId, memberId)
  if (!consent || consent.version !== CONSENT_VERSION) {
    throw new ConflictError('Accept the consent to the use of your face data first', 'CONSENT_REQUIRED')
  }
  const prepared = await prepareRegistration(deps, p.organizationId, memberId, input)
  return saveRegistration(deps, { organizationId: p.organizationId, memberId, actorUserId: p.userId, deviceId: input.device_id, ip: clientIp(c) }, prepared, replace)
}

/** The member's own face: consent, registration, re-registration, withdrawal (spec "Face Data Endpoints"). */
export const memberFaceRoutes = new Hono<AppEnv>()
  .post('/:memberId/face/consent', allow('member:face:register'), validate('param', memberIdParam), validate('json', consentInput), async (c) => {
    const { memberId } = c.req.valid('param')
    const p = ownMember(c, memberId)
    const input = c.req.valid('json')
    if (input.version !== CONSENT_VERSION) {
      throw new ValidationError('This consent text is out of date. Reload to read the current one.', [{ path: 'version', message: `Current version is ${CONSENT_VERSION}` }], 'CONSENT_VERSION_OUTDATED')
    }
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      await activeMember(tx, p.organizationId, memberId)
      const [created] = await tx
        .insert(consents)
        .values({
          organizationId: p.organizationId,
          organizationMemberId: memberId,
          version: input.version,
          deviceId: input.device_id ?? null,
          userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
        })
        .returning()
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'face.consent', entityType: 'member', entityId: memberId, details: { version: input.version, device_id: input.device_id ?? null }, ip: clientIp(c) })
      return created!
    })
    return ok(c, { id: row.id, version: row.version, accepted_at: row.acceptedAt.toISOString() }, 201)
  })
  .get('/:memberId/face', allow('member:face:register'), validate('param', memberIdParam), async (c) => {
    const { memberId } = c.req.valid('param')
    const p = ownMember(c, memberId)
    const { db } = c.get('deps').database
    const rows = await db
      .select()
      .from(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, p.organizationId), eq(memberFaceData.organizationMemberId, memberId), eq(memberFaceData.model, FACE_MODEL.id)))
      .orderBy(memberFaceData.id)
    const consent = await currentConsent(db, p.organizationId, memberId)
    return ok(c, {
      registered: rows.length > 0,
      registered_at: rows[0]?.faceRegisteredAt.toISOString() ?? null,
      face_verified: rows.length > 0 && rows.every((r) => r.faceVerified),
      consent: consent ? { version: consent.version, accepted_at: consent.acceptedAt.toISOString(), current: consent.version === CONSENT_VERSION } : null,
      // Never the descriptors: a member's phone holds no biometric template (a descriptor is not a credential).
      templates: rows.length,
    })
  })
  .post('/:memberId/face/register', allow('member:face:register'), validate('param', memberIdParam), validate('json', faceRegisterInput), async (c) => {
    const saved = await register(c, c.req.valid('param').memberId, c.req.valid('json'), false)
    return ok(c, { id: saved.id, face_registered_at: saved.at.toISOString(), face_verified: saved.faceVerified, templates: saved.templates }, 201)
  })
  .put('/:memberId/face/update', allow('member:face:update'), validate('param', memberIdParam), validate('json', faceRegisterInput), async (c) => {
    const saved = await register(c, c.req.valid('param').memberId, c.req.valid('json'), true)
    return ok(c, { id: saved.id, updated_at: saved.at.toISOString(), face_verified: saved.faceVerified, templates: saved.templates })
  })
  .delete('/:memberId/face', allow('member:face:update'), validate('param', memberIdParam), async (c) => {
    const { memberId } = c.req.valid('param')
    const p = ownMember(c, memberId)
    return ok(c, await withdrawFace(c.get('deps'), { organizationId: p.organizationId, memberId, actorUserId: p.userId, ip: clientIp(c), byAdmin: false }))
  })

const galleryQuery = z.object({ known: pgText(64).optional() })

/** Petugas side: 1:N identification and the gallery a kiosk caches for offline use. */
export const faceRoutes = new Hono<AppEnv>()
  .post('/verify', allow('attendance:record:capture'), validate('json', verifyInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    if (input.organization_id !== p.organizationId) throw new NotFoundError('Organization')
    const probe = parseDescriptor(input.face_encoding, 'face_encoding')
    const deps = c.get('deps')
    const options = await matchOptions(deps.database.db, p.organizationId)
    const hit = identify(await galleryOf(deps, p.organizationId), probe, options)
    let name: string | null = null
    if (hit.verified && hit.memberId !== null) {
      const [m] = await deps.database.db
        .select({ name: users.name })
        .from(organizationMembers)
        .innerJoin(users, eq(users.id, organizationMembers.userId))
        .where(and(eq(organizationMembers.id, hit.memberId), eq(organizationMembers.organizationId, p.organizationId)))
      name = m?.name ?? null
    }
    // Only a verified match names a member: a near miss tells the kiosk nothing about who it resembled.
    return ok(c, {
      member_id: hit.verified ? hit.memberId : null,
      member_name: hit.verified ? name : null,
      match_score: Math.round(hit.score * 1000) / 1000,
      distance: hit.distance === null ? null : Math.round(hit.distance * 1000) / 1000,
      second_distance: hit.secondDistance === null ? null : Math.round(hit.secondDistance * 1000) / 1000,
      verified: hit.verified,
    })
  })
  .get('/gallery', allow('member:face:view'), validate('query', galleryQuery), async (c) => {
    const p = scoped(c)
    const { known } = c.req.valid('query')
    const { db } = c.get('deps').database
    const options = await matchOptions(db, p.organizationId)
    const rows = await db
      .select({
        id: organizationMembers.id,
        name: users.name,
        number: organizationMembers.memberNumber,
        department: organizationMembers.departmentId,
        encoding: memberFaceData.faceEncoding,
      })
      .from(memberFaceData)
      .innerJoin(organizationMembers, eq(organizationMembers.id, memberFaceData.organizationMemberId))
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(memberFaceData.organizationId, p.organizationId), eq(organizationMembers.status, 'active'), eq(memberFaceData.model, FACE_MODEL.id)))
      .orderBy(organizationMembers.id, memberFaceData.id)
    // Members whose faces sit within threshold + margin of another member's: the kiosk asks them for their QR code too.
    const confusable = await confusableMemberIds(c.get('deps'), p.organizationId, options)
    const members = new Map<number, { id: number; name: string; member_number: string | null; department_id: number | null; confusable: boolean; descriptors: string[] }>()
    for (const r of rows) {
      const m = members.get(r.id) ?? { id: r.id, name: r.name, member_number: r.number, department_id: r.department, confusable: confusable.has(r.id), descriptors: [] }
      m.descriptors.push(encodeDescriptor(descriptorFromBytes(new Uint8Array(r.encoding))))
      members.set(r.id, m)
    }
    const list = [...members.values()]
    // The version names this exact content: a kiosk that already holds it is told so and downloads nothing.
    const version = crypto.createHash('sha256').update(JSON.stringify([options.threshold, options.margin, list])).digest('base64url').slice(0, 22)
    const head = { organization_id: p.organizationId, threshold: options.threshold, margin: options.margin, generated_at: new Date().toISOString(), version }
    if (known === version) return ok(c, { ...head, unchanged: true as const, members: [] })
    return ok(c, { ...head, unchanged: false as const, members: list })
  })

/** Dashboard side: face settings, withdrawal on a member's request, and the audited photo view. */
export const orgFaceRoutes = new Hono<AppEnv>()
  .patch('/:id/settings', allow('settings:manage'), validate('param', idParam), validate('json', settingsPatch), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const deps = c.get('deps')
    const org = await deps.database.db.transaction(async (tx) => {
      const current = await getOrganization(tx, p.organizationId)
      const [updated] = await tx
        .update(organizations)
        .set({ settings: { ...current.settings, ...input }, updatedAt: new Date() })
        .where(eq(organizations.id, p.organizationId))
        .returning()
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'settings.update', entityType: 'organization', entityId: p.organizationId, details: input, ip: clientIp(c) })
      return updated!
    })
    await invalidateFaces(deps, p.organizationId)
    return ok(c, presentOrganization(org))
  })
  .get('/:id/faces/confusable', allow('member:manage'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    return ok(c, await confusableReport(c.get('deps'), p.organizationId))
  })
  .delete('/:id/members/:memberId/face', allow('member:manage'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    const { memberId } = c.req.valid('param')
    const deps = c.get('deps')
    const [m] = await deps.database.db
      .select({ id: organizationMembers.id })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, p.organizationId)))
    if (!m) throw new NotFoundError('Member')
    return ok(c, await withdrawFace(deps, { organizationId: p.organizationId, memberId, actorUserId: p.userId, ip: clientIp(c), byAdmin: true }))
  })
  .get('/:id/members/:memberId/face/photo', allow('member:manage'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    const { memberId } = c.req.valid('param')
    const deps = c.get('deps')
    const [row] = await deps.database.db
      .select({ url: memberFaceData.faceImageUrl })
      .from(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, p.organizationId), eq(memberFaceData.organizationMemberId, memberId), isNotNull(memberFaceData.faceImageUrl)))
      .limit(1)
    const bytes = row?.url ? await deps.storage.get(row.url) : null
    if (!bytes) throw new NotFoundError('Photo')
    await audit(deps.database.db, { organizationId: p.organizationId, actorUserId: p.userId, action: 'face.photo_view', entityType: 'member', entityId: memberId, ip: clientIp(c) })
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
