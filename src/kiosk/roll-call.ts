// Roll-call from one photo (issue 14 item 5), the tablet's model: the faces the face worker found in the photo are
// named against the kiosk's gallery with a one-to-one assignment (shared/face/assign.ts: no member twice, no face
// twice), the names the petugas should look at are marked, the petugas's fixes keep the assignment one-to-one, and the
// confirmed roll-call becomes the body of POST /api/attendance/roll-call (shared/attendance/roll-call.ts).
// Plain TypeScript (no DOM): the screen (src/views/petugas/RollCall.vue) draws it.
import { ROLL_CALL_MAX_FACES, type RollCall, type RollCallBox, type RollCallFaceResult } from '@shared/attendance/roll-call'
import type { AttendanceKind } from '@shared/attendance/sync'
import { assignFaces } from '@shared/face/assign'
import { type FaceGallery, l2Distance, type MatchOptions } from '@shared/face/match'
import { galleryRow, type MemberEntry } from './gallery'

/** What the tablet found at one face of the photo. */
export interface FoundFace {
  /** In the photo's pixels. */
  box: RollCallBox
  score: number
  /** The recognition model's descriptor, or null (a face too small to describe). */
  descriptor: Float32Array | null
}

/** Why a name needs the petugas's look: another member is within the margin, or the member is confusable (gallery). */
export type RollCallCheck = 'uncertain' | 'confusable'

/** How a face shows on the photo: green named, amber "check", grey unknown. */
export type RollCallMark = 'named' | 'check' | 'unknown'

export interface RollCallCandidate {
  memberId: number
  distance: number
}

export interface RollCallFace {
  box: RollCallBox
  score: number
  /** The member named, or null (nobody). */
  memberId: number | null
  /** The tablet's distance from this face to the member named (null when unnamed or not in the gallery). */
  distance: number | null
  /** 'recognised': the tablet's own match; 'chosen': the petugas chose or confirmed the name. */
  namedBy: 'recognised' | 'chosen'
  /** Why the tablet's name needs a look (null once the petugas confirmed or chose). */
  check: RollCallCheck | null
  /** The closest members to this face, closest first (for the petugas's choice). */
  candidates: RollCallCandidate[]
}

/** Candidates kept per face. */
const CANDIDATES = 3

export function markOf(face: Pick<RollCallFace, 'memberId' | 'check'>): RollCallMark {
  if (face.memberId === null) return 'unknown'
  return face.check ? 'check' : 'named'
}

/** Each member's smallest distance to `probe`, closest first. */
function closestMembers(gallery: FaceGallery, probe: Float32Array, limit: number): RollCallCandidate[] {
  const best = new Map<number, number>()
  for (let row = 0; row < gallery.size; row++) {
    const memberId = gallery.memberIds[row] as number
    const distance = l2Distance(galleryRow(gallery, row), probe)
    if (distance < (best.get(memberId) ?? Number.POSITIVE_INFINITY)) best.set(memberId, distance)
  }
  const out = [...best].map(([memberId, distance]) => ({ memberId, distance })).filter((c) => Number.isFinite(c.distance))
  return out.sort((a, b) => a.distance - b.distance || a.memberId - b.memberId).slice(0, limit)
}

/**
 * Names the faces against the gallery the kiosk recognises (`gallery`, of `members`: the organization's, or the
 * station's department's when the organization narrows it), with the organization's threshold and margin, as kiosk
 * mode does.
 * A name is marked for a look when another member is within the margin ('uncertain') or the member's face is close to
 * another member's ('confusable', from the gallery). A face without a descriptor is unknown.
 */
export function nameFaces(found: readonly FoundFace[], gallery: FaceGallery, members: readonly MemberEntry[], options: MatchOptions): RollCallFace[] {
  const described = found.map((f, i) => ({ f, i })).filter((x): x is { f: FoundFace & { descriptor: Float32Array }; i: number } => x.f.descriptor !== null)
  const assigned = gallery.size > 0 && described.length > 0 ? assignFaces(gallery, described.map((x) => x.f.descriptor), options) : []
  const confusable = new Set(members.filter((r) => r.confusable).map((r) => r.member_id))
  const byFace = new Map(assigned.map((a) => [(described[a.face] as { i: number }).i, a]))
  return found.map((f, i) => {
    const a = byFace.get(i)
    const memberId = a?.memberId ?? null
    const check: RollCallCheck | null = memberId === null ? null : a?.status === 'uncertain' ? 'uncertain' : confusable.has(memberId) ? 'confusable' : null
    return {
      box: f.box,
      score: f.score,
      memberId,
      distance: a?.distance ?? null,
      namedBy: 'recognised',
      check,
      candidates: f.descriptor ? closestMembers(gallery, f.descriptor, CANDIDATES) : [],
    }
  })
}

