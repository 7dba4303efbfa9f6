// Fake-camera videos for the face tests, made at test time from the real photos in ../shared/faces:
// - a member doing the liveness head turns when the screen asks (promptedFrom: looking at the phone, and a short turn
//   each way, played by paced-camera.ts promptedCamera), the face's turns checked here with the browser's detector and
//   the liveness yaw estimate so a failure points at the video;
// - a person at a kiosk (kioskPersonFrames: recognised, then one turn either way), and a pupil stepping in and
//   standing still (kioskStepInFrames: a glance aside while walking up, then looking at the tablet);
// - a still photo (never moves: the challenge must time out);
// - a group photo (two people: "only one face").
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw } from '../../shared/face/liveness'
import { checkFaceQuality } from '../../shared/face/quality'
import { detectFaces, type NodeFace } from './face-node'
import { headGeometry, turnHead } from './headturn'
import type { PromptedCameraVideos } from './paced-camera'
import { photoFrame, type RgbFrame, saveFramePng, writeY4m, Y4M_FPS } from './y4m'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Where the fake cameras' videos are written: one folder per Playwright run (scripts/test.mjs runs several at once). */
export const VIDEO_DIR = process.env.HADIR_E2E_VIDEO_DIR || path.join(REPO_ROOT, 'test-results', 'fake-camera')

/** ../shared/faces, or a clear failure when the fixtures are not there. */
export function facesDir(): string {
  const dir = path.resolve(REPO_ROOT, '..', 'shared', 'faces')
  if (!fs.existsSync(path.join(dir, 'people')) || !fs.existsSync(path.join(dir, 'groups'))) {
    throw new Error(`The face fixtures are missing: expected real photos in ${dir} (people/<id>/*.jpg and groups/*.jpg).`)
  }
  return dir
}

const sorted = (dir: string) => fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))

/** The yaw the turned frames must reach: well past the challenge's threshold, so Chromium's decoding cannot undo it. */
const REQUIRED_YAW = DEFAULT_LIVENESS_OPTIONS.turnYaw + 0.1
const TURN_ANGLES = [30, 35, 40, 45]

function mainFace(faces: NodeFace[], frame: RgbFrame): NodeFace | null {
  const quality = checkFaceQuality(faces, frame)
  return quality.ok ? (faces[quality.faceIndex] ?? null) : null
}

/** A selfie-like frame of the photo: cropped around the face so it fills about 40% of the frame's height. */
export async function selfieFrame(file: string): Promise<RgbFrame | null> {
  const whole = await photoFrame(file)
  const found = mainFace(await detectFaces(whole), whole)
  if (!found) return null
  const { default: sharp } = await import('sharp')
  const meta = await sharp(file).rotate().metadata()
  const swap = (meta.orientation ?? 1) >= 5
  const w = (swap ? meta.height : meta.width) ?? 0
  const h = (swap ? meta.width : meta.height) ?? 0
  // Undo the letterboxing of photoFrame to get the face box in the photo's pixels.
  const scale = Math.min(whole.width / w, whole.height / h)
  const padX = (whole.width - w * scale) / 2
  const padY = (whole.height - h * scale) / 2
  const box = { x: (found.box.x - padX) / scale, y: (found.box.y - padY) / scale, width: found.box.width / scale, height: found.box.height / scale }
  const cropH = Math.min(h, box.height / 0.42)
  const cropW = Math.min(w, (cropH * 4) / 3)
  const left = Math.max(0, Math.min(w - cropW, box.x + box.width / 2 - cropW / 2))
  const top = Math.max(0, Math.min(h - cropH, box.y + box.height / 2 - cropH * 0.45))
  return photoFrame(file, { left, top, width: cropW, height: cropH })
}

export interface TurnCheck {
  angle: number
  left: number
  right: number
}

/** A photo's face as the fake cameras move it: the frontal frame and its head turned by any angle (rendered once each). */
export interface TurnableFace {
  file: string
  frontal: RgbFrame
  frontalYaw: number
  turn: (angle: number) => RgbFrame
  /** The smallest angle whose render the browser's detector measures past REQUIRED_YAW both ways. */
  check: TurnCheck
}

