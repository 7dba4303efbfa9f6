import crypto from 'node:crypto'
import { and, eq, inArray } from 'drizzle-orm'
import type { z } from 'zod'
import type { AppDeps } from '../../context'
import type { Tx } from '../../db/client'
import { memberFaceData, organizationMembers, organizations, users } from '../../db/schema'
import { NotFoundError, ValidationError } from '../../errors'
import { buildGallery, identify, type FaceGallery, type MatchOptions } from '../../../shared/face/match'
import { decodeDescriptor, DescriptorError, descriptorFromBytes, encodeDescriptor } from '../../../shared/face/descriptor'
import { FACE_MODEL } from '../../../shared/face/model'
import { confusableLimit, confusableMembers, confusablePairs, type ConfusablePair } from '../../../shared/face/confusable'
import type { ServiceContext } from '../../lib/service-context'
import { DEFAULT_ORGANIZATION_SETTINGS } from '../organizations/organizations.service'
import type { verifyInput } from './faces.schemas'
import { matchedMemberName, subscribeMemberNames } from './faces.names'

/** The organization's matching settings (threshold, margin) with defaults. */
export async function matchOptions(tx: Tx, organizationId: number): Promise<MatchOptions & { reverify: boolean }> {
  const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, organizationId))
  if (!org) throw new NotFoundError('Organization')
  const s = { ...DEFAULT_ORGANIZATION_SETTINGS, ...org.settings }
  return { threshold: s.face_threshold, margin: s.face_margin, reverify: s.face_reverify_photos }
}

/** Every descriptor of the organization's active members, as one gallery. */
export async function loadGallery(tx: Tx, organizationId: number): Promise<FaceGallery> {
  const rows = await tx
    .select({ memberId: memberFaceData.organizationMemberId, encoding: memberFaceData.faceEncoding })
    .from(memberFaceData)
    .innerJoin(organizationMembers, eq(organizationMembers.id, memberFaceData.organizationMemberId))
    .where(and(eq(memberFaceData.organizationId, organizationId), eq(organizationMembers.status, 'active'), eq(memberFaceData.model, FACE_MODEL.id)))
  return buildGallery(rows.map((r) => ({ memberId: r.memberId, descriptor: descriptorFromBytes(new Uint8Array(r.encoding)) })))
}

export const FACE_INDEX_CHANNEL = 'hadir_face_index'

/**
 * Drops an organization's cached 1:N gallery here and, through PostgreSQL NOTIFY, in every other server instance on
 * the same database (see subscribeFaceIndex), so no instance keeps matching a withdrawn or changed face.
 */
export async function invalidateFaces(deps: AppDeps, organizationId: number): Promise<void> {
  deps.faceIndex.invalidate(organizationId)
  try {
    await deps.database.notify(FACE_INDEX_CHANNEL, String(organizationId))
  } catch (err) {
    console.error('[hadir] face index notify failed:', err instanceof Error ? err.message : err)
  }
}

/** Listens for other instances' invalidations (of the galleries, and of the names their matches answer with). */
export async function subscribeFaceIndex(deps: AppDeps): Promise<void> {
  await deps.database.listen(FACE_INDEX_CHANNEL, (payload) => {
    const id = Number(payload)
    if (Number.isInteger(id) && id > 0) deps.faceIndex.invalidate(id)
  })
  await subscribeMemberNames(deps)
}

/**
 * What a capture needs besides the gallery and does not change between captures: the organization's matching
 * settings. Loaded with the gallery and kept beside it (keyed by the gallery object), so it goes when the gallery
 * goes: a settings change calls invalidateFaces (here and, through NOTIFY, on every other instance), and the index
 * cache never keeps a load that an invalidation overtook.
 */
interface IndexExtras {
  database: AppDeps['database']
  organizationId: number
  options: MatchOptions & { reverify: boolean }
}
const indexExtras = new WeakMap<FaceGallery, IndexExtras | null>()

async function loadIndex(deps: AppDeps, organizationId: number): Promise<FaceGallery> {
  const { db } = deps.database
  const options = await matchOptions(db, organizationId)
  const gallery = await loadGallery(db, organizationId)
  // A gallery object seen before (not one loadGallery builds today) would be ambiguous: no extras, read afresh.
  indexExtras.set(gallery, indexExtras.has(gallery) ? null : { database: deps.database, organizationId, options })
  return gallery
}

export function galleryOf(deps: AppDeps, organizationId: number): Promise<FaceGallery> {
  return deps.faceIndex.get(organizationId, (id) => loadIndex(deps, id))
}

/** The organization's cached gallery and matching settings (one load, one invalidation: see IndexExtras). */
export async function indexOf(deps: AppDeps, organizationId: number): Promise<{ gallery: FaceGallery; options: MatchOptions & { reverify: boolean } }> {
  const gallery = await galleryOf(deps, organizationId)
  const extras = indexExtras.get(gallery)
  if (extras && extras.database === deps.database && extras.organizationId === organizationId) return { gallery, options: extras.options }
  return { gallery, options: await matchOptions(deps.database.db, organizationId) }
}

/**
 * The confusable pairs of a gallery under these options, computed once per cached gallery (O(rows²), so not per
 * capture): the gallery object is replaced whenever a face or the settings change (invalidateFaces), which drops this.
 */
const confusableCache = new WeakMap<FaceGallery, { key: string; pairs: ConfusablePair[]; members: Set<number> }>()

