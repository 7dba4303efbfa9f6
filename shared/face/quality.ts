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
  /**
   * Another detection counts as a second person only if it scores at least this fraction of the main face's score: a
   * detection clearly weaker than the subject (a pattern on a wall, a poster, a face turned away in the queue behind)
   * does not stop the capture.
   */
  otherFaceMinRelativeScore: number
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
  otherFaceMinRelativeScore: 0.6,
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
 * The face that matters in a frame, one rule for the browser and the server: the subject is the counted detection
 * (score >= countScore) with the largest prominence, its area weighted by its score and by how central it is (a face at
 * the centre weighs twice one in a corner). Every other counted detection is a rival (someone else the capture could be
 * about) unless it is clearly not: a duplicate box of the subject, much smaller (otherFaceMinRelativeSize), a smaller
 * partial face cut by the frame edge, or much weaker (otherFaceMinRelativeScore). `index` points into `faces` (null when
 * nothing is counted); `rivals` lists the rivals' indices: with any, the capture is "one at a time, please".
 */
export function dominantFace(
  faces: readonly DetectedFaceLike[],
  frame: FrameSize,
  options: Partial<FaceQualityOptions> = {},
): { index: number | null; rivals: number[] } {
  const o: FaceQualityOptions = { ...DEFAULT_FACE_QUALITY, ...options }
  const counted = (f: DetectedFaceLike) => Number.isFinite(f.score) && f.score >= o.countScore && f.box.width > 0 && f.box.height > 0
  const halfDiagonal = Math.hypot(frame.width, frame.height) / 2
  const centrality = (b: FaceBox) => {
    if (!(halfDiagonal > 0)) return 1
    const off = Math.hypot(b.x + b.width / 2 - frame.width / 2, b.y + b.height / 2 - frame.height / 2) / halfDiagonal
    return 1 - 0.5 * Math.min(1, off)
  }
  let main = -1
  let best = -Infinity
  faces.forEach((f, i) => {
    if (!counted(f)) return
    const prominence = area(f.box) * f.score * centrality(f.box)
    if (prominence > best) {
      best = prominence
      main = i
    }
  })
  if (main < 0) return { index: null, rivals: [] }
  const face = faces[main] as DetectedFaceLike
  const edge = o.edgeMargin * Math.min(frame.width, frame.height)
  const rivals: number[] = []
  for (let i = 0; i < faces.length; i++) {
    const other = faces[i] as DetectedFaceLike
    if (i === main || !counted(other)) continue
    const b = other.box
    if (intersection(b, face.box) >= o.duplicateOverlap * Math.min(area(b), area(face.box))) continue
    const relative = shortSide(b) / shortSide(face.box)
    if (relative < o.otherFaceMinRelativeSize) continue
    if (other.score < o.otherFaceMinRelativeScore * face.score) continue
    const distanceToEdge = Math.min(b.x, b.y, frame.width - (b.x + b.width), frame.height - (b.y + b.height))
    if (distanceToEdge <= edge && relative < o.edgeFaceMaxRelativeSize) continue
    rivals.push(i)
  }
  return { index: main, rivals }
}

/**
 * Checks the detections of one frame. The main face is the dominant one (see dominantFace); the capture is refused as:
 * - 'no_face' when no detection scores at least countScore;
 * - 'multiple_faces' when another detection is a rival of the main face (see dominantFace);
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
  const { index: main, rivals } = dominantFace(faces, frame, o)
  if (main === null) return { ok: false, reason: 'no_face', faceIndex: null }
  if (rivals.length > 0) return { ok: false, reason: 'multiple_faces', faceIndex: null }
  const face = faces[main] as DetectedFaceLike
  const frameShort = Math.min(frame.width, frame.height)

  const side = shortSide(face.box)
  if (!(frameShort > 0) || side < o.minFacePixels || side / frameShort < o.minFaceRatio) {
    return { ok: false, reason: 'too_small', faceIndex: main }
  }
  if (face.score < o.minScore) return { ok: false, reason: 'low_confidence', faceIndex: main }
  return { ok: true, reason: 'ok', faceIndex: main }
}
