// Every face of a group photo, found in tiles (roll-call from one photo, issue 14 item 5): the geometry the tablet and
// the server share. A face detector reads its input at a fixed size, so the small faces of a large class photo are a few
// pixels there and missed; cut into overlapping windows each read at about native scale, every face narrower than the
// overlap lies whole in at least one window. This module plans the windows, moves a window's detections into the photo
// (marking those cut by an inner window edge: probably half a face), and merges one face seen by several windows into
// one box (a whole face beats a cut one, then the higher score).
//
// Which windows, read at which size, with which thresholds, is each detector's own measured choice, kept with its
// measurements: the tablet's face worker (src/face/group.ts, TinyFaceDetector) and the server's job
// (server/face/group.ts, SSD MobileNet v1). Plain TypeScript: no DOM, no Node.
import type { FaceBox } from './quality'

/** A window of the photo, in the photo's pixels. */
export type Tile = FaceBox

export interface PhotoSize {
  width: number
  height: number
}

/** Starts of the windows of `size` spread evenly over `length`, first at 0, last flush with the end, overlapping >= `overlap`. */
function starts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0]
  const n = Math.ceil((length - overlap) / (size - overlap))
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - size)) / (n - 1)))
}

/**
 * Overlapping square windows of `tile` px covering a width x height photo, row by row; neighbours overlap by at least
 * `overlap`, so a face up to `overlap` px lies whole inside one of them. A photo no larger than a tile is one tile.
 */
export function planTiles(width: number, height: number, tile: number, overlap: number): Tile[] {
  if (!(tile > overlap && overlap >= 0)) throw new RangeError(`a tile (${tile}) must be larger than its overlap (${overlap})`)
  const tiles: Tile[] = []
  for (const y of starts(height, tile, overlap)) {
    for (const x of starts(width, tile, overlap)) tiles.push({ x, y, width: Math.min(tile, width), height: Math.min(tile, height) })
  }
  return tiles
}

function intersection(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

/** Intersection over union of two boxes (one IoU for the tablet, the server and the roll-call's wire format). */
export function iou(a: FaceBox, b: FaceBox): number {
  const inter = intersection(a, b)
  const union = a.width * a.height + b.width * b.height - inter
  return union > 0 ? inter / union : 0
}

/** Share of the smaller box that lies inside the other. */
export function containment(a: FaceBox, b: FaceBox): number {
  const smaller = Math.min(a.width * a.height, b.width * b.height)
  return smaller > 0 ? intersection(a, b) / smaller : 0
}

/**
 * Whether a box (in the tile's pixels) touches, within `edge` px, an edge of its tile that is not an edge of the photo:
 * a face there is probably cut in two.
 */
export function cutByTile(box: FaceBox, tile: Tile, photo: PhotoSize, edge: number): boolean {
  return (
    (tile.x > 0 && box.x <= edge) ||
    (tile.y > 0 && box.y <= edge) ||
    (tile.x + tile.width < photo.width && box.x + box.width >= tile.width - edge) ||
    (tile.y + tile.height < photo.height && box.y + box.height >= tile.height - edge)
  )
}

/** A point in the tile's pixels moved into the photo's: offset by the tile, then times `scale` (the tiled pixels to the photo's own). */
export function toPhoto(point: { x: number; y: number }, tile: Tile, scale = 1): { x: number; y: number } {
  return { x: (point.x + tile.x) * scale, y: (point.y + tile.y) * scale }
}

export interface Placed<T> {
  /** The detection as the detector gave it (its box in the tile's pixels). */
  found: T
  /** Its box in the photo's pixels. */
  box: FaceBox
  /** Touches an inner edge of its tile: probably a face cut in two. */
  cut: boolean
}

/** A tile's detections moved into the photo (times `scale`), each marked when cut by an inner edge of the tile (within `edge` px). */
export function placeInPhoto<T extends { box: FaceBox }>(found: readonly T[], tile: Tile, photo: PhotoSize, options: { edge: number; scale?: number }): Placed<T>[] {
  const scale = options.scale ?? 1
  return found.map((f) => {
    const b = f.box
    const at = toPhoto(b, tile, scale)
    return { found: f, cut: cutByTile(b, tile, photo, options.edge), box: { x: at.x, y: at.y, width: b.width * scale, height: b.height * scale } }
  })
}

export interface MergeCandidate {
  box: FaceBox
  score: number
  /** Cut by an inner tile edge (placeInPhoto). */
  cut: boolean
}

export interface SameFaceRule {
  /** Two boxes overlapping at least this much (IoU) are one face. */
  sameFaceIou: number
  /** A box at least this much inside another (share of the smaller, containment) is that face too... */
  contained: number
  /** ...always, or only when one of the two is cut. */
  containedOnlyWhenCut: boolean
}

/**
 * One box per face: the candidates taken whole faces first, then by score (ties keep their order); a candidate that is
 * the same face as one already kept (`rule`) is dropped. Returns the kept candidates in the order they were taken.
 */
export function mergeDuplicates<T extends MergeCandidate>(candidates: readonly T[], rule: SameFaceRule): T[] {
  const order = [...candidates].sort((a, b) => Number(a.cut) - Number(b.cut) || b.score - a.score)
  const kept: T[] = []
  for (const c of order) {
    const same = kept.some((k) => iou(k.box, c.box) >= rule.sameFaceIou || ((!rule.containedOnlyWhenCut || c.cut || k.cut) && containment(k.box, c.box) >= rule.contained))
    if (!same) kept.push(c)
  }
  return kept
}