export interface RollCallFix {
  faces: RollCallFace[]
  /** The face the chosen member was taken from (now unknown), or null. */
  movedFrom: number | null
}

/**
 * The petugas names face `index` (a member, or null for "unknown"). One-to-one stays true: a member chosen here is
 * taken off any other face, which becomes unknown. The tablet's distance to the chosen member is kept when known.
 */
export function chooseMember(faces: readonly RollCallFace[], index: number, memberId: number | null): RollCallFix {
  const target = faces[index]
  if (!target) throw new RangeError(`no face ${index}`)
  let movedFrom: number | null = null
  const next = faces.map((f, i): RollCallFace => {
    if (i === index) {
      const distance = memberId === null ? null : memberId === f.memberId ? f.distance : (f.candidates.find((c) => c.memberId === memberId)?.distance ?? null)
      return { ...f, memberId, distance, namedBy: 'chosen', check: null }
    }
    if (memberId !== null && f.memberId === memberId) {
      movedFrom = i
      return { ...f, memberId: null, distance: null, namedBy: 'chosen', check: null }
    }
    return f
  })
  return { faces: next, movedFrom }
}

/** The petugas confirms the name the tablet gave a face marked for a look. */
export function confirmFace(faces: readonly RollCallFace[], index: number): RollCallFace[] {
  const face = faces[index]
  if (!face || face.memberId === null) return [...faces]
  return chooseMember(faces, index, face.memberId).faces
}

/** The petugas says a box is not a face at all (a poster, a pattern): it leaves the roll-call. */
export function removeFace(faces: readonly RollCallFace[], index: number): RollCallFace[] {
  return faces.filter((_, i) => i !== index)
}

export interface RollCallSummary {
  faces: number
  /** Faces with a member (green and amber): the records the confirmation makes. */
  named: number
  /** Of those, the amber ones nobody looked at yet. */
  check: number
  unknown: number
}

export function summarise(faces: readonly RollCallFace[]): RollCallSummary {
  const marks = faces.map(markOf)
  const check = marks.filter((m) => m === 'check').length
  const unknown = marks.filter((m) => m === 'unknown').length
  return { faces: faces.length, named: faces.length - unknown, check, unknown }
}

