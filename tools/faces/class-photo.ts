// A class photo composed from single-person photos, with the ground-truth box of every face: test and evaluation
// tooling for roll-call from one photo (issue 14 item 5). NOT product code: nothing under server/ or src/ that ships
// may import it (the tests, face:eval --roll-call and the e2e support files do).
//
// Each photo is cropped to head and shoulders around its face (the face found by the server's own extraction,
// server/face/inference.ts, unless the caller gives the box), scaled so the face has the size of a face in a class photo
// taken by a tablet (back row small, front row big: faceSizes, px of face-box width), feathered into an ellipse and laid
// out in rows on a plain, gently textured wall, at most 2048 px wide (shared/attendance/roll-call.ts
// ROLL_CALL_PHOTO_MAX_SIDE). Front rows are drawn over the rows behind them (shoulders hidden, never a face). The
// same photos and options (seed) give the same JPEG, byte for byte, with the same sharp/libvips.
import fs from 'node:fs'
import sharp, { type OverlayOptions } from 'sharp'
import type { FaceBox } from '../../shared/face/quality'
import { ROLL_CALL_PHOTO_MAX_SIDE } from '../../shared/attendance/roll-call'

export interface ClassPhotoPerson {
  /** The photo (JPEG/PNG/...), one person in it (the largest face is taken). */
  file: string
  /** Who it is (the identity folder, a member id...), returned with the face's box. */
  label: string
  /** The face box in the photo's pixels (after EXIF rotation), when known: no detection then. */
  box?: FaceBox
}

export interface ClassPhotoOptions {
  /** Width of the composed photo, px (default and at most 2048). */
  width?: number
  /** Face-box widths, px: the back row's and the front row's (default 40 and 80); rows in between are graded. */
  faceSizes?: { back: number; front: number }
  /**
   * Height of the composed photo, px (default: 3/4 of the width, a tablet camera's 4:3, or more when the rows need it;
   * at most 2048). The rows are centred in it.
   */
  height?: number
  /** Rows (default: as few as fit in the width). */
  rows?: number
  /** Arrangement, size jitter and wall colour (default 1). */
  seed?: number
  /** A 'plain' wall or a gently 'textured' one (gradient and grain; default). */
  background?: 'plain' | 'textured'
  /** JPEG quality (default 90). */
  quality?: number
}

export interface ClassPhotoFace {
  label: string
  file: string
  /** The face's box in the composed photo's pixels (the source box, scaled and moved). */
  box: FaceBox
}

export interface ClassPhoto {
  jpeg: Buffer
  width: number
  height: number
  /** Every face, back row first, left to right. */
  faces: ClassPhotoFace[]
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const faceCache = new Map<string, Promise<FaceBox>>()

/** The largest face of a photo, found by the server's extraction (SSD MobileNet v1); cached per file. */
export function faceBoxOf(file: string): Promise<FaceBox> {
  let found = faceCache.get(file)
  if (!found) {
    found = (async () => {
      const { extractFacesWith } = await import('../../server/face/inference')
      const result = await extractFacesWith(fs.readFileSync(file), 'ssd')
      const faces = result.faces.filter((f) => f.score >= 0.5).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
      if (!faces[0]) throw new Error(`${file}: no face found to put in a class photo`)
      return faces[0].box
    })()
    faceCache.set(file, found)
    found.catch(() => faceCache.delete(file))
  }
  return found
}

// Head and shoulders around the face box, in face-box widths/heights.
const CROP_SIDE = 1.0 // each side of the face, face widths
const CROP_ABOVE = 0.6 // above the box, face heights
const CROP_BELOW = 1.3 // below the box, face heights
/** Gap between two people of a row, face widths. */
const ROW_GAP = 0.3
const MARGIN = 24

interface Placed {
  person: ClassPhotoPerson
  box: FaceBox
  /** The crop in the source photo (pixels, clamped to the photo). */
  crop: { left: number; top: number; width: number; height: number }
  scale: number
  /** Where the scaled crop goes on the canvas. */
  x: number
  y: number
}

/** The rows, back first: how many people in each and their nominal face width. */
function planRows(n: number, width: number, sizes: { back: number; front: number }, rows?: number): { count: number; size: number }[] {
  const fits = (r: number): { count: number; size: number }[] | null => {
    const plan: { count: number; size: number }[] = []
    for (let k = 0; k < r; k++) {
      // Remainder to the back rows (smaller faces, more fit in a row).
      const count = Math.floor(n / r) + (k < n % r ? 1 : 0)
      const size = r === 1 ? sizes.front : sizes.back + ((sizes.front - sizes.back) * k) / (r - 1)
      plan.push({ count, size })
    }
    return plan.every((row) => row.count * size2cell(row.size) + 2 * MARGIN <= width) ? plan : null
  }
  if (rows !== undefined) {
    const plan = fits(rows)
    if (!plan) throw new Error(`class photo: ${n} people do not fit in ${rows} rows ${width} px wide`)
    return plan
  }
  for (let r = 1; r <= n; r++) {
    const plan = fits(r)
    if (plan) return plan
  }
  throw new Error(`class photo: ${n} people do not fit ${width} px wide`)
}

/** Horizontal room one person of a row takes: the crop's width (plus jitter) and the gap. */
const size2cell = (size: number): number => size * 1.1 * (2 * CROP_SIDE + 1) + size * ROW_GAP

/** A wall: a neutral colour, a soft vertical gradient and (textured) fine grain, from the seed. */
function wall(width: number, height: number, random: () => number, textured: boolean): Buffer {
  const palette = [
    [196, 190, 178],
    [172, 180, 186],
    [205, 200, 192],
    [160, 168, 160],
    [188, 176, 164],
  ] as const
  const base = palette[Math.floor(random() * palette.length)] as readonly [number, number, number]
  const out = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    const shade = textured ? 1.06 - (0.12 * y) / height : 1
    for (let x = 0; x < width; x++) {
      const grain = textured ? (random() - 0.5) * 10 : 0
      const o = (y * width + x) * 3
      for (let c = 0; c < 3; c++) out[o + c] = Math.max(0, Math.min(255, Math.round((base[c] as number) * shade + grain)))
    }
  }
  return out
}

