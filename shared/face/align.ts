// The one face alignment of the recognition model (issue 14): the standard 5-point ArcFace similarity crop.
// Plain TypeScript (no DOM, no Node): the browser's face worker, the server and the evaluation use this same file, so
// a face is cut the same way wherever it is described.
//
// - Five points from face-api's 68 landmarks (iBUG order): the centres of the two eyes (36-41, 42-47), the nose tip
//   (30) and the mouth corners (48, 54), in image order (the eye on the image's left first).
// - The least-squares similarity transform (rotation, uniform scale, translation; never a shear or a mirror) that
//   takes them onto ArcFace's reference points in a 112x112 crop (InsightFace's `arcface_dst`).
// - The crop is sampled bilinearly (pixels outside the image are black, as OpenCV's warpAffine does by default) into
//   the network's input: planar (CHW) float32, BGR channel order, (x - 127) / 128. Measured on held-out photos: BGR
//   is slightly better than RGB for this model, and a 3-point alignment shears turned faces.

export interface Point2 {
  x: number
  y: number
}

/** Side of the aligned crop, px. */
export const ALIGNED_SIZE = 112

/** ArcFace's reference points in a 112x112 crop: left eye, right eye, nose tip, left and right mouth corner. */
export const ARCFACE_REFERENCE: readonly Point2[] = Object.freeze([
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
])

function mean(points: readonly Point2[]): Point2 {
  let x = 0
  let y = 0
  for (const p of points) {
    x += p.x
    y += p.y
  }
  return { x: x / points.length, y: y / points.length }
}

/** The five alignment points from the 68 landmarks (iBUG order). Throws unless there are 68 finite points. */
export function fivePoints(landmarks: readonly Point2[]): Point2[] {
  if (landmarks.length !== 68) throw new RangeError(`expected 68 landmarks, got ${landmarks.length}`)
  for (const p of landmarks) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new RangeError('landmarks must be finite')
  }
  return [
    mean(landmarks.slice(36, 42)),
    mean(landmarks.slice(42, 48)),
    { x: landmarks[30]!.x, y: landmarks[30]!.y },
    { x: landmarks[48]!.x, y: landmarks[48]!.y },
    { x: landmarks[54]!.x, y: landmarks[54]!.y },
  ]
}

/**
 * A 2-D similarity transform: x' = a*x - b*y + tx, y' = b*x + a*y + ty (scale sqrt(a²+b²), rotation atan2(b, a)).
 */
export interface Similarity {
  a: number
  b: number
  tx: number
  ty: number
}

/**
 * The least-squares similarity from `from` to `to` (Umeyama's method restricted to rotations: the same answer as
 * scikit-image's SimilarityTransform.estimate that InsightFace uses, for points that are not mirrored).
 */
export function estimateSimilarity(from: readonly Point2[], to: readonly Point2[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new RangeError('need two or more point pairs')
  const mf = mean(from)
  const mt = mean(to)
  let sxx = 0
  let sxy = 0
  let norm = 0
  for (let i = 0; i < from.length; i++) {
    const px = from[i]!.x - mf.x
    const py = from[i]!.y - mf.y
    const qx = to[i]!.x - mt.x
    const qy = to[i]!.y - mt.y
    sxx += px * qx + py * qy
    sxy += px * qy - py * qx
    norm += px * px + py * py
  }
  if (!(norm > 1e-9)) throw new RangeError('the points coincide')
  const a = sxx / norm
  const b = sxy / norm
  return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) }
}

export function applySimilarity(t: Similarity, p: Point2): Point2 {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty }
}

/** An image as packed RGB or RGBA bytes (ImageData's layout when channels = 4). */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray
  width: number
  height: number
  channels: 3 | 4
}

/**
 * The network input for one face: the ArcFace crop of `image` aligned on the 68 `landmarks` (in the image's pixels),
 * as a [3, 112, 112] float32 tensor's data (BGR planes, (x - 127) / 128). `mirror` flips the crop left-right (for a
 * flipped second look at the same face).
 */
export function alignedInput(image: PixelImage, landmarks: readonly Point2[], options: { mirror?: boolean } = {}): Float32Array {
  const { data, width, height, channels } = image
  if (data.length < width * height * channels) throw new RangeError('image data is shorter than its size')
  const t = estimateSimilarity(fivePoints(landmarks), ARCFACE_REFERENCE)
  // Inverse of the similarity: crop pixel -> image pixel.
  const det = t.a * t.a + t.b * t.b
  const ia = t.a / det
  const ib = -t.b / det
  const S = ALIGNED_SIZE
  const plane = S * S
  const out = new Float32Array(3 * plane)
  for (let v = 0; v < S; v++) {
    for (let u0 = 0; u0 < S; u0++) {
      const u = options.mirror ? S - 1 - u0 : u0
      const dx = u - t.tx
      const dy = v - t.ty
      const x = ia * dx - ib * dy
      const y = ib * dx + ia * dy
      const x0 = Math.floor(x)
      const y0 = Math.floor(y)
      const fx = x - x0
      const fy = y - y0
      let r = 0
      let g = 0
      let bl = 0
      for (let k = 0; k < 4; k++) {
        const xi = x0 + (k & 1)
        const yi = y0 + (k >> 1)
        if (xi < 0 || yi < 0 || xi >= width || yi >= height) continue
        const w = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy)
        if (w === 0) continue
        const o = (yi * width + xi) * channels
        r += w * (data[o] as number)
        g += w * (data[o + 1] as number)
        bl += w * (data[o + 2] as number)
      }
      const o = v * S + u0
      out[o] = (bl - 127) / 128
      out[plane + o] = (g - 127) / 128
      out[2 * plane + o] = (r - 127) / 128
    }
  }
  return out
}

/** Scales a vector to unit length in place (a zero vector stays zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number)
  const n = Math.sqrt(sum)
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n
  return v
}

/**
 * The network's raw output as the model's descriptor: exactly `length` finite floats, scaled to unit length. Throws
 * on anything else (a different or damaged model). The server's and the browser's runtimes both go through here.
 */
export function unitEmbedding(data: unknown, length: number): Float32Array {
  if (!(data instanceof Float32Array) || data.length !== length || !data.every(Number.isFinite)) {
    throw new Error('the face model gave an unexpected output')
  }
  return normalizeInPlace(Float32Array.from(data))
}
