// Step 1 of sync ingest: everything about one capture that is decided at receipt, without writing: who it is for and
// who made it, when (the device's clock is a claim: future captures refused, stale, out-of-order and skewed ones held
// for review), where (geofence, missing or too coarse fixes), and the evidence images put in storage for the job
// that checks them (attendance.verify.ts). What the checks need of the database is read once per batch (attendance.lookups.ts).
import crypto from 'node:crypto'
import type { AppDeps, Principal } from '../../context'
import type { StoredEvidence } from '../../db/schema'
import { refusalCodeOf, type SyncRecord, type SyncRefusalCode } from '../../../shared/attendance/sync'
import { checkGeofence, distanceMeters, isClockSkewed, toLocal, type WorkSchedule } from '../../../shared/attendance/rules'
import { captureDay, type ShiftType } from '../../../shared/attendance/shifts'
import { addDays } from '../../../shared/calendar'
import { dayKey } from './attendance.days'
import { assuranceLevel, autoApproves, FUTURE_TOLERANCE_MS, type Assurance, type AssuranceLevel, type PlaceCheck, type TimeCheck } from '../../../shared/attendance/evidence'
import { AppError } from '../../errors'
import { assertImage, decodePhoto, normalizePhoto } from '../../face/photos'
import { photoKey } from '../../storage/storage'
import type { OrganizationRules } from './attendance.schedule'
import type { BatchLookups } from './attendance.lookups'
import { deletePhotos } from '../../storage/deletes'

export interface SyncContext {
  deps: AppDeps
  principal: Principal & { organizationId: number }
  rules: OrganizationRules
  /** Server time minus the device's clock, measured from the batch's sent_at. */
  skewMs: number
  /** The device's clock when it sent the batch (absent on single-record calls without sent_at). */
  sentAt?: Date
  /** When the server received the request. */
  receivedAt?: Date
  mobileDeviceId: string
  /**
   * The evidence of the captures a roll-call made (by client id): set only by the roll-call route, never from a
   * device's record, so no sync record can point at a photo it did not send.
   */
  rollCall?: ReadonlyMap<string, StoredEvidence>
}

/** A record refused on its own, with a stable code: the rest of its batch goes on. */
export class Rejection extends Error {
  constructor(
    readonly code: SyncRefusalCode,
    message: string,
  ) {
    super(message)
  }
}

/** The write transaction of a batch could not take every record as planned: write them one by one instead. */
export class BatchAbandoned extends Error {}

// ---------------------------------------------------------------- per record

/** Who the capture is for, and whether the caller may record it: members only themselves, petugas anyone active. */
function assertMember(ctx: SyncContext, look: BatchLookups, memberId: number): void {
  const p = ctx.principal
  const mayRecordOthers = p.permissions.has('attendance:record:create')
  if (!mayRecordOthers && memberId !== p.memberId) throw new Rejection('NOT_ALLOWED', 'A member can only record their own attendance')
  const m = look.members.get(memberId)
  if (!m) throw new Rejection('UNKNOWN_MEMBER', 'No such member in this organization')
  if (m.status !== 'active') throw new Rejection('MEMBER_INACTIVE', 'This member is inactive')
}

/**
 * Who made the capture. A petugas's own session is the default; a tablet may name another petugas of the organization
 * (records queued offline before a change of shift), checked here, never taken on trust.
 */
function recorderOf(ctx: SyncContext, look: BatchLookups, r: SyncRecord): number | null {
  const p = ctx.principal
  if (!p.permissions.has('attendance:record:create')) return null
  if (r.recorded_by === undefined || r.recorded_by === p.memberId) return p.memberId
  if (!p.deviceId) throw new Rejection('RECORDED_BY_INVALID', 'Only an enrolled tablet may send records made by another petugas')
  if (!look.recorders.has(r.recorded_by)) throw new Rejection('RECORDED_BY_INVALID', 'The petugas named as recorder is not an active petugas of this organization')
  return r.recorded_by
}