/**
 * The scaled crop with an alpha channel: opaque around the face, fading out towards the edges of an ellipse centred on
 * the face (taller below it, for the shoulders), so people blend into the wall instead of being pasted rectangles.
 */
async function feathered(file: string, p: Placed): Promise<{ data: Buffer; width: number; height: number }> {
  const width = Math.max(1, Math.round(p.crop.width * p.scale))
  const height = Math.max(1, Math.round(p.crop.height * p.scale))
  const { data } = await sharp(file)
    .rotate()
    .extract(p.crop)
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  const rgba = Buffer.alloc(width * height * 4)
  const fw = p.box.width * p.scale
  const fh = p.box.height * p.scale
  const cx = (p.box.x + p.box.width / 2 - p.crop.left) * p.scale
  const cy = (p.box.y + p.box.height / 2 - p.crop.top) * p.scale
  for (let y = 0; y < height; y++) {
    const ry = y < cy ? 1.15 * fh : 2.2 * fh
    for (let x = 0; x < width; x++) {
      const r = Math.hypot((x - cx) / (1.05 * fw), (y - cy) / ry)
      const t = Math.max(0, Math.min(1, (1 - r) / 0.3))
      const i = y * width + x
      rgba[i * 4] = data[i * 3] as number
      rgba[i * 4 + 1] = data[i * 3 + 1] as number
      rgba[i * 4 + 2] = data[i * 3 + 2] as number
      rgba[i * 4 + 3] = Math.round(255 * t * t * (3 - 2 * t))
    }
  }
  return { data: rgba, width, height }
}

