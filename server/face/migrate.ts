// Moving stored face templates to the current recognition model (issue 14). Descriptors of two models are never
// compared: every template row says which model made it (member_face_data.model), matching reads only the current
// model's rows, and this job turns the rows of an earlier model into current ones:
// - a member whose registration photo is stored gets one template re-derived from that photo with the current model
//   (same quality gates as a registration: one clear face), keeping the registration's date and verified flag;
// - a member without a usable photo loses the old templates (and the photo, if any): the member's face shows as not
//   registered, and the app asks the member to register again.
// Every change is audited. Runs in the job queue (once across instances), a batch of members per job, and sends itself
// again while old rows remain; queued at every start (a no-op when nothing is left). Idempotent: a member is handled
// in one transaction under the member's registration lock, and the rows it reads are re-checked there.
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm'
import type { AppDeps } from '../context'
import { memberFaceData } from '../db/schema'
import { audit } from '../audit'
import { FACE_MODEL } from '../../shared/face/model'
import { descriptorToBytes } from '../../shared/face/descriptor'
import { checkFaceQuality } from '../../shared/face/quality'
import { invalidateFaces } from '../features/faces/faces.gallery'
import { extractFacesInPool } from './pool'
import { FaceImageError } from './inference'

export const MIGRATE_FACE_TEMPLATES = 'migrate-face-templates'
const BATCH = 50

export interface MigrationReport {
  members: number
  rederived: number
  removed: number
  /** Members with rows of an earlier model still left after this batch. */
  remaining: number
}

/** The current model's descriptor of a stored registration photo, or why there is none. */
async function describePhoto(deps: AppDeps, key: string | null): Promise<{ ok: true; descriptor: Float32Array } | { ok: false; reason: string }> {
  if (!key) return { ok: false, reason: 'no_photo' }
  const bytes = await deps.storage.get(key)
  if (!bytes) return { ok: false, reason: 'photo_missing' }
  try {
    const extraction = await extractFacesInPool(bytes)
    const gate = checkFaceQuality(extraction.faces, extraction)
    if (!gate.ok) return { ok: false, reason: gate.reason }
    return { ok: true, descriptor: extraction.faces[gate.faceIndex]!.descriptor }
  } catch (err) {
    if (err instanceof FaceImageError) return { ok: false, reason: 'invalid_image' }
    throw err
  }
}

/** Migrates up to `batch` members whose templates come from an earlier model. */
export async function migrateFaceTemplates(deps: AppDeps, batch = BATCH): Promise<MigrationReport> {
  const { db } = deps.database
  const members = await db
    .selectDistinct({ organizationId: memberFaceData.organizationId, memberId: memberFaceData.organizationMemberId })
    .from(memberFaceData)
    .where(ne(memberFaceData.model, FACE_MODEL.id))
    .orderBy(asc(memberFaceData.organizationMemberId))
    .limit(batch)
  const report: MigrationReport = { members: 0, rederived: 0, removed: 0, remaining: 0 }
  const touched = new Set<number>()
  for (const { organizationId, memberId } of members) {
    const old = await db
      .select()
      .from(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, organizationId), eq(memberFaceData.organizationMemberId, memberId), ne(memberFaceData.model, FACE_MODEL.id)))
      .orderBy(asc(memberFaceData.id))
    if (old.length === 0) continue
    const photoKey = old.find((r) => r.faceImageUrl)?.faceImageUrl ?? null
    const derived = await describePhoto(deps, photoKey)
    const unusedPhotos: string[] = []
    const done = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727100, ${memberId})`)
      // A registration may have replaced the rows meanwhile: only the rows read above are migrated.
      const still = await tx
        .delete(memberFaceData)
        .where(and(inArray(memberFaceData.id, old.map((r) => r.id)), ne(memberFaceData.model, FACE_MODEL.id)))
        .returning({ id: memberFaceData.id, url: memberFaceData.faceImageUrl })
      if (still.length === 0) return null
      const first = old[0]!
      if (derived.ok) {
        await tx.insert(memberFaceData).values({
          organizationId,
          organizationMemberId: memberId,
          faceEncoding: Buffer.from(descriptorToBytes(derived.descriptor)),
          model: FACE_MODEL.id,
          faceImageUrl: photoKey,
          faceRegisteredAt: first.faceRegisteredAt,
          faceVerified: first.faceVerified,
        })
      }
      for (const r of still) if (r.url && (!derived.ok || r.url !== photoKey)) unusedPhotos.push(r.url)
      await audit(tx, {
        organizationId,
        actorUserId: null,
        action: derived.ok ? 'face.model_migrated' : 'face.model_removed',
        entityType: 'member',
        entityId: memberId,
        details: { from: [...new Set(old.map((r) => r.model))], to: FACE_MODEL.id, old_templates: still.length, templates: derived.ok ? 1 : 0, reason: derived.ok ? null : derived.reason },
        ip: null,
      })
      return derived.ok ? 'rederived' : 'removed'
    })
    if (!done) continue
    report.members++
    report[done]++
    touched.add(organizationId)
    await Promise.all(unusedPhotos.map((key) => deps.storage.delete(key).catch(() => undefined)))
  }
  for (const organizationId of touched) await invalidateFaces(deps, organizationId)
  const [left] = await db
    .select({ n: sql<number>`count(distinct ${memberFaceData.organizationMemberId})::int` })
    .from(memberFaceData)
    .where(ne(memberFaceData.model, FACE_MODEL.id))
  report.remaining = left?.n ?? 0
  return report
}

export async function registerFaceTemplateMigration(deps: AppDeps): Promise<void> {
  await deps.jobs.work<{ batch?: number }>(
    MIGRATE_FACE_TEMPLATES,
    async (data) => {
      const report = await migrateFaceTemplates(deps, data.batch ?? BATCH)
      if (report.members > 0) console.log(`[hadir] face templates moved to ${FACE_MODEL.id}: ${report.rederived} re-derived, ${report.removed} removed, ${report.remaining} members left`)
      // The next batch (no singleton key: this job is still running, and a key would dedupe against it).
      if (report.remaining > 0 && report.members > 0) await deps.jobs.send(MIGRATE_FACE_TEMPLATES, {})
    },
    { concurrency: 1 },
  )
  const [any] = await deps.database.db.select({ id: memberFaceData.id }).from(memberFaceData).where(ne(memberFaceData.model, FACE_MODEL.id)).limit(1)
  if (any) await deps.jobs.send(MIGRATE_FACE_TEMPLATES, {}, { singletonKey: 'start' })
}