/** The factor that brings a photo's longer side down to `maxSide` (1 when it already fits). */
export function photoScale(width: number, height: number, maxSide: number): number {
  const side = Math.max(width, height)
  return side > maxSide ? maxSide / side : 1
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

export interface RollCallBodyInput {
  clientId: string
  deviceId: string
  capturedAt: Date
  /** The signed-in petugas's member id. */
  recordedBy: number | null
  kind: AttendanceKind
  locationId: number | null
  position: { latitude: number; longitude: number; accuracy: number } | null
  /** The photo as sent (JPEG, base64), and its size in pixels. */
  photo: string
  width: number
  height: number
  faces: readonly RollCallFace[]
}

/**
 * The request body, without `sent_at` (set when it is sent; the outbox may keep it a while). Every face goes in, the
 * unknown ones with member null (they count, nobody is recorded for them); boxes are clipped to the photo.
 */
export function rollCallBody(input: RollCallBodyInput): Omit<RollCall, 'sent_at'> {
  if (input.faces.length > ROLL_CALL_MAX_FACES) throw new RangeError(`a roll-call names at most ${ROLL_CALL_MAX_FACES} faces`)
  const faces = input.faces.map((f) => {
    const x = Math.max(0, round(f.box.x, 1))
    const y = Math.max(0, round(f.box.y, 1))
    const box = { x, y, width: Math.max(1, Math.min(input.width - x, round(f.box.width, 1))), height: Math.max(1, Math.min(input.height - y, round(f.box.height, 1))) }
    return {
      box,
      member_id: f.memberId,
      ...(f.memberId !== null ? { named_by: f.namedBy } : {}),
      ...(f.memberId !== null && f.distance !== null ? { distance: round(Math.min(4, f.distance), 4) } : {}),
    }
  })
  return {
    client_id: input.clientId,
    device_id: input.deviceId,
    captured_at: input.capturedAt.toISOString(),
    ...(input.recordedBy ? { recorded_by: input.recordedBy } : {}),
    kind: input.kind,
    ...(input.locationId ? { location_id: input.locationId } : {}),
    ...(input.position ? { latitude: input.position.latitude, longitude: input.position.longitude, accuracy: Math.round(input.position.accuracy) } : {}),
    photo: input.photo,
    faces,
  }
}

/** A face as the photo on the screen draws it (src/components/kiosk/RollCallPhoto.vue). */
export interface PhotoBox {
  box: RollCallBox
  /** named (green), check (amber), unknown (grey), refused (red). */
  tone: RollCallMark | 'refused'
  /** The name shown on the box, or null. */
  label: string | null
  memberId: number | null
}

/**
 * The part of the photo worth showing: every face with room around it (a row of faces above, two below for the names),
 * between 4:3 and 2:1, at least 40% of the photo's width, inside the photo. The whole photo when that is most of it.
 */
export function zoomRegion(boxes: readonly RollCallBox[], photo: { width: number; height: number }): RollCallBox {
  const whole = { x: 0, y: 0, width: photo.width, height: photo.height }
  if (boxes.length === 0) return whole
  const face = Math.max(...boxes.map((b) => b.height))
  let x0 = Math.min(...boxes.map((b) => b.x)) - face
  let x1 = Math.max(...boxes.map((b) => b.x + b.width)) + face
  let y0 = Math.min(...boxes.map((b) => b.y)) - face
  let y1 = Math.max(...boxes.map((b) => b.y + b.height)) + face * 2
  /** [lo, hi] made at least `size` long around its middle, then moved (and cut) inside [0, limit]. */
  const span = (lo: number, hi: number, size: number, limit: number): [number, number] => {
    if (hi - lo < size) [lo, hi] = [(lo + hi) / 2 - size / 2, (lo + hi) / 2 + size / 2]
    const length = Math.min(limit, hi - lo)
    const start = Math.max(0, Math.min(limit - length, lo))
    return [start, start + length]
  }
  ;[x0, x1] = span(x0, x1, photo.width * 0.4, photo.width)
  ;[y0, y1] = span(y0, y1, (x1 - x0) / 2, photo.height)
  ;[x0, x1] = span(x0, x1, ((y1 - y0) * 4) / 3, photo.width)
  const region = { x: Math.round(x0), y: Math.round(y0), width: Math.round(x1 - x0), height: Math.round(y1 - y0) }
  return region.width * region.height > photo.width * photo.height * 0.7 ? whole : region
}

/** What became of one face, in the words the results use. */
export type RollCallOutcome = 'recorded' | 'checking' | 'review' | 'refused' | 'unknown'

export function outcomeOf(result: Pick<RollCallFaceResult, 'status' | 'approval_status'>): RollCallOutcome {
  if (result.status === 'unnamed') return 'unknown'
  if (result.status === 'rejected' || result.status === 'conflict' || result.approval_status === 'rejected') return 'refused'
  if (result.approval_status === 'verifying') return 'checking'
  if (result.approval_status === 'pending') return 'review'
  return 'recorded'
}

/** Recorded (whatever check or review still follows), refused, and unknown faces of an answered roll-call. */
export function outcomeSummary(results: readonly Pick<RollCallFaceResult, 'status' | 'approval_status'>[]): { recorded: number; refused: number; unknown: number } {
  const outcomes = results.map(outcomeOf)
  const refused = outcomes.filter((o) => o === 'refused').length
  const unknown = outcomes.filter((o) => o === 'unknown').length
  return { recorded: outcomes.length - refused - unknown, refused, unknown }
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

/** Check-in until halfway through the working day, check-out after (the petugas can change it). Times "HH:MM[:SS]". */
export function defaultKind(localTime: string, workStart: string, workEnd: string): AttendanceKind {
  const start = minutes(workStart)
  const end = minutes(workEnd)
  if (!(end > start)) return 'check_in'
  return minutes(localTime) >= (start + end) / 2 ? 'check_out' : 'check_in'
}