/** Composes the class photo (see the file's header). */
export async function composeClassPhoto(photos: readonly ClassPhotoPerson[], options: ClassPhotoOptions = {}): Promise<ClassPhoto> {
  if (photos.length === 0) throw new Error('class photo: nobody to put in it')
  const width = Math.round(options.width ?? ROLL_CALL_PHOTO_MAX_SIDE)
  if (!(width >= 320 && width <= ROLL_CALL_PHOTO_MAX_SIDE)) throw new RangeError(`class photo width must be 320..${ROLL_CALL_PHOTO_MAX_SIDE}, got ${width}`)
  const sizes = options.faceSizes ?? { back: 40, front: 80 }
  if (!(sizes.back >= 8 && sizes.front >= sizes.back)) throw new RangeError('class photo faceSizes: need 8 <= back <= front')
  const random = seededRandom(options.seed ?? 1)

  // A fixed order from the seed (Fisher-Yates), so who stands where changes with the seed only.
  const order = [...photos]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j] as ClassPhotoPerson, order[i] as ClassPhotoPerson]
  }
  const plan = planRows(order.length, width, sizes, options.rows)

  // Each person's crop and scale.
  const placed: Placed[][] = []
  let next = 0
  for (const row of plan) {
    const list: Placed[] = []
    for (let k = 0; k < row.count; k++) {
      const person = order[next++] as ClassPhotoPerson
      const box = person.box ?? (await faceBoxOf(person.file))
      const meta = await sharp(person.file).rotate().metadata()
      const swap = (meta.orientation ?? 1) >= 5
      const pw = (swap ? meta.height : meta.width) ?? 0
      const ph = (swap ? meta.width : meta.height) ?? 0
      const left = Math.max(0, Math.floor(box.x - CROP_SIDE * box.width))
      const top = Math.max(0, Math.floor(box.y - CROP_ABOVE * box.height))
      const right = Math.min(pw, Math.ceil(box.x + box.width * (1 + CROP_SIDE)))
      const bottom = Math.min(ph, Math.ceil(box.y + box.height * (1 + CROP_BELOW)))
      const jitter = 1 + (random() - 0.5) * 0.16
      list.push({ person, box, crop: { left, top, width: right - left, height: bottom - top }, scale: (row.size * jitter) / box.width, x: 0, y: 0 })
    }
    placed.push(list)
  }

  // Rows back to front: each row's faces start below the faces of the rows behind (their crops may cover shoulders).
  let faceTop = MARGIN + CROP_ABOVE * Math.max(...(placed[0] ?? []).map((p) => p.box.height * p.scale))
  let bottom = 0
  for (const [r, row] of placed.entries()) {
    if (r > 0) {
      const behind = placed[r - 1] as Placed[]
      const lowest = Math.max(...behind.map((p) => p.y + (p.box.y - p.crop.top + p.box.height) * p.scale))
      const above = Math.max(...row.map((p) => Math.min(p.box.y - p.crop.top, CROP_ABOVE * p.box.height) * p.scale))
      faceTop = lowest + above + 0.1 * (plan[r] as { size: number }).size
    }
    const cells = row.map((p) => p.box.width * p.scale * (2 * CROP_SIDE + 1 + ROW_GAP))
    const total = cells.reduce((s, c) => s + c, 0)
    // Centred, staggered by a quarter of a cell on every other row (heads between the heads in front).
    let x = (width - total) / 2 + (r % 2 ? 0.25 : -0.25) * (cells[0] ?? 0)
    x = Math.max(MARGIN, Math.min(width - MARGIN - total, x))
    for (const [k, p] of row.entries()) {
      const cell = cells[k] as number
      const faceCx = x + cell / 2
      p.x = Math.round(faceCx - (p.box.x + p.box.width / 2 - p.crop.left) * p.scale)
      p.y = Math.round(faceTop - (p.box.y - p.crop.top) * p.scale)
      x += cell
      bottom = Math.max(bottom, p.y + Math.round(p.crop.height * p.scale))
    }
  }
  const needed = Math.ceil(bottom + MARGIN)
  const lastFaceBottom = Math.max(...placed.flat().map((p) => p.y + (p.box.y - p.crop.top + p.box.height) * p.scale))
  if (lastFaceBottom + MARGIN > ROLL_CALL_PHOTO_MAX_SIDE) throw new Error(`class photo: the rows need more than ${ROLL_CALL_PHOTO_MAX_SIDE} px of height; use smaller faces or fewer people`)
  let height = Math.min(ROLL_CALL_PHOTO_MAX_SIDE, Math.max(Math.round(options.height ?? (width * 3) / 4), needed))
  height += height % 2
  height = Math.min(height, ROLL_CALL_PHOTO_MAX_SIDE)
  // Centre the rows vertically (the lowest crops may run off the bottom edge, as bodies do in a photo).
  const shift = Math.max(0, Math.round((height - Math.min(needed, height)) / 2))
  for (const p of placed.flat()) p.y += shift

  const background = wall(width, height, random, (options.background ?? 'textured') === 'textured')
  const layers: OverlayOptions[] = []
  for (const p of placed.flat()) {
    const img = await feathered(p.person.file, p)
    // Clip to the canvas (composite refuses overlays that stick out).
    const left = Math.max(0, -p.x)
    const top = Math.max(0, -p.y)
    const w = Math.min(img.width - left, width - Math.max(0, p.x))
    const h = Math.min(img.height - top, height - Math.max(0, p.y))
    if (w <= 0 || h <= 0) continue
    const input =
      left || top || w !== img.width || h !== img.height
        ? await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).extract({ left, top, width: w, height: h }).png().toBuffer()
        : await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer()
    layers.push({ input, left: Math.max(0, p.x), top: Math.max(0, p.y) })
  }
  const jpeg = await sharp(background, { raw: { width, height, channels: 3 } })
    .composite(layers)
    .jpeg({ quality: options.quality ?? 90 })
    .toBuffer()
  const faces = placed.flat().map((p) => ({
    label: p.person.label,
    file: p.person.file,
    box: {
      x: p.x + (p.box.x - p.crop.left) * p.scale,
      y: p.y + (p.box.y - p.crop.top) * p.scale,
      width: p.box.width * p.scale,
      height: p.box.height * p.scale,
    },
  }))
  return { jpeg, width, height, faces }
}