/**
 * What turnableFace found for each photo in this test process: a camera test of the same photo as an earlier one
 * gets the same face, with the turns already rendered. Finding it again cost 0.14-0.9 CPU-s a photo (its selfie crop,
 * the detections read back from their cache, the turns rendered at ~0.02 CPU-s a frame and measured), and the camera
 * specs use the same few photos test after test. The frames are never changed once made (every reel shares them).
 */
const turnable = new Map<string, Promise<{ face: TurnableFace | null; tried: string[] }>>()

/**
 * The photo's face, if it is a clear frontal face the renderer can turn convincingly: head turns of 30°–45° are
 * rendered and measured with the browser's detector; the smallest angle past REQUIRED_YAW in both directions is kept.
 * Null (with the reason in `tried`) otherwise. Found once per photo and test process.
 */
export async function turnableFace(file: string, tried: string[] = [], maxFrontalYaw = 0.08): Promise<TurnableFace | null> {
  const key = JSON.stringify([path.resolve(file), maxFrontalYaw])
  let found = turnable.get(key)
  if (!found) {
    const reasons: string[] = []
    found = findTurnableFace(file, reasons, maxFrontalYaw).then((face) => ({ face, tried: reasons }))
    turnable.set(key, found)
    found.catch(() => turnable.delete(key))
  }
  const { face, tried: reasons } = await found
  tried.push(...reasons)
  return face
}

async function findTurnableFace(file: string, tried: string[], maxFrontalYaw: number): Promise<TurnableFace | null> {
  const name = path.relative(facesDir(), file)
  const frontal = await selfieFrame(file)
  const face = frontal && mainFace(await detectFaces(frontal), frontal)
  const frontalYaw = face ? estimateYaw(face.landmarks) : null
  if (!frontal || !face || frontalYaw === null || Math.abs(frontalYaw) > maxFrontalYaw || face.score < 0.8) {
    tried.push(`${name}: not a clear frontal face (yaw ${frontalYaw?.toFixed(2) ?? '-'})`)
    return null
  }
  const head = headGeometry(face.landmarks)
  const made = new Map<string, RgbFrame>()
  const turn = (angle: number): RgbFrame => {
    const key = angle.toFixed(3)
    let frame = made.get(key)
    if (!frame) made.set(key, (frame = angle === 0 ? frontal : turnHead(frontal, head, angle)))
    return frame
  }
  const yawAt = async (angle: number) => {
    const turned = turn(angle)
    const faces = await detectFaces(turned)
    const f = mainFace(faces, turned) ?? faces.find((x) => x.score >= 0.5)
    return f ? (estimateYaw(f.landmarks) ?? 0) : 0
  }
  for (const angle of TURN_ANGLES) {
    const left = await yawAt(angle)
    const right = await yawAt(-angle)
    if (left >= REQUIRED_YAW && right <= -REQUIRED_YAW) return { file, frontal, frontalYaw, turn, check: { angle, left, right } }
    tried.push(`${name}: ${angle}° turns measure yaw ${left.toFixed(2)} / ${right.toFixed(2)}`)
  }
  return null
}

/**
 * How long a pose is held in the videos, seconds. The paced camera (paced-camera.ts) shows a 2 s hold for at least 3
 * of the app's frames and at least 2 s, whatever the machine's speed (the app wants two analysed frames in each pose).
 */
const POSE_HOLD_S = 2

/** Frames of a video being made, at Y4M_FPS. */
class Reel {
  readonly frames: RgbFrame[] = []
  constructor(private readonly face: TurnableFace) {}
  hold(frame: RgbFrame, seconds: number): this {
    for (let i = 0; i < Math.round(seconds * Y4M_FPS); i++) this.frames.push(frame)
    return this
  }

  ramp(from: number, to: number, seconds: number): this {
    const n = Math.round(seconds * Y4M_FPS)
    for (let i = 1; i < n; i++) this.frames.push(this.face.turn(from + ((to - from) * i) / n))
    return this
  }

