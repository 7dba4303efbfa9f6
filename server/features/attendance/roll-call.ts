// Roll-call from one photo (issue 14 item 5): POST /api/attendance/roll-call. The tablet sends the photo once and,
// per face, its box and the member it (or the petugas) named (shared/attendance/roll-call.ts). Each named face becomes
// a capture through the same sync pipeline as a kiosk record (time and place rules, the member's day, idempotency),
// whose evidence is the photo and that box; the verify job (roll-call.verify.ts) re-detects the faces in the photo and
// checks each one itself. Sent again (the tablet did not see the answer), it answers as the first time: the captures
// it already made answer "duplicate", any it could not make then are made now.
import crypto from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { rollCalls, type StoredEvidence, type StoredRollCallFace } from '../../db/schema'
import { AppError, ConflictError, ValidationError } from '../../errors'
import { assertImage, decodePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import { ROLL_CALL_PHOTO_MAX_SIDE, rollCallFaceClientId, type RollCall, type RollCallFaceResult, type RollCallResult } from '../../../shared/attendance/roll-call'
import { distanceToScore } from '../../../shared/face/match'
import type { SyncRecord } from '../../../shared/attendance/sync'
import { applyBatch, type SyncContext } from './attendance.sync'
import { deletePhotos } from '../../storage/deletes'

/** A stable hash of the roll-call as sent: the same id with another payload is a conflict. */
function rollCallHash(r: RollCall): string {
  const photo = crypto.createHash('sha256').update(r.photo).digest('hex')
  const fields = [r.kind, new Date(r.captured_at).toISOString(), r.recorded_by ?? null, r.location_id ?? null, r.latitude ?? null, r.longitude ?? null, r.accuracy ?? null, photo, r.faces.map((f) => [f.box.x, f.box.y, f.box.width, f.box.height, f.member_id, f.named_by ?? null, f.distance ?? null])]
  return crypto.createHash('sha256').update(JSON.stringify(fields)).digest('base64url')
}

/** The photo, checked to be an image of sane size with every box inside it. */
async function checkedPhoto(r: RollCall): Promise<{ bytes: Buffer; width: number; height: number }> {
  let bytes: Buffer
  let size: { width: number; height: number }
  try {
    bytes = decodePhoto(r.photo, 'photo')
    size = await assertImage(bytes)
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new ValidationError('The photo is not an image', [{ path: 'photo', message: 'Not an image' }], 'NOT_AN_IMAGE')
  }
  if (size.width > ROLL_CALL_PHOTO_MAX_SIDE || size.height > ROLL_CALL_PHOTO_MAX_SIDE) {
    throw new AppError(413, 'PHOTO_TOO_LARGE', `The photo is ${size.width}x${size.height}: scale it to at most ${ROLL_CALL_PHOTO_MAX_SIDE} px a side`)
  }
  const outside = r.faces.findIndex((f) => f.box.x + f.box.width > size.width + 1 || f.box.y + f.box.height > size.height + 1)
  if (outside >= 0) throw new ValidationError(`Face ${outside + 1}'s box lies outside the ${size.width}x${size.height} photo`, [{ path: `faces.${outside}.box`, message: 'Outside the photo' }], 'BOX_OUTSIDE_PHOTO')
  return { bytes, ...size }
}

/** Records a roll-call (see the file's header). The caller has checked the permission and that a tablet sends it. */
export async function applyRollCall(ctx: SyncContext, r: RollCall): Promise<RollCallResult> {
  const { db } = ctx.deps.database
  const organizationId = ctx.principal.organizationId
  const hash = rollCallHash(r)
  const clientIds = await Promise.all(r.faces.map((f, i) => (f.member_id === null ? null : rollCallFaceClientId(r.client_id, i))))
  const facesOf = (): StoredRollCallFace[] => r.faces.map((f, i) => ({ box: f.box, member_id: f.member_id, named_by: f.named_by ?? null, distance: f.distance ?? null, client_id: clientIds[i] ?? null }))

  let [row] = await db.select().from(rollCalls).where(and(eq(rollCalls.organizationId, organizationId), eq(rollCalls.clientId, r.client_id)))
  let status: RollCallResult['status'] = 'duplicate'
  if (row && row.payloadHash !== hash) throw new ConflictError('This roll-call was received before with another photo or other names', 'CONFLICT')
  if (!row) {
    const photo = await checkedPhoto(r)
    const key = photoKey(organizationId, 'attendance', ctx.principal.memberId ?? 0)
    await ctx.deps.storage.put(key, photo.bytes)
    const inserted = await db
      .insert(rollCalls)
      .values({
        organizationId,
        clientId: r.client_id,
        payloadHash: hash,
        deviceId: ctx.principal.deviceId,
        recordedBy: r.recorded_by ?? ctx.principal.memberId,
        kind: r.kind,
        deviceCapturedAt: new Date(r.captured_at),
        photoKey: key,
        width: photo.width,
        height: photo.height,
        faces: facesOf(),
      })
      .onConflictDoNothing()
      .returning()
    if (inserted[0]) {
      row = inserted[0]
      status = 'applied'
    } else {
      // The same roll-call arrived twice at once: the other request stored it.
      await deletePhotos(ctx.deps, [key])
      ;[row] = await db.select().from(rollCalls).where(and(eq(rollCalls.organizationId, organizationId), eq(rollCalls.clientId, r.client_id)))
      if (!row) throw new Error('roll-call vanished after a concurrent insert')
      if (row.payloadHash !== hash) throw new ConflictError('This roll-call was received before with another photo or other names', 'CONFLICT')
    }
  }

  // One capture per named face, all pointing at the one photo (a photo deleted since: no frame, the check says so).
  const frames = row.photoKey ? [{ t: 0, key: row.photoKey }] : []
  const evidence = new Map<string, StoredEvidence>()
  const records: SyncRecord[] = []
  r.faces.forEach((f, i) => {
    const clientId = clientIds[i]
    if (f.member_id === null || !clientId) return
    evidence.set(clientId, { challenge_id: null, steps: [], mode: 'offline', frames, roll_call: { id: row.id, face: i, box: f.box, width: row.width, height: row.height } })
    records.push({
      client_id: clientId,
      member_id: f.member_id,
      kind: r.kind,
      captured_at: r.captured_at,
      ...(r.recorded_by !== undefined ? { recorded_by: r.recorded_by } : {}),
      ...(f.distance !== undefined ? { face_match_score: distanceToScore(f.distance) } : {}),
      ...(r.location_id !== undefined ? { location_id: r.location_id } : {}),
      ...(r.latitude !== undefined ? { latitude: r.latitude } : {}),
      ...(r.longitude !== undefined ? { longitude: r.longitude } : {}),
      ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
    })
  })
  const results = records.length > 0 ? await applyBatch({ ...ctx, rollCall: evidence }, records) : []
  const byClient = new Map(results.map((x) => [x.client_id, x]))
  const faces: RollCallFaceResult[] = r.faces.map((f, i) => {
    const clientId = clientIds[i] ?? null
    const x = clientId ? byClient.get(clientId) : undefined
    if (!clientId || !x) return { face: i, member_id: f.member_id, client_id: null, status: 'unnamed' }
    return {
      face: i,
      member_id: f.member_id,
      client_id: clientId,
      status: x.status,
      ...(x.code ? { code: x.code } : {}),
      ...(x.reason ? { reason: x.reason } : {}),
      ...(x.record_id !== undefined ? { record_id: x.record_id } : {}),
      ...(x.approval_status ? { approval_status: x.approval_status } : {}),
    }
  })
  return { roll_call_id: row.id, client_id: r.client_id, status, faces }
}
