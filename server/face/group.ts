// Every face of a group photo (roll-call from one photo, issue 14 item 5): a class of up to 60 people photographed by a
// tablet, up to 2048 px a side (shared/attendance/roll-call.ts), faces maybe 40-80 px wide.
//
//
// SSD MobileNet v1 sees any photo at a fixed 512x512 input (inference.ts), and extractFaces keeps 20 faces: on a
// 2048 px class photo a 40 px face is 10 px there, and a class has more than 20 people. So a photo larger than one
// tile is cut into overlapping square tiles (DEFAULT_GROUP_EXTRACTION: 640 px, overlapping by at least 160 px, 12 tiles
// for 2048x1536), each tile goes through the same extraction as any photo (landmarks and the recognition model's
// descriptor at the tile's full resolution; up to 100 faces), and the faces are mapped back into the photo. A face
// touching an inner tile edge is probably cut in two; every face narrower than the overlap lies whole in some other
// tile, so one face seen twice is merged (IoU >= 0.4, or a cut box mostly inside another) keeping the whole face
// first, then the higher score. The whole photo is also analysed once, keeping only faces at least half the overlap
// wide (80 px): the faces larger than the overlap, which every tile may cut (smaller ones seen in the whole photo come
// with loose boxes and false faces on the wall: 48 of them over the three 30-60 px photos below).
//
// Measured 2026-12 (this machine: 2 cores, wasm backend, in one thread) on class photos composed by
// tools/faces/class-photo.ts (ground truth: the face boxes it placed; found = a face with IoU >= 0.4 to one of them):
//   eval/faces, 60 people a photo (the 45 identities plus 15 second photos), 2048x1536 (2048x2048 for 50-100 px),
//   seeds 3, 4, 5, faces found of 180:
//   | face width, back-front row | whole photo, 20 faces (extractFaces) | whole photo, 100 faces | tiles 1024/256 | 768/192 | 640/160 |
//   | 30-60 px                    | 20 a photo at most                  | 161 (+48 false)        | 175 (+1)       | 175 (+2) | 178 (+2) |
//   | 40-80 px                    | 20 a photo at most                  | 175 (+8 false)         | 176            | 179 (+1) | 180      |
//   | 50-100 px                   | 20 a photo at most                  | 176                    | 177 (+1)       | 180 (+3) | 179      |
//   time a photo                  | ~1.2 s                              | ~3 s                   | ~10 s          | ~14 s    | ~12 s    |
//   the 7 identities of ../shared/faces/people, 2048x1536: the whole photo finds 6/7 at 24-48 px and 7/7 from 32-64 up;
//   every tiling 7/7 from 24-48 to 100-200 px (640/160: ~5 s a photo, most of it the tiles' SSD runs).
//   ../shared/faces/groups: couple.jpg (1280x892, tiled) 2 of 2 faces as extractFaces finds them; selfie-many-people.jpg
//   (600 px: one pass, untiled) the same 5 faces as extractFaces (the two more, cut by the frame or hidden, are missed
//   by every setting).
// Chosen: tiles of 640/160, the most faces found (537 of 540, 2 false faces); the time is a background job's, and
// extractGroupFacesInPool spreads the tiles over the worker pool's threads.
// The tiling, the placing of a tile's faces in the photo and the merging are shared with the tablet's group detection
// (shared/face/tiles.ts); the tile size, overlap, edge and thresholds here are the server's own.
import sharp from 'sharp'
import { DETECTION_MAX_RESULTS_LIMIT, extractFacesWith, FaceImageError, type ExtractedFace, type ExtractionResult } from './inference'
import { facePool } from './pool'
import { iou, mergeDuplicates, placeInPhoto, planTiles as planPhotoTiles, toPhoto } from '../../shared/face/tiles'

export { iou }

export interface GroupExtractionOptions {
  /** Side of a square tile, px of the photo. */
  tile: number
  /** Least overlap of two neighbouring tiles, px: more than the largest face a tile has to hold whole. */
  overlap: number
  /** A photo whose longer side is at most this is analysed in one pass, untiled. */
  singlePassMaxSide: number
  /** With tiles, also analyse the whole photo once (faces larger than the overlap, cut by every tile). */
  wholePass: boolean
  /**
   * With tiles, the whole photo's pass keeps only faces at least this wide (px of the photo; default half the overlap):
   * smaller ones lie whole inside some tile, seen there at full resolution; seen in the whole photo (shrunk to SSD's
   * 512 px input) they come with loose boxes and look-alikes on the wall.
   */
  wholeMinFace?: number
  /** Two detections overlapping at least this much (intersection over union) are one face. */
  sameFaceIou: number
}

/** Which extraction analyses one image (a tile, or the whole photo): in this thread, or in the worker pool. */
export type ImageExtractor = (image: Uint8Array, maxResults: number) => Promise<ExtractionResult>

export const DEFAULT_GROUP_EXTRACTION: Readonly<GroupExtractionOptions> = Object.freeze({
  tile: 640,
  overlap: 160,
  singlePassMaxSide: 640,
  wholePass: true,
  sameFaceIou: 0.4,
})

/** The longest side analysed: a larger photo is scaled down to it first (the boxes still come in its own pixels). */
export const GROUP_PHOTO_MAX_SIDE = 2048
/** Faces returned at most (the strongest). */
export const GROUP_MAX_FACES = DETECTION_MAX_RESULTS_LIMIT
const MAX_INPUT_PIXELS = 40_000_000

export interface Tile {
  left: number
  top: number
  width: number
  height: number
}

