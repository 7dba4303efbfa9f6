// Synthetic 68-point landmarks of a head at a given yaw, for liveness tests and for driving the challenge in browser
// tests without a real head turn. A rough 3D face (jaw contour behind the nose tip, eyes, brows, nose, mouth) is
// rotated about the vertical axis and projected orthographically. Plain TypeScript (no DOM, no Node).

import { LANDMARK_COUNT, type LivenessDirection, type LivenessFrame, type Point } from './liveness'

interface P3 {
  x: number
  y: number
  z: number
}

/** Frontal face model, unit half-width; y grows downwards, z towards the camera. */
function faceModel(): P3[] {
  const pts: P3[] = []
  // 0–16 jaw: from the image-left ear level, round the chin, to the image-right ear level.
  for (let i = 0; i <= 16; i++) {
    const phi = (Math.PI * i) / 16
    pts.push({ x: -Math.cos(phi), y: -0.1 + 1.05 * Math.sin(phi), z: -0.75 + 0.75 * Math.sin(phi) })
  }
  // 17–21, 22–26 brows.
  for (let i = 0; i < 5; i++) pts.push({ x: -0.85 + 0.16 * i, y: -0.55 - 0.06 * Math.sin((Math.PI * i) / 4), z: 0.05 })
  for (let i = 0; i < 5; i++) pts.push({ x: 0.21 + 0.16 * i, y: -0.55 - 0.06 * Math.sin((Math.PI * (4 - i)) / 4), z: 0.05 })
  // 27–30 nose bridge down to the tip (30), 31–35 nose base.
  for (let i = 0; i < 4; i++) pts.push({ x: 0, y: -0.35 + 0.15 * i, z: 0.15 + 0.15 * i })
  for (let i = 0; i < 5; i++) pts.push({ x: -0.2 + 0.1 * i, y: 0.2, z: 0.35 - 0.08 * Math.abs(i - 2) })
  // 36–41 image-left eye (36 outer corner), 42–47 image-right eye (45 outer corner).
  // Both start at the corner nearer the image's left: 36 and 42; 39 and 45 are the corners nearer the image's right.
  const eye = (cx: number): P3[] =>
    [0, 1, 2, 3, 4, 5].map((k) => {
      const a = (Math.PI * k) / 3
      return { x: cx - 0.22 * Math.cos(a), y: -0.3 - 0.07 * Math.sin(a), z: 0 }
    })
  pts.push(...eye(-0.45), ...eye(0.45))
  // 48–59 outer lip, 60–67 inner lip.
  for (let k = 0; k < 12; k++) {
    const a = (2 * Math.PI * k) / 12
    pts.push({ x: -0.35 * Math.cos(a), y: 0.5 - 0.12 * Math.sin(a), z: 0.15 })
  }
  for (let k = 0; k < 8; k++) {
    const a = (2 * Math.PI * k) / 8
    pts.push({ x: -0.25 * Math.cos(a), y: 0.5 - 0.05 * Math.sin(a), z: 0.15 })
  }
  return pts
}

const MODEL = faceModel()
if (MODEL.length !== LANDMARK_COUNT) throw new Error(`synthetic face model has ${MODEL.length} points`)

export interface SyntheticPose {
  /** Degrees; positive = the person turns to THEIR left (nose towards the image's right in an un-mirrored frame). */
  yawDeg: number
  /** In-plane head tilt, degrees. */
  rollDeg?: number
  /** Half face width in pixels. */
  scale?: number
  cx?: number
  cy?: number
  /** Squash x by this factor after projection: a flat photo turned away from the camera (weak perspective). */
  squashX?: number
  /** Add uniform noise of this many pixels, from the given random source. */
  jitter?: { pixels: number; random: () => number }
}

/** 68 landmarks of the model head at the given pose. */
export function syntheticLandmarks(pose: SyntheticPose): Point[] {
  const yaw = (pose.yawDeg * Math.PI) / 180
  const roll = ((pose.rollDeg ?? 0) * Math.PI) / 180
  const s = pose.scale ?? 100
  const cx = pose.cx ?? 320
  const cy = pose.cy ?? 240
  const squash = pose.squashX ?? 1
  return MODEL.map((p) => {
    const x = (p.x * Math.cos(yaw) + p.z * Math.sin(yaw)) * squash
    const y = p.y
    const rx = x * Math.cos(roll) - y * Math.sin(roll)
    const ry = x * Math.sin(roll) + y * Math.cos(roll)
    const j = pose.jitter
    const nx = j ? (j.random() * 2 - 1) * j.pixels : 0
    const ny = j ? (j.random() * 2 - 1) * j.pixels : 0
    return { x: cx + rx * s + nx, y: cy + ry * s + ny }
  })
}

/**
 * Frames of a person doing the given head turns: frontal, turn to `peakDeg` in each direction in turn, back to frontal.
 * `fps` frames per second; each move (out or back) takes `moveFrames` frames and each pose is held `holdFrames`.
 */
export function headTurnFrames(
  directions: readonly LivenessDirection[],
  { peakDeg = 30, fps = 10, moveFrames = 5, holdFrames = 3, startT = 0 } = {},
): LivenessFrame[] {
  const yaws: number[] = []
  const hold = (deg: number): void => {
    for (let i = 0; i < holdFrames; i++) yaws.push(deg)
  }
  const move = (from: number, to: number): void => {
    for (let i = 1; i <= moveFrames; i++) yaws.push(from + ((to - from) * i) / moveFrames)
  }
  hold(0)
  for (const d of directions) {
    const peak = d === 'turn_left' ? peakDeg : -peakDeg
    move(0, peak)
    hold(peak)
    move(peak, 0)
    hold(0)
  }
  return yaws.map((yawDeg, i) => ({ t: startT + (i * 1000) / fps, landmarks: syntheticLandmarks({ yawDeg }) }))
}
