// Every face of one still photo (roll-call from one photo, issue 14 item 5): where the face worker looks for faces in
// a class photo of up to 2048 px a side, and how the looks are merged into one box per face. Plain TypeScript (no DOM):
// the worker (src/face/pipeline.ts detectGroup) runs it with face-api's TinyFaceDetector, the unit test with face-api's
// Node build on a composed class photo.
//
// MEASURED (face-api 1.7.15 TinyFaceDetector, WASM, on a 2048x1152 photo of 28 head-and-shoulder photos from
// ../shared/faces laid out in rows, faces found / faces there, time in Node on this 2-core machine):
// - The detector pads the photo to a square and scales it to its input size; it finds a face only when the face is
//   about 40 px wide or more at that scale. On the whole photo at the largest input the kiosk uses (608) that is faces
//   of 130 px and more: a class photo's faces (40-80 px) are all missed (0/32 at 32, 40 and 48 px).
// - The whole photo at a larger input is slow and still misses small faces: 1280 finds faces of 64 px (32/32, 0.9 s)
//   but only 16/32 of 48 px; 1536 finds 27/32 of 48 px (1.3 s) and 4/32 of 36 px (2.5 s).
// - Tiles at native scale or larger find them: 512 px tiles read at 640 (x1.25) found 32/32 at 32, 40 and 48 px
//   (15 tiles, 2.2 s); 640 px tiles at 640 missed some of 32-40 px (17/32, 30/32); 512 tiles at 512 also (18/32,
//   31/32); 448 at 608 found all but took 3.4 s (24 tiles).
// So: three looks, coarse to fine, each tiled so that a face is whole in at least one tile of the look that sees it:
// the whole photo at 608 (faces of ~130 px and more), 1024 px tiles at 608 overlapping by 256 (~70-256 px), and
// 512 px tiles at 640 overlapping by 128 (~30-128 px). The same face seen by several looks or tiles is merged.
// The tiling, the placing of a tile's boxes in the photo and the merging are shared with the server's group detection
// (shared/face/tiles.ts); the looks, the edge and the thresholds here are the worker's own.
import type { FaceBox } from '@shared/face/quality'
import { containment, iou, mergeDuplicates, type PhotoSize, placeInPhoto, planTiles as planPhotoTiles, type Tile } from '@shared/face/tiles'

export { containment, iou, type Tile }

export type GroupBox = FaceBox

export interface GroupDetection {
  box: GroupBox
  score: number
}

/** One look at the photo: tiles of `tile` px (Infinity: the whole photo), each read at the detector's `input` size. */
export interface GroupLook {
  tile: number
  /** Least overlap of neighbouring tiles, px: more than the largest face this look has to find whole. */
  overlap: number
  /** TinyFaceDetector input size (a multiple of 32). */
  input: number
}

export const GROUP_LOOKS: readonly GroupLook[] = Object.freeze([
  { tile: Number.POSITIVE_INFINITY, overlap: 0, input: 608 },
  { tile: 1024, overlap: 256, input: 608 },
  { tile: 512, overlap: 128, input: 640 },
])

/** Detections under this score are dropped (a class photo has more faces than anything else; the kiosk counts from 0.3). */
export const GROUP_MIN_SCORE = 0.4
/** Two detections overlapping at least this much are one face. */
export const GROUP_SAME_FACE_IOU = 0.3
/** A face this small (shorter side, px) is kept as a box but gets no descriptor: too few pixels to recognise. */
export const GROUP_MIN_DESCRIBED_PX = 24

/** The tiles of one look over a width x height photo, row by row (shared/face/tiles.ts). */
export function planTiles(width: number, height: number, look: Pick<GroupLook, 'tile' | 'overlap'>): Tile[] {
  return planPhotoTiles(width, height, look.tile, look.overlap)
}

/** One detector call: a region of the photo read at an input size. */
export interface GroupPass {
  tile: Tile
  input: number
}

/**
 * Every detector call for a photo, coarse to fine. A look whose tile covers the whole photo is a whole-photo look;
 * two whole-photo looks that would read the photo at (about) the same scale are one.
 */