/**
 * Where the capture was made, against the fences of its place: the chosen location's, or (a member's own phone, no
 * location named) any fenced location of the organization. A fix that is missing, or coarser than the fence, cannot
 * show the capture was inside it.
 */
export function placeCheck(rules: OrganizationRules, r: Pick<SyncRecord, 'location_id' | 'latitude' | 'longitude' | 'accuracy'>): PlaceCheck {
  const fences = rules.locations.filter((l) => l.latitude !== null && l.longitude !== null && (r.location_id === undefined || l.id === r.location_id))
  const accuracy = r.accuracy ?? null
  if (fences.length === 0) return { outcome: 'none', code: 'no_fence', distance_m: null, accuracy_m: accuracy, radius_m: null }
  if (r.latitude === undefined || r.longitude === undefined) return { outcome: 'warn', code: 'no_fix', distance_m: null, accuracy_m: accuracy, radius_m: fences[0]!.radiusMeters }
  const position = { latitude: r.latitude, longitude: r.longitude }
  const measured = fences
    .map((f) => ({ f, d: distanceMeters(position, { latitude: f.latitude!, longitude: f.longitude! }) }))
    .sort((a, b) => a.d - b.d)
  const inside = measured.find(({ f }) => checkGeofence({ ...position, accuracyMeters: accuracy }, { latitude: f.latitude!, longitude: f.longitude!, radiusMeters: f.radiusMeters }).inside)
  const nearest = inside ?? measured[0]!
  const base = { distance_m: Math.round(nearest.d), accuracy_m: accuracy, radius_m: nearest.f.radiusMeters }
  if (!inside) return { outcome: 'fail', code: 'outside', ...base }
  if (accuracy === null || accuracy > nearest.f.radiusMeters) return { outcome: 'warn', code: 'inaccurate', ...base }
  return { outcome: 'pass', code: 'inside', ...base }
}

const PLACE_FLAGS: Partial<Record<PlaceCheck['code'], string>> = { no_fix: 'no_location', outside: 'outside_geofence', inaccurate: 'location_inaccurate' }
const PLACE_REFUSALS: Partial<Record<PlaceCheck['code'], [SyncRefusalCode, string]>> = {
  no_fix: ['NO_LOCATION', 'This place checks where you are: turn on location and try again'],
  outside: ['OUTSIDE_GEOFENCE', 'The capture was made outside the allowed location'],
  inaccurate: ['LOCATION_INACCURATE', 'Your location is not precise enough for this place: wait for a better GPS fix and try again'],
}

/**
 * When the capture was made, as far as the server can tell: the device's clock corrected by the skew it measured,
 * refused when it lies in the future, held for review when older than the offline window, when the device's clock is
 * off, or (see `outOfOrder` in the sync) earlier than the member's last capture.
 */
export function timeCheck(ctx: SyncContext, deviceCapturedAt: Date): { check: TimeCheck; capturedAt: Date } {
  const now = ctx.receivedAt ?? new Date()
  // A clock more than a year off is no clock to correct by (a device saying 9999 when it sends would move its captures
  // into year -5947): its captures keep their own times, flagged as skewed, and wait for review like any other.
  const correction = skewCorrection(ctx.skewMs)
  const capturedAt = new Date(deviceCapturedAt.getTime() + correction)
  if (ctx.sentAt && correction === ctx.skewMs && deviceCapturedAt.getTime() > ctx.sentAt.getTime() + FUTURE_TOLERANCE_MS) {
    throw new Rejection('CAPTURE_IN_FUTURE', 'The capture is dated after the moment the device sent it')
  }
  if (capturedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) throw new Rejection('CAPTURE_IN_FUTURE', 'The capture is dated in the future')
  const windowMs = ctx.rules.settings.offline_window_hours * 3600_000
  const base = { captured_at: capturedAt.toISOString(), received_at: now.toISOString(), skew_ms: Math.max(-2_000_000_000, Math.min(2_000_000_000, ctx.skewMs)) }
  if (now.getTime() - capturedAt.getTime() > windowMs) return { check: { outcome: 'warn', code: 'stale', ...base }, capturedAt }
  if (isClockSkewed(ctx.skewMs)) return { check: { outcome: 'warn', code: 'skewed', ...base }, capturedAt }
  return { check: { outcome: 'pass', code: 'ok', ...base }, capturedAt }
}

