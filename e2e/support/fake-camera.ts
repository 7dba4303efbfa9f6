// Fake-camera videos for the face tests, made at test time from the real photos in ../shared/faces:
// - a member doing the liveness head turns (frontal → left → frontal → right → frontal, looping), each turned frame
//   checked here with the browser's detector and the liveness yaw estimate so a failure points at the video, not the app;
// - a still photo (never moves: the challenge must time out);
// - a group photo (two people: "only one face").
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw } from '../../shared/face/liveness'
import { checkFaceQuality } from '../../shared/face/quality'
import { detectFaces, type NodeFace } from './face-node'
import { headGeometry, turnHead } from './headturn'
import { photoFrame, type RgbFrame, saveFramePng, writeY4m, Y4M_FPS } from './y4m'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const VIDEO_DIR = path.join(REPO_ROOT, 'test-results', 'fake-camera')

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

export interface RegistrationVideo {
  file: string
  identity: string
  photo: string
  frontalYaw: number
  turn: TurnCheck
  /** PNGs of the frontal, left and right frames, to look at. */
  previews: string[]
}

/**
 * The liveness video of the first identity (people/p01, p02, ...) whose frontal photo turns convincingly: for each
 * candidate photo, head turns of 30°–45° are rendered and measured; the smallest angle that moves the landmark yaw
 * past REQUIRED_YAW in both directions (with one clear face) is used.
 */
export async function registrationVideo(name = 'registration'): Promise<RegistrationVideo> {
  const people = path.join(facesDir(), 'people')
  const tried: string[] = []
  for (const identity of sorted(people)) {
    for (const photo of sorted(path.join(people, identity))) {
      const file = path.join(people, identity, photo)
      const frontal = await selfieFrame(file)
      const face = frontal && mainFace(await detectFaces(frontal), frontal)
      const frontalYaw = face ? estimateYaw(face.landmarks) : null
      if (!frontal || !face || frontalYaw === null || Math.abs(frontalYaw) > 0.08 || face.score < 0.8) {
        tried.push(`${identity}/${photo}: not a clear frontal face (yaw ${frontalYaw?.toFixed(2) ?? '-'})`)
        continue
      }
      const head = headGeometry(face.landmarks)
      const yawAt = async (angle: number) => {
        const turned = turnHead(frontal, head, angle)
        const f = mainFace(await detectFaces(turned), turned) ?? (await detectFaces(turned)).find((x) => x.score >= 0.5)
        return f ? (estimateYaw(f.landmarks) ?? 0) : 0
      }
      for (const angle of TURN_ANGLES) {
        const left = await yawAt(angle)
        const right = await yawAt(-angle)
        if (left >= REQUIRED_YAW && right <= -REQUIRED_YAW) {
          const video = headTurnSequence(frontal, (a) => turnHead(frontal, head, a), angle)
          const out = writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), video)
          const previews = [path.join(VIDEO_DIR, `${name}-frontal.png`), path.join(VIDEO_DIR, `${name}-left.png`), path.join(VIDEO_DIR, `${name}-right.png`)]
          await saveFramePng(frontal, previews[0]!)
          await saveFramePng(turnHead(frontal, head, angle), previews[1]!)
          await saveFramePng(turnHead(frontal, head, -angle), previews[2]!)
          return { file: out, identity, photo: file, frontalYaw, turn: { angle, left, right }, previews }
        }
        tried.push(`${identity}/${photo}: ${angle}° turns measure yaw ${left.toFixed(2)} / ${right.toFixed(2)}`)
      }
    }
  }
  throw new Error(`No photo in ${people} could be turned far enough for the liveness challenge (needs |yaw| >= ${REQUIRED_YAW}):\n${tried.join('\n')}`)
}

/**
 * frontal (1.3 s) → turn to +angle (0.4 s) → hold (0.8 s) → back → frontal → −angle → hold → back, then Chromium loops
 * it. Either order of a two-step challenge finds its turns within two loops.
 */
function headTurnSequence(frontal: RgbFrame, turned: (angle: number) => RgbFrame, angle: number): RgbFrame[] {
  const frames: RgbFrame[] = []
  const seconds = (s: number) => Math.round(s * Y4M_FPS)
  const hold = (frame: RgbFrame, s: number) => {
    for (let i = 0; i < seconds(s); i++) frames.push(frame)
  }
  const ramp = (from: number, to: number, s: number) => {
    const n = seconds(s)
    for (let i = 1; i < n; i++) frames.push(turned(from + ((to - from) * i) / n))
  }
  for (const side of [1, -1]) {
    hold(frontal, 1.3)
    ramp(0, side * angle, 0.4)
    hold(turned(side * angle), 0.8)
    ramp(side * angle, 0, 0.4)
  }
  hold(frontal, 1.3)
  return frames
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