/** Overlapping square tiles covering a width x height photo, row by row; neighbours overlap by at least `overlap` (shared/face/tiles.ts). */
export function planTiles(width: number, height: number, tile: number, overlap: number): Tile[] {
  return planPhotoTiles(width, height, tile, overlap).map((t) => ({ left: t.x, top: t.y, width: t.width, height: t.height }))
}

export interface Candidate {
  face: ExtractedFace
  /** Touches an edge of its tile that is not an edge of the photo: probably a face cut in two. */
  cut: boolean
}

/** Moves a tile's faces into the photo's frame (offset, then scale) and marks those cut by an inner tile edge. */
export function placeTileFaces(faces: readonly ExtractedFace[], tile: Tile, photo: { width: number; height: number }, scale = 1): Candidate[] {
  const edge = Math.max(3, 0.01 * Math.max(tile.width, tile.height))
  const at = { x: tile.left, y: tile.top, width: tile.width, height: tile.height }
  return placeInPhoto(faces, at, photo, { edge, scale }).map(({ found: f, box, cut }) => ({
    cut,
    face: { ...f, box, landmarks: f.landmarks.map((p) => toPhoto(p, at, scale)) },
  }))
}

/**
 * One face per person: the candidates are taken whole faces first, then by score, and one overlapping a face already
 * kept (IoU >= sameFaceIou, or a cut face mostly inside it) is the same face seen again and is dropped.
 */
export function mergeCandidates(candidates: readonly Candidate[], sameFaceIou: number): ExtractedFace[] {
  const kept = mergeDuplicates(
    candidates.map((c) => ({ box: c.face.box, score: c.face.score, cut: c.cut, face: c.face })),
    { sameFaceIou, contained: 0.6, containedOnlyWhenCut: true },
  )
  return kept.map((k) => k.face).sort((a, b) => b.score - a.score)
}

/** Every face of a group photo, with the given extractor for each tile (see the header). */
export async function extractGroupFacesWith(
  image: Uint8Array,
  extract: ImageExtractor,
  options: Partial<GroupExtractionOptions> = {},
): Promise<ExtractionResult> {
  const o = { ...DEFAULT_GROUP_EXTRACTION, ...options }
  if (!(image instanceof Uint8Array) || image.byteLength === 0) throw new FaceImageError('no image data')
  let decoded: { data: Buffer; width: number; height: number; originalWidth: number; originalHeight: number }
  try {
    const meta = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).metadata()
    const swap = (meta.orientation ?? 1) >= 5
    const originalWidth = (swap ? meta.height : meta.width) ?? 0
    const originalHeight = (swap ? meta.width : meta.height) ?? 0
    if (!originalWidth || !originalHeight) throw new Error('image has no size')
    const { data, info } = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: GROUP_PHOTO_MAX_SIDE, height: GROUP_PHOTO_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    decoded = { data, width: info.width, height: info.height, originalWidth, originalHeight }
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`)
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    throw new FaceImageError(`not a readable image (${detail})`, { cause: err })
  }
  const { width, height } = decoded
  const scale = decoded.originalWidth / width
  const photo = { width, height }
  const encode = (tile: Tile) =>
    sharp(decoded.data, { raw: { width, height, channels: 3 } })
      .extract(tile)
      .png({ compressionLevel: 1 })
      .toBuffer()

  const whole: Tile = { left: 0, top: 0, width, height }
  const tiles = Math.max(width, height) <= o.singlePassMaxSide ? [] : planTiles(width, height, o.tile, o.overlap)
  const jobs: Tile[] = tiles.length === 0 || o.wholePass ? [whole, ...tiles] : tiles
  const results = await Promise.all(
    jobs.map(async (tile) => {
      // The whole photo as sent (its own decoding), a tile as lossless PNG of the decoded pixels.
      const asSent = tile === whole && scale === 1
      const result = await extract(asSent ? image : await encode(tile), GROUP_MAX_FACES)
      // The photo as sent answers in its own pixels; a tile in the decoded (at most 2048 px) ones.
      const placed = asSent ? result.faces.map((face) => ({ face, cut: false })) : placeTileFaces(result.faces, tile, photo, scale)
      const minFace = (o.wholeMinFace ?? o.overlap / 2) * scale
      return tile === whole && tiles.length > 0 ? placed.filter((c) => c.face.box.width >= minFace) : placed
    }),
  )
  const faces = mergeCandidates(results.flat(), o.sameFaceIou).slice(0, GROUP_MAX_FACES)
  return { width: decoded.originalWidth, height: decoded.originalHeight, faces }
}

/** In this thread: extractFacesWith (SSD MobileNet v1) on each tile. Scripts, tests and face:eval. */
export const inThread: ImageExtractor = (image, maxResults) => extractFacesWith(image, 'ssd', 'current', { maxResults })

/** In the process's worker pool (server/face/pool.ts): the tiles are analysed in parallel, off the main thread. */
export const inPool: ImageExtractor = async (image, maxResults) => (await facePool().extractTraced(image, 'ssd', { maxResults })).result

/** Every face of a group photo, with landmarks and descriptors (this thread; see the header). */
export function extractGroupFaces(image: Uint8Array, options: Partial<GroupExtractionOptions> = {}): Promise<ExtractionResult> {
  return extractGroupFacesWith(image, inThread, options)
}

/** extractGroupFaces in the process's face worker pool: what the server uses (the event loop never runs inference). */
export function extractGroupFacesInPool(image: Uint8Array, options: Partial<GroupExtractionOptions> = {}): Promise<ExtractionResult> {
  return extractGroupFacesWith(image, inPool, options)
}