  /** Turn to `side` (±1) and back: `ramp` s out, held, `ramp` s back. */
  headTurn(side: 1 | -1, held = POSE_HOLD_S, ramp = 0.4): this {
    const angle = side * this.face.check.angle
    return this.ramp(0, angle, ramp).hold(this.face.turn(angle), held).ramp(angle, 0, ramp)
  }
}

/**
 * A person at a kiosk: they step in and look at it (the tablet recognises them), turn their head one way and back,
 * look again, the other way and back, then face it while they read the card (about 13 s). A one-turn challenge
 * either way is answered in one pass (the turn the wrong way is skipped).
 */
export function kioskPersonFrames(face: TurnableFace): RgbFrame[] {
  const reel = new Reel(face).hold(face.frontal, 2.5).headTurn(1).hold(face.frontal, POSE_HOLD_S).headTurn(-1)
  return reel.hold(face.frontal, 2.5).frames
}

/**
 * The head turn (degrees, to the person's left) of a pupil glancing aside while walking up to the tablet: the smallest
 * angle, in 2.5° steps, whose render the browser's detector measures at least `span` of yaw away from the frontal
 * frame. Default span: the kiosk's moveYaw + 0.05 (what the device must see, with a margin for Chromium's decoding).
 * Rendered heads turn less per degree than real ones: measured, this is 20°–25° of the renderer on the 13 renderable
 * photos of ../shared/faces/people, about 15° of a real head ("roughly 0.2 per 10°", shared/face/liveness.ts).
 */
export async function glanceAngle(face: TurnableFace, span = DEFAULT_LIVENESS_OPTIONS.moveYaw + 0.05): Promise<number> {
  for (let angle = 2.5; angle <= 30; angle += 2.5) {
    const turned = face.turn(angle)
    const found = mainFace(await detectFaces(turned), turned)
    const yaw = found ? estimateYaw(found.landmarks) : null
    if (yaw !== null && yaw - face.frontalYaw >= span) return angle
  }
  throw new Error(`${face.file}: no glance up to 30° spans yaw ${span}`)
}

/** The frame seen from `scale` times as far (<1: smaller, centred, on the letterbox's dark grey): a person further away. */
export function fromFarther(frame: RgbFrame, scale: number): RgbFrame {
  if (scale === 1) return frame
  const { width, height, data } = frame
  const out = new Uint8Array(data.length)
  const cx = width / 2
  const cy = height / 2
  for (let y = 0; y < height; y++) {
    const sy = Math.round(cy + (y - cy) / scale)
    for (let x = 0; x < width; x++) {
      const sx = Math.round(cx + (x - cx) / scale)
      const to = (y * width + x) * 3
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) {
        out.fill(36, to, to + 3)
        continue
      }
      const from = (sy * width + sx) * 3
      out[to] = data[from] as number
      out[to + 1] = data[from + 1] as number
      out[to + 2] = data[from + 2] as number
    }
  }
  return { width, height, data: out }
}

/**
 * A pupil stepping in front of the kiosk and standing still (issue 18): nobody in view for 2 s (the kiosk is ready when
 * the pupil arrives, as at a gate), then walking up a little further away while glancing aside (at the queue) for a
 * second, turning to the tablet while taking the last step (0.6 s), then looking at it without moving for `standS`
 * seconds; the video loops. Nothing in it answers a prompt: the kiosk must see enough in the stepping in.
 */
export function kioskStepInFrames(face: TurnableFace, glance: number, standS = 14): RgbFrame[] {
  const empty: RgbFrame = { width: face.frontal.width, height: face.frontal.height, data: new Uint8Array(face.frontal.data.length).fill(96) }
  const frames: RgbFrame[] = Array.from({ length: 2 * Y4M_FPS }, () => empty)
  const far = 0.8
  const walking = fromFarther(face.turn(glance), far)
  for (let i = 0; i < Math.round(1.2 * Y4M_FPS); i++) frames.push(walking)
  const step = Math.round(0.6 * Y4M_FPS)
  for (let i = 1; i <= step; i++) frames.push(fromFarther(face.turn(glance * (1 - i / step)), far + ((1 - far) * i) / step))
  for (let i = 0; i < Math.round(standS * Y4M_FPS); i++) frames.push(face.frontal)
  return frames
}