/** Beyond this the device's clock is not corrected by its measured skew (see timeCheck). */
const MAX_CORRECTABLE_SKEW_MS = 366 * 24 * 3600_000

/** What timeCheck adds to a device's capture time. */
export function skewCorrection(skewMs: number): number {
  return Math.abs(skewMs) > MAX_CORRECTABLE_SKEW_MS ? 0 : skewMs
}

const TIME_FLAGS: Partial<Record<TimeCheck['code'], string>> = { stale: 'stale_capture', skewed: 'clock_skew', out_of_order: 'out_of_order', earlier_than_day: 'earlier_capture' }

/** A legacy attendance photo (face_image): kept as the record's picture, never as evidence of identity. */
async function storePhoto(ctx: SyncContext, r: SyncRecord): Promise<string | null> {
  if (!r.face_image) return null
  let bytes: Buffer
  try {
    bytes = decodePhoto(r.face_image)
    await assertImage(bytes)
  } catch (err) {
    if (err instanceof AppError) throw new Rejection(refusalCodeOf(err.code), err.message)
    throw err
  }
  const key = photoKey(ctx.principal.organizationId, 'attendance', r.member_id)
  await ctx.deps.storage.put(key, await normalizePhoto(bytes))
  return key
}

/**
 * The evidence frames, each checked to be a JPEG/PNG/WebP of sane size and put in storage as received (the job
 * decodes and analyses them; nothing is derived from them here). Answers what the event row keeps: the keys.
 */
async function storeEvidence(ctx: SyncContext, r: SyncRecord): Promise<StoredEvidence | null> {
  const e = r.evidence
  if (!e) return null
  const images: Buffer[] = []
  for (const [i, frame] of e.frames.entries()) {
    try {
      const bytes = decodePhoto(frame.image, `evidence.frames.${i}.image`)
      const { width, height } = await assertImage(bytes)
      if (width > 1024 || height > 1024) throw new Rejection('EVIDENCE_FRAME_TOO_LARGE', 'An evidence frame is larger than 1024 px: send the face crop, not the whole picture')
      images.push(bytes)
    } catch (err) {
      if (err instanceof AppError) throw new Rejection(err.code === 'NOT_AN_IMAGE' ? 'EVIDENCE_NOT_AN_IMAGE' : refusalCodeOf(err.code), `Evidence frame ${i + 1}: ${err.message}`)
      throw err
    }
  }
  const frames: StoredEvidence['frames'] = []
  try {
    for (const [i, bytes] of images.entries()) {
      const key = photoKey(ctx.principal.organizationId, 'attendance', r.member_id)
      await ctx.deps.storage.put(key, bytes)
      frames.push({ t: e.frames[i]!.t, key })
    }
  } catch (err) {
    await deletePhotos(ctx.deps, frames.map((f) => f.key))
    throw err
  }
  return { challenge_id: e.challenge_id ?? null, steps: [...e.steps], mode: e.mode, frames, ...(r.qr_token ? { qr_token: r.qr_token } : {}) }
}

