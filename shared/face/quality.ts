// Quality gates for a face capture, shared by the browser (live hints) and the server (registration / re-verification).
// Plain TypeScript (no DOM, no Node).

export type FaceQualityReason = 'no_face' | 'multiple_faces' | 'too_small' | 'low_confidence' | 'ok'

export const FACE_QUALITY_REASONS: readonly FaceQualityReason[] = ['no_face', 'multiple_faces', 'too_small', 'low_confidence', 'ok']

export interface FaceBox {
  x: number
  y: number
  width: number
  height: number
}

/** What the gates need from a detection: its box (in frame pixels) and the detector's score in [0, 1]. */
export interface DetectedFaceLike {
  box: FaceBox
  score: number
}

export interface FrameSize {
  width: number
  height: number
}

export interface FaceQualityOptions {
  /** Detections scoring below this are treated as noise and not counted at all. */
  countScore: number
  /** The one face must score at least this, otherwise 'low_confidence'. */
  minScore: number
  /** min(box.width, box.height) / min(frame.width, frame.height) must be at least this, otherwise 'too_small'. */
  minFaceRatio: number
  /** And the face box must be at least this many pixels on its shorter side, otherwise 'too_small'. */
  minFacePixels: number
  /**
   * Another detection counts as a second person only if its shorter side is at least this fraction of the main
   * face's (a much smaller face is someone far in the background, not a candidate for this capture).
   */
  otherFaceMinRelativeSize: number
  /**
   * A detection cut by the frame edge (within this fraction of the frame's short side from a border) that is also
   * smaller than `edgeFaceMaxRelativeSize` of the main face is a partial face (a passer-by, or the mirrored edge of a
   * padded crop) and does not count as a second person.
   */
  edgeMargin: number
  edgeFaceMaxRelativeSize: number
  /** A detection whose overlap with the main face covers at least this share of the smaller box is a duplicate. */
  duplicateOverlap: number
}

/**
 * Defaults. The recognition net looks at a 150x150 crop; a face under ~64 px on its short side gives unreliable
 * descriptors. 0.12 of the frame's short side: a phone selfie or a kiosk capture is far above it; a person in the back
 * of a room is below it. Every photo in ../shared/faces/people passes, both group photos are refused.
 */
export const DEFAULT_FACE_QUALITY: Readonly<FaceQualityOptions> = Object.freeze({
  countScore: 0.3,
  minScore: 0.5,
  minFaceRatio: 0.12,
  minFacePixels: 64,
  otherFaceMinRelativeSize: 0.5,
  edgeMargin: 0.02,
  edgeFaceMaxRelativeSize: 0.8,
  duplicateOverlap: 0.5,
})

export type FaceQualityResult =
  | { ok: true; reason: 'ok'; faceIndex: number }
  | { ok: false; reason: Exclude<FaceQualityReason, 'ok'>; faceIndex: number | null }

const area = (b: FaceBox): number => b.width * b.height
const shortSide = (b: FaceBox): number => Math.min(b.width, b.height)

function intersection(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

/**
 * Checks the detections of one frame. The main face is the largest detection scoring at least countScore; the
 * capture is refused as:
 * - 'no_face' when there is none;
 * - 'multiple_faces' when another detection is a second person: not a duplicate box of the main face, not much smaller
 *   than it (otherFaceMinRelativeSize), and not a smaller partial face cut by the frame edge;
 * - 'too_small' when the main face is under minFacePixels or minFaceRatio of the frame;
 * - 'low_confidence' when the main face scores under minScore.
 * `faceIndex` points into `faces`.
 */
export function checkFaceQuality(
  faces: readonly DetectedFaceLike[],
  frame: FrameSize,
  options: Partial<FaceQualityOptions> = {},
): FaceQualityResult {
  const o: FaceQualityOptions = { ...DEFAULT_FACE_QUALITY, ...options }
  let main = -1
  faces.forEach((f, i) => {
    const counted = Number.isFinite(f.score) && f.score >= o.countScore && f.box.width > 0 && f.box.height > 0
    if (counted && (main < 0 || area(f.box) > area((faces[main] as DetectedFaceLike).box))) main = i
  })
  if (main < 0) return { ok: false, reason: 'no_face', faceIndex: null }
  const face = faces[main] as DetectedFaceLike
  const frameShort = Math.min(frame.width, frame.height)
  const edge = o.edgeMargin * frameShort

  for (let i = 0; i < faces.length; i++) {
    const other = faces[i] as DetectedFaceLike
    if (i === main || !(other.score >= o.countScore) || !(other.box.width > 0 && other.box.height > 0)) continue
    const b = other.box
    if (intersection(b, face.box) >= o.duplicateOverlap * Math.min(area(b), area(face.box))) continue
    const relative = shortSide(b) / shortSide(face.box)
    if (relative < o.otherFaceMinRelativeSize) continue
    const distanceToEdge = Math.min(b.x, b.y, frame.width - (b.x + b.width), frame.height - (b.y + b.height))
    if (distanceToEdge <= edge && relative < o.edgeFaceMaxRelativeSize) continue
    return { ok: false, reason: 'multiple_faces', faceIndex: null }
  }

  const side = shortSide(face.box)
  if (!(frameShort > 0) || side < o.minFacePixels || side / frameShort < o.minFaceRatio) {
    return { ok: false, reason: 'too_small', faceIndex: main }
  }
  if (face.score < o.minScore) return { ok: false, reason: 'low_confidence', faceIndex: main }
  return { ok: true, reason: 'ok', faceIndex: main }
}