export interface RegistrationVideo {
  identity: string
  photo: string
  frontalYaw: number
  turn: TurnCheck
  /** PNGs of the frontal, left and right frames, to look at. */
  previews: string[]
  /** The camera's videos: the face turning only when the screen asks (paced-camera.ts promptedCamera). */
  prompted: PromptedCameraVideos
}

/** The liveness videos (promptedFrom) of the first photo of `identities` (default: all, p01, p02, ...) that turns. */
export async function registrationVideo(name = 'registration', identities?: readonly string[]): Promise<RegistrationVideo> {
  const people = path.join(facesDir(), 'people')
  const tried: string[] = []
  for (const identity of identities ?? sorted(people)) {
    for (const photo of sorted(path.join(people, identity))) {
      const face = await turnableFace(path.join(people, identity, photo), tried)
      if (!face) continue
      const previews = [path.join(VIDEO_DIR, `${name}-frontal.png`), path.join(VIDEO_DIR, `${name}-left.png`), path.join(VIDEO_DIR, `${name}-right.png`)]
      await saveFramePng(face.frontal, previews[0]!)
      await saveFramePng(face.turn(face.check.angle), previews[1]!)
      await saveFramePng(face.turn(-face.check.angle), previews[2]!)
      return { identity, photo: face.file, frontalYaw: face.frontalYaw, turn: face.check, previews, prompted: promptedFrom(face, `${name}-prompted`) }
    }
  }
  throw new Error(`No photo in ${people} could be turned far enough for the liveness challenge (needs |yaw| >= ${REQUIRED_YAW}):\n${tried.join('\n')}`)
}

/**
 * A member standing still in front of the phone who turns the head once when the screen asks, and only then: the face
 * of `photo` looking at the camera, and its short turns. The turn is held 1 s, which the paced
 * camera shows for two of the app's frames at least (the liveness rule wants two turned frames).
 */
export async function promptedVideos(photo: string, name = 'prompted'): Promise<PromptedCameraVideos> {
  const tried: string[] = []
  const face = await turnableFace(photo, tried)
  if (!face) throw new Error(`the prompted camera needs a face that turns far enough: ${tried.join('; ')}`)
  return promptedFrom(face, name)
}

/** The prompted camera's videos of a face already known to turn (promptedVideos). */
export function promptedFrom(face: TurnableFace, name: string): PromptedCameraVideos {
  const turn = (side: 1 | -1) => new Reel(face).headTurn(side, 1, 0.25).frames
  return {
    frontal: writeY4m(path.join(VIDEO_DIR, `${name}-frontal.y4m`), new Reel(face).hold(face.frontal, 1).frames),
    turn_left: writeY4m(path.join(VIDEO_DIR, `${name}-left.y4m`), turn(1)),
    turn_right: writeY4m(path.join(VIDEO_DIR, `${name}-right.y4m`), turn(-1)),
  }
}

/** A still photo as the camera: the same frontal frame forever. */
export async function stillVideo(photo: string, name = 'still'): Promise<string> {
  const frame = await selfieFrame(photo)
  if (!frame) throw new Error(`${photo}: no clear face for the still-photo video`)
  return writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), [frame])
}

/** A group photo (../shared/faces/groups/couple.jpg) as the camera. */
export async function groupVideo(name = 'group'): Promise<string> {
  const frame = await photoFrame(path.join(facesDir(), 'groups', 'couple.jpg'))
  const faces = (await detectFaces(frame)).filter((f) => f.score >= 0.5)
  if (faces.length < 2) throw new Error(`the group photo shows ${faces.length} face(s) to the detector; the test needs at least 2`)
  return writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), [frame])
}