/** A record that passed every check made at receipt, with everything its write needs. */
export interface Prepared {
  /** Position in the batch. */
  index: number
  r: SyncRecord
  hash: string
  recordedBy: number | null
  origin: 'phone' | 'kiosk'
  /** The server's own face distance (set by the job; null at receipt). */
  distance: number | null
  photoKey: string | null
  evidence: StoredEvidence | null
  flags: string[]
  /** The checklist as far as it is known at receipt (place, time; face and liveness wait for the job). */
  assurance: Assurance
  /** Evidence to check: the event is `verifying` and the job decides. */
  verifying: boolean
  /** No evidence to check: the level is final now, and whether it approves by itself. */
  level: AssuranceLevel | null
  autoApprove: boolean
  deviceCapturedAt: Date
  capturedAt: Date
  date: string
  time: string
  schedule: WorkSchedule
  /** The member has a day off on `date` (a national holiday the organization keeps, or its own): never late there. */
  holiday: boolean
}

/** Every storage key a prepared record wrote (deleted again when the record is not written). */
export function keysOf(p: Pick<Prepared, 'photoKey' | 'evidence'>): string[] {
  // A roll-call's photo belongs to the roll-call (every capture of it points at it), never to one record.
  const frames = p.evidence && !p.evidence.roll_call ? p.evidence.frames.map((f) => f.key) : []
  return [...(p.photoKey ? [p.photoKey] : []), ...frames]
}

export function originOf(ctx: SyncContext): 'phone' | 'kiosk' {
  return ctx.principal.deviceId !== null && ctx.principal.permissions.has('attendance:record:create') ? 'kiosk' : 'phone'
}

/** The checklist of a capture at receipt. */
export function receiptAssurance(stored: Pick<StoredEvidence, 'mode' | 'steps' | 'frames'> | null, place: PlaceCheck, time: TimeCheck, threshold: number, margin: number): Assurance {
  const evidence = stored ? stored.mode : 'none'
  const partial = {
    evidence,
    face: { outcome: 'none', code: 'no_evidence', distance: null, other_distance: null, threshold, margin },
    liveness: { outcome: 'none', code: 'no_evidence', mode: evidence, steps: stored?.steps ?? [], frames: stored?.frames.length ?? 0 },
    place,
    time,
  } as const satisfies Omit<Assurance, 'version' | 'level' | 'checked_at'>
  return { version: 1, level: assuranceLevel(partial), ...partial, face: { ...partial.face }, liveness: { ...partial.liveness, steps: [...partial.liveness.steps] }, checked_at: stored ? null : new Date().toISOString() }
}

export async function prepare(ctx: SyncContext, look: BatchLookups, index: number, r: SyncRecord, hash: string): Promise<Prepared> {
  assertMember(ctx, look, r.member_id)
  const recordedBy = recorderOf(ctx, look, r)
  const deviceCapturedAt = new Date(r.captured_at)
  const { check: time, capturedAt } = timeCheck(ctx, deviceCapturedAt)
  if (r.location_id !== undefined && !ctx.rules.locations.some((l) => l.id === r.location_id)) {
    throw new Rejection('UNKNOWN_LOCATION', 'No such location in this organization')
  }
  const place = placeCheck(ctx.rules, r)
  const refusal = PLACE_REFUSALS[place.code]
  if (refusal && ctx.rules.settings.geofence_policy === 'refuse') throw new Rejection(refusal[0], refusal[1])

  const fromRollCall = ctx.rollCall?.get(r.client_id) ?? null
  if (fromRollCall && (r.evidence || r.face_image)) throw new Rejection('VALIDATION_FAILED', 'A roll-call capture carries no images of its own')
  const photo = await storePhoto(ctx, r)
  let evidence: StoredEvidence | null = fromRollCall
  try {
    if (!fromRollCall) evidence = await storeEvidence(ctx, r)
  } catch (err) {
    if (photo) await deletePhotos(ctx.deps, [photo])
    throw err
  }
  const local = (look.zone === ctx.rules.timezone ? look.locals.get(capturedAt.getTime()) : undefined) ?? toLocal(capturedAt, ctx.rules.timezone)
  // The day the capture belongs to (last night's shift when it falls in that shift's morning) and its hours: the
  // member's shift on the roster, else their schedule on that weekday (a short Friday).
  const member = look.members.get(r.member_id)
  const { date, schedule } = captureDay(member?.schedule ?? ctx.rules.defaultSchedule, memberShifts(look, r.member_id, local.date), local.date, local.time)
  const { face_threshold: threshold, face_margin: margin } = ctx.rules.settings
  const assurance = receiptAssurance(evidence, place, time, threshold, margin)
  const flags = new Set<string>()
  if (PLACE_FLAGS[place.code]) flags.add(PLACE_FLAGS[place.code]!)
  if (TIME_FLAGS[time.code]) flags.add(TIME_FLAGS[time.code]!)
  if (!evidence) flags.add('no_evidence')
  else if (evidence.roll_call) flags.add('roll_call')
  else if (evidence.mode === 'offline') flags.add('offline_evidence')
  const origin = originOf(ctx)
  return {
    index,
    r,
    hash,
    recordedBy,
    origin,
    distance: null,
    photoKey: photo,
    evidence,
    flags: [...flags],
    assurance,
    verifying: evidence !== null,
    level: evidence ? null : assurance.level,
    autoApprove: evidence ? false : autoApproves(assurance.level, ctx.rules.settings.offline_review, origin),
    deviceCapturedAt,
    capturedAt,
    date,
    time: local.time,
    schedule,
    holiday: look.holidays.on(date, member?.departmentId ?? null) !== null,
  }
}

