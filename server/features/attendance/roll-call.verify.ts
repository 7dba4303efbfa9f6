// The server's own check of one face of a roll-call photo (issue 14 item 5). The tablet said "the face in this box is
// member M"; here the server finds the faces in the photo itself (never the tablet's boxes or descriptors), takes the
// face it found at that box, and hands its descriptor to the same decision as any capture (this member, clear of
// everyone else by the margin; confusable members need a second factor a photo cannot give). A face the server does
// not find there, or that another claimed box of the same photo sits on better, is "no face": one face, one name.
//
// A group photo proves faces, not that they were alive: the liveness line is 'witnessed' (a caveat, so the day waits
// for a person) and the capture is never a template to learn from.
import { eq } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { rollCalls, type StoredEvidence } from '../../db/schema'
import type { FaceCheck, LivenessCheck } from '../../../shared/attendance/evidence'
import { boxIou, type RollCallBox } from '../../../shared/attendance/roll-call'
import { checkDescriptor } from '../../../shared/face/descriptor'
import type { ExtractionResult } from '../../face/inference'

/** A server face counts as the one at a claimed box only with at least this overlap (detectors draw boxes differently). */
export const ROLL_CALL_MIN_IOU = 0.25

// The faces of one photo, found once for all its captures (their jobs run at about the same time).
const extractions = new Map<string, { at: number; result: Promise<ExtractionResult | null> }>()
const EXTRACTION_TTL_MS = 10 * 60_000
const EXTRACTION_CACHE_SIZE = 8

async function extract(deps: AppDeps, key: string): Promise<ExtractionResult | null> {
  const now = Date.now()
  for (const [k, v] of extractions) if (now - v.at > EXTRACTION_TTL_MS) extractions.delete(k)
  const cached = extractions.get(key)
  if (cached) return cached.result
  const result = (async () => {
    const image = await deps.storage.get(key)
    if (!image) return null
    const { extractGroupFacesInPool } = await import('../../face/group')
    try {
      return await extractGroupFacesInPool(image)
    } catch (err) {
      if ((err as { code?: unknown }).code === 'invalid_image') return { width: 0, height: 0, faces: [] }
      throw err
    }
  })()
  extractions.set(key, { at: now, result })
  result.catch(() => extractions.delete(key)) // a failure (pool down) is retried by the job, not remembered
  while (extractions.size > EXTRACTION_CACHE_SIZE) extractions.delete(extractions.keys().next().value as string)
  return result
}

/** Which of the server's faces is the one at `claimed` (index into faces), or null. Exported for the unit test. */
export function faceAtBox(faces: readonly { box: RollCallBox }[], claimed: RollCallBox, others: readonly RollCallBox[]): number | null {
  let best: number | null = null
  let bestIou = ROLL_CALL_MIN_IOU
  faces.forEach((f, i) => {
    const iou = boxIou(f.box, claimed)
    if (iou >= bestIou) {
      best = i
      bestIou = iou
    }
  })
  if (best === null) return null
  // Another claimed box on the same face (better placed): that face is not this box's.
  const found = (faces[best] as { box: RollCallBox }).box
  if (others.some((o) => boxIou(found, o) > bestIou)) return null
  return best
}

export interface RollCallVerdict {
  face: FaceCheck
  liveness: LivenessCheck
}

/**
 * Checks one roll-call capture. `decide` is the capture's face decision for a probe (faceDecision and the second
 * factor, as for a kiosk capture). Throws only on errors worth a retry (storage, database, face pool).
 */
export async function checkRollCallFace(
  deps: AppDeps,
  organizationId: number,
  evidence: StoredEvidence & { roll_call: NonNullable<StoredEvidence['roll_call']> },
  base: { threshold: number; margin: number },
  decide: (probe: Float32Array) => Promise<FaceCheck>,
): Promise<RollCallVerdict> {
  const liveness: LivenessCheck = { outcome: 'warn', code: 'witnessed', mode: 'none', steps: [], frames: evidence.frames.length }
  const noFace = (code: FaceCheck['code']): RollCallVerdict => ({ face: { outcome: 'fail', code, distance: null, other_distance: null, ...base }, liveness })
  const frame = evidence.frames[0]
  if (!frame) return noFace('no_face') // the photo was deleted before the check (retention, a withdrawal)
  const extraction = await extract(deps, frame.key)
  if (!extraction) return noFace('no_face')
  if (extraction.width === 0) return noFace('unreadable')
  const [roll] = await deps.database.db.select({ faces: rollCalls.faces, organizationId: rollCalls.organizationId }).from(rollCalls).where(eq(rollCalls.id, evidence.roll_call.id))
  const others = roll && roll.organizationId === organizationId ? roll.faces.filter((_, i) => i !== evidence.roll_call.face).map((f) => f.box) : []
  const index = faceAtBox(extraction.faces, evidence.roll_call.box, others)
  if (index === null) return noFace('no_face')
  const probe = extraction.faces[index]!.descriptor
  if (!checkDescriptor(probe).ok) return noFace('no_face')
  return { face: await decide(probe), liveness }
}

/** Forgets the cached faces of the photos (tests). */
export function forgetRollCallExtractions(): void {
  extractions.clear()
}