export function confusableOf(gallery: FaceGallery, options: MatchOptions): { pairs: ConfusablePair[]; members: Set<number> } {
  const key = `${options.threshold}:${options.margin}`
  const known = confusableCache.get(gallery)
  if (known && known.key === key) return known
  const pairs = confusablePairs(gallery, options)
  const entry = { key, pairs, members: confusableMembers(pairs) }
  confusableCache.set(gallery, entry)
  return entry
}

/** The organization's members the recognition can mix up with another (a kiosk asks them for their QR code too). */
export async function confusableMemberIds(deps: AppDeps, organizationId: number, options: MatchOptions): Promise<Set<number>> {
  return confusableOf(await galleryOf(deps, organizationId), options).members
}

export interface ConfusableMember {
  id: number
  name: string
  member_number: string | null
}

/**
 * The organization's confusable members (issue 14): pairs whose face templates sit within threshold + margin of each
 * other, closest first, with who they are. A capture of one of them could be taken for the other.
 */
export async function confusableReport(deps: AppDeps, organizationId: number) {
  const { db } = deps.database
  const options = await matchOptions(db, organizationId)
  const gallery = await galleryOf(deps, organizationId)
  const { pairs } = confusableOf(gallery, options)
  const ids = [...new Set(pairs.flatMap((p) => [p.a, p.b]))]
  const people = new Map<number, ConfusableMember>()
  if (ids.length > 0) {
    const rows = await db
      .select({ id: organizationMembers.id, name: users.name, member_number: organizationMembers.memberNumber })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, ids)))
    for (const r of rows) people.set(r.id, r)
  }
  const who = (id: number): ConfusableMember => people.get(id) ?? { id, name: '?', member_number: null }
  return {
    threshold: options.threshold,
    margin: options.margin,
    limit: Math.round(confusableLimit(options) * 10_000) / 10_000,
    members_with_faces: new Set(gallery.memberIds).size,
    pairs: pairs.map((p) => ({ a: who(p.a), b: who(p.b), distance: Math.round(p.distance * 10_000) / 10_000 })),
  }
}

/** Parses a base64 descriptor into floats, or a 422 naming the field. */
export function parseDescriptor(value: string, field: string): Float32Array {
  try {
    return decodeDescriptor(value)
  } catch (err) {
    if (err instanceof DescriptorError) {
      throw new ValidationError('The face data is not a valid face descriptor', [{ path: field, message: err.message }], 'BAD_DESCRIPTOR')
    }
    throw err
  }
}

/** 1:N identification of a descriptor a kiosk computed. Only a verified match names a member. */
export async function identifyAtKiosk(ctx: ServiceContext, input: z.infer<typeof verifyInput>) {
  if (input.organization_id !== ctx.organizationId) throw new NotFoundError('Organization')
  const probe = parseDescriptor(input.face_encoding, 'face_encoding')
  const { deps } = ctx
  // No SQL but the session's one statement (checked on every request: never cached). The gallery and settings are
  // cached, dropped by invalidateFaces; the name too, after a member's first match, dropped on a rename (faces.names.ts).
  const { gallery, options } = await indexOf(deps, ctx.organizationId)
  const hit = identify(gallery, probe, options)
  const name = hit.verified && hit.memberId !== null ? await matchedMemberName(deps, ctx.organizationId, hit.memberId) : null
  // A near miss tells the kiosk nothing about who it resembled.
  return {
    member_id: hit.verified ? hit.memberId : null,
    member_name: hit.verified ? name : null,
    match_score: Math.round(hit.score * 1000) / 1000,
    distance: hit.distance === null ? null : Math.round(hit.distance * 1000) / 1000,
    second_distance: hit.secondDistance === null ? null : Math.round(hit.secondDistance * 1000) / 1000,
    verified: hit.verified,
  }
}

/**
 * The gallery a kiosk caches for offline identification: every active member's templates, with whether they are
 * confusable. Its version names the exact content, so a kiosk that already holds it (`known`) downloads nothing.
 */
export async function kioskGallery(ctx: ServiceContext, known: string | undefined) {
  const { db } = ctx.deps.database
  const options = await matchOptions(db, ctx.organizationId)
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
    .where(and(eq(memberFaceData.organizationId, ctx.organizationId), eq(organizationMembers.status, 'active'), eq(memberFaceData.model, FACE_MODEL.id)))
    .orderBy(organizationMembers.id, memberFaceData.id)
  // Members whose faces sit within threshold + margin of another member's: the kiosk asks them for their QR code too.
  const confusable = await confusableMemberIds(ctx.deps, ctx.organizationId, options)
  const members = new Map<number, { id: number; name: string; member_number: string | null; department_id: number | null; confusable: boolean; descriptors: string[] }>()
  for (const r of rows) {
    const m = members.get(r.id) ?? { id: r.id, name: r.name, member_number: r.number, department_id: r.department, confusable: confusable.has(r.id), descriptors: [] }
    m.descriptors.push(encodeDescriptor(descriptorFromBytes(new Uint8Array(r.encoding))))
    members.set(r.id, m)
  }
  const list = [...members.values()]
  const version = crypto.createHash('sha256').update(JSON.stringify([options.threshold, options.margin, list])).digest('base64url').slice(0, 22)
  const head = { organization_id: ctx.organizationId, threshold: options.threshold, margin: options.margin, generated_at: new Date().toISOString(), version }
  if (known === version) return { ...head, unchanged: true as const, members: [] }
  return { ...head, unchanged: false as const, members: list }
}