/** A member's roster days around `date` (the day before and the day) from the batch's lookups. */
function memberShifts(look: BatchLookups, memberId: number, date: string): Map<string, ShiftType | null> {
  const days = new Map<string, ShiftType | null>()
  for (const d of [addDays(date, -1), date]) {
    const k = dayKey(memberId, d)
    if (look.shifts.has(k)) days.set(d, look.shifts.get(k) ?? null)
  }
  return days
}

/**
 * Captures earlier than the member's last capture (before the batch, or earlier in it): held for review, since a
 * device that holds a record back can date it as it likes. Applied in the batch's order after `prepare`.
 */
export function markOutOfOrder(look: BatchLookups, prepared: readonly Prepared[]): void {
  const latest = new Map(look.lastCaptured)
  for (const p of prepared) {
    const last = latest.get(p.r.member_id)
    if (last && p.capturedAt.getTime() < last.getTime()) {
      if (!p.flags.includes('out_of_order')) p.flags.push('out_of_order')
      if (p.assurance.time.outcome === 'pass' || p.assurance.time.code === 'skewed') p.assurance.time = { ...p.assurance.time, outcome: 'warn', code: 'out_of_order' }
      if (!p.verifying) {
        p.assurance.level = assuranceLevel(p.assurance)
        p.level = p.assurance.level
        p.autoApprove = false
      }
    } else latest.set(p.r.member_id, p.capturedAt)
  }
}

/** A stable hash of what the device sent for one capture: the same id with another hash is a conflict. */
export function payloadHash(r: SyncRecord): string {
  const photo = r.face_image ? crypto.createHash('sha256').update(r.face_image).digest('hex') : null
  const fields: unknown[] = [r.member_id, r.kind, new Date(r.captured_at).toISOString(), r.face_encoding ?? null, r.face_match_score ?? null, photo, r.remarks ?? null, r.location_id ?? null, r.latitude ?? null, r.longitude ?? null, r.accuracy ?? null]
  // Appended only when present, so records sent before the field existed keep their hash.
  if (r.recorded_by !== undefined) fields.push(['recorded_by', r.recorded_by])
  if (r.evidence) {
    const frames = crypto.createHash('sha256')
    for (const f of r.evidence.frames) frames.update(`${f.t}:`).update(f.image).update('\n')
    fields.push(['evidence', r.evidence.challenge_id ?? null, r.evidence.mode, r.evidence.steps, frames.digest('hex')])
  }
  return crypto.createHash('sha256').update(JSON.stringify(fields)).digest('base64url')
}
