// Turns the head in a photo, so a fake camera can show a real face doing the liveness challenge's head turns.
//
// A 2.5-D render: the head is a vertical cylinder through the jaw line with a nose bump in front, every pixel of the
// head gets that depth, the head rotates about the vertical axis and is projected orthographically (z-buffered, so
// the far cheek folds away behind the nose). The gap the head leaves on the near side is filled by stretching the
// background. Crude, but the landmark net sees a plausibly turned face: the nose moves towards the far jaw line,
// which is exactly what the landmark-based yaw estimate (shared/face/liveness.ts) measures.
import type { RgbFrame } from './y4m'

export interface Point {
  x: number
  y: number
}

/** 68-point landmarks (iBUG order) of the frontal face in the frame. */
export interface HeadGeometry {
  jawLeft: Point
  jawRight: Point
  noseBridge: Point
  noseTip: Point
}

export function headGeometry(landmarks: readonly Point[]): HeadGeometry {
  if (landmarks.length !== 68) throw new Error('need 68 landmarks')
  return { jawLeft: landmarks[0]!, jawRight: landmarks[16]!, noseBridge: landmarks[27]!, noseTip: landmarks[30]! }
}

export interface TurnOptions {
  /** Cylinder radius as a multiple of half the jaw width. */
  radiusScale?: number
  /** Height of the nose bump as a fraction of the radius. */
  noseDepth?: number
}

/**
 * The frame with the head turned by `yawDeg` degrees. Positive moves the face towards the image's right, which in an
 * un-mirrored camera frame is the person turning to THEIR left (positive estimateYaw, the 'turn_left' step).
 */
export function turnHead(frame: RgbFrame, head: HeadGeometry, yawDeg: number, options: TurnOptions = {}): RgbFrame {
  const { data, width, height } = frame
  if (yawDeg === 0) return { data: data.slice(), width, height }
  const radiusScale = options.radiusScale ?? 1.1
  const noseDepth = options.noseDepth ?? 0.3
  const theta = (yawDeg * Math.PI) / 180
  const cos = Math.cos(theta)
  const sin = Math.sin(theta)
  const cx = (head.jawLeft.x + head.jawRight.x) / 2
  const r = ((head.jawRight.x - head.jawLeft.x) / 2) * radiusScale
  const noseX = head.noseTip.x
  const noseY = (head.noseTip.y + head.noseBridge.y) / 2 + (head.noseTip.y - head.noseBridge.y) * 0.2
  const noseSigmaY = Math.max(8, (head.noseTip.y - head.noseBridge.y) * 0.9)
  const noseSigmaX = r * 0.16
  const edge = r * cos
  const sign = Math.sign(yawDeg)
  const out = new Uint8Array(data.length)
  const zbuffer = new Float32Array(width)

  const copy = (ox: number, y: number, sx: number) => {
    const si = (y * width + Math.max(0, Math.min(width - 1, Math.round(sx)))) * 3
    const oi = (y * width + ox) * 3
    out[oi] = data[si] as number
    out[oi + 1] = data[si + 1] as number
    out[oi + 2] = data[si + 2] as number
  }

  for (let y = 0; y < height; y++) {
    // Background: on the side the head turns away from, stretch what lies beyond the head into the gap it leaves.
    for (let ox = 0; ox < width; ox++) {
      const x = sign > 0 ? ox : width - 1 - ox // in this frame of reference the head moves towards +x
      const c = sign > 0 ? cx : width - 1 - cx
      const sx = x < c - edge ? (x / (c - edge)) * (c - r) : x
      copy(ox, y, sign > 0 ? sx : width - 1 - sx)
    }
    // Head: splat each source column at its rotated position, nearest surface wins.
    zbuffer.fill(Number.NEGATIVE_INFINITY)
    const dy = (y - noseY) / noseSigmaY
    const bumpY = Math.exp(-0.5 * dy * dy * (Math.abs(dy) < 1 ? 0.3 : 1))
    for (let x = cx - r; x <= cx + r; x += 0.25) {
      const u = (x - cx) / r
      const z = r * Math.sqrt(Math.max(0, 1 - u * u)) + noseDepth * r * Math.exp(-0.5 * ((x - noseX) / noseSigmaX) ** 2) * bumpY
      const ox = Math.round(cx + (x - cx) * cos + z * sin)
      const oz = -(x - cx) * sin + z * cos
      if (ox < 0 || ox >= width || oz <= (zbuffer[ox] as number)) continue
      zbuffer[ox] = oz
      copy(ox, y, x)
    }
  }
  return { data: out, width, height }
}