export function planPasses(width: number, height: number, looks: readonly GroupLook[] = GROUP_LOOKS): GroupPass[] {
  const passes: GroupPass[] = []
  const wholeScales: number[] = []
  const side = Math.max(width, height)
  for (const look of looks) {
    if (look.tile >= side) {
      const scale = look.input / side
      if (wholeScales.some((s) => Math.abs(s - scale) / s < 0.2)) continue
      wholeScales.push(scale)
      passes.push({ tile: { x: 0, y: 0, width, height }, input: look.input })
      continue
    }
    for (const tile of planTiles(width, height, look)) passes.push({ tile, input: look.input })
  }
  return passes
}

export interface GroupCandidate extends GroupDetection {
  /** Touches an edge of its tile that is not an edge of the photo: probably a face cut in two. */
  cut: boolean
}

/** A tile's detections (in the tile's pixels) moved into the photo, marked when cut by an inner edge of the tile (within `edge` px). */
export function placeDetections(found: readonly GroupDetection[], tile: Tile, photo: PhotoSize, edge = 2): GroupCandidate[] {
  return placeInPhoto(found, tile, photo, { edge }).map((p) => ({ score: p.found.score, cut: p.cut, box: p.box }))
}

/** The box clipped to the photo (a detector's box may reach past its edge), or null when nothing is left of it. */
export function clipBox(box: GroupBox, photo: PhotoSize): GroupBox | null {
  const x = Math.max(0, box.x)
  const y = Math.max(0, box.y)
  const width = Math.min(photo.width, box.x + box.width) - x
  const height = Math.min(photo.height, box.y + box.height) - y
  return width >= 1 && height >= 1 ? { x, y, width, height } : null
}

/**
 * One box per face: whole faces before cut ones, then by score; a candidate overlapping a face already kept (IoU over
 * `sameFaceIou`, or mostly inside it or around it) is that face seen again. Sorted top to bottom, left to right
 * (rows of a class photo), at most `max`, the strongest kept.
 */
export function mergeDetections(candidates: readonly GroupCandidate[], photo: PhotoSize, options: { minScore?: number; sameFaceIou?: number; max?: number } = {}): GroupDetection[] {
  const minScore = options.minScore ?? GROUP_MIN_SCORE
  const sameFaceIou = options.sameFaceIou ?? GROUP_SAME_FACE_IOU
  const clipped = candidates.flatMap((c) => {
    const box = c.score >= minScore ? clipBox(c.box, photo) : null
    return box ? [{ box, score: c.score, cut: c.cut }] : []
  })
  const kept = mergeDuplicates(clipped, { sameFaceIou, contained: 0.6, containedOnlyWhenCut: false }).map((k): GroupDetection => ({ box: k.box, score: k.score }))
  const strongest = options.max !== undefined && kept.length > options.max ? [...kept].sort((a, b) => b.score - a.score).slice(0, options.max) : kept
  return readingOrder(strongest)
}

/** Top to bottom in rows (a face whose centre is within half a face height of the row's first face is in that row), left to right. */
export function readingOrder<T extends { box: GroupBox }>(faces: readonly T[]): T[] {
  const byTop = [...faces].sort((a, b) => a.box.y + a.box.height / 2 - (b.box.y + b.box.height / 2))
  const rows: T[][] = []
  for (const face of byTop) {
    const cy = face.box.y + face.box.height / 2
    const row = rows[rows.length - 1]
    const first = row?.[0]
    if (row && first && Math.abs(cy - (first.box.y + first.box.height / 2)) <= Math.max(first.box.height, face.box.height) / 2) row.push(face)
    else rows.push([face])
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box.x - b.box.x))
}

/** Runs the detector over every pass and merges what it found. `detect` gets a region of the photo and an input size. */
export async function findGroupFaces(
  photo: { width: number; height: number },
  detect: (tile: Tile, input: number) => Promise<GroupDetection[]>,
  options: { looks?: readonly GroupLook[]; max?: number; onPass?: (done: number, total: number) => void | Promise<void> } = {},
): Promise<GroupDetection[]> {
  const passes = planPasses(photo.width, photo.height, options.looks)
  const candidates: GroupCandidate[] = []
  for (const [i, pass] of passes.entries()) {
    candidates.push(...placeDetections(await detect(pass.tile, pass.input), pass.tile, photo))
    await options.onPass?.(i + 1, passes.length)
  }
  return mergeDetections(candidates, photo, { max: options.max })
}
