// Faces for the journey (e2e/journey.spec.ts): every person is a different identity of ../shared/faces/people, so a
// recognition can only be right for the right reason.
// - phone members register through the UI: a liveness video of their own identity (frontal, head turns, looping);
// - kiosk members are registered through the API with descriptors computed here, in Node, by the server's own
//   inference (server/face/inference.ts) from their photos; the kiosk camera shows them one after another;
// - one identity is never registered anywhere: the "unknown face".
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { encodeDescriptor } from '../../shared/face/descriptor'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw } from '../../shared/face/liveness'
import { l2Distance } from '../../shared/face/match'
import { checkFaceQuality } from '../../shared/face/quality'
import { describeSingleFace } from '../../server/face/inference'
import { facesDir, selfieFrame, VIDEO_DIR } from './fake-camera'
import { detectFaces, type NodeFace } from './face-node'
import { type HeadGeometry, headGeometry, turnHead } from './headturn'
import { type RgbFrame, saveFramePng, writeY4m, Y4M_FPS } from './y4m'

/** Who is who: identity folders of ../shared/faces/people (ground truth: one folder, one person). */
export const CAST = {
  /** Phone members (step 2): register and check in on their own phones. */
  ani: { identity: 'p01', name: 'Ani Suryani' },
  bayu: { identity: 'p03', fallback: 'p07', name: 'Bayu Saputra' },
  /** Recognised by the kiosk online (step 3). */
  citra: { identity: 'p02', photo: 'p02-1.jpg', name: 'Citra Lestari' },
  /** Recorded by the kiosk offline (step 4). */
  dodi: { identity: 'p04', photo: 'p04-2.jpg', name: 'Dodi Firmansyah' },
  eka: { identity: 'p06', photo: 'p06-1.jpg', name: 'Eka Pratiwi' },
  /** Never registered: the kiosk must say "not recognised". */
  stranger: { identity: 'p05', photo: 'p05-2.jpg' },
} as const

const sorted = (dir: string) => fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
const REQUIRED_YAW = DEFAULT_LIVENESS_OPTIONS.turnYaw + 0.1

/** turnHead with each angle rendered once (a ramp out and back shows the same frames). */
function turner(frontal: RgbFrame, head: HeadGeometry): (angle: number) => RgbFrame {
  const made = new Map<string, RgbFrame>()
  return (angle) => {
    const key = angle.toFixed(3)
    let frame = made.get(key)
    if (!frame) made.set(key, (frame = turnHead(frontal, head, angle)))
    return frame
  }
}

function mainFace(faces: NodeFace[], frame: RgbFrame): NodeFace | null {
  const quality = checkFaceQuality(faces, frame)
  return quality.ok ? (faces[quality.faceIndex] ?? null) : null
}

export interface PhoneVideo {
  file: string
  identity: string
  photo: string
}

/**
 * A member's liveness video for the phone, from the first photo of the first of `identities` whose frontal face turns
 * far enough for the challenge (as support/fake-camera.ts registrationVideo does for "any identity"): frontal →
 * turned one way → frontal → the other way, looping.
 */
export async function phoneVideo(identities: readonly string[], name: string): Promise<PhoneVideo> {
  const tried: string[] = []
  for (const identity of identities) {
    const dir = path.join(facesDir(), 'people', identity)
    for (const photo of sorted(dir)) {
      const file = path.join(dir, photo)
      const frontal = await selfieFrame(file)
      const face = frontal && mainFace(await detectFaces(frontal), frontal)
      const yaw = face ? estimateYaw(face.landmarks) : null
      if (!frontal || !face || yaw === null || Math.abs(yaw) > 0.08 || face.score < 0.8) {
        tried.push(`${identity}/${photo}: not a clear frontal face`)
        continue
      }
      const head = headGeometry(face.landmarks)
      const turn = turner(frontal, head)
      const yawAt = async (angle: number) => {
        const turned = turn(angle)
        const faces = await detectFaces(turned)
        const f = mainFace(faces, turned) ?? faces.find((x) => x.score >= 0.5)
        return f ? (estimateYaw(f.landmarks) ?? 0) : 0
      }
      for (const angle of [30, 35, 40, 45]) {
        if ((await yawAt(angle)) < REQUIRED_YAW || (await yawAt(-angle)) > -REQUIRED_YAW) continue
        const frames: RgbFrame[] = []
        const n = (s: number) => Math.round(s * Y4M_FPS)
        const hold = (frame: RgbFrame, s: number) => {
          for (let i = 0; i < n(s); i++) frames.push(frame)
        }
        const ramp = (from: number, to: number, s: number) => {
          for (let i = 1; i < n(s); i++) frames.push(turn(from + ((to - from) * i) / n(s)))
        }
        for (const side of [1, -1]) {
          hold(frontal, 1.3)
          ramp(0, side * angle, 0.4)
          hold(turn(side * angle), 0.8)
          ramp(side * angle, 0, 0.4)
        }
        hold(frontal, 1.3)
        await saveFramePng(frontal, path.join(VIDEO_DIR, `${name}.png`))
        return { file: writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), frames), identity, photo: file }
      }
      tried.push(`${identity}/${photo}: the head does not turn far enough`)
    }
  }
  throw new Error(`no photo of ${identities.join(', ')} makes a liveness video:\n${tried.join('\n')}`)
}

export interface KioskPerson {
  identity: string
  photo: string
}

/**
 * A person stepping in front of the kiosk: frontal, small natural head turns (±12°) and back, then they stay facing
 * the camera while they read the screen (about 5.5 seconds in all).
 */
async function personFrames(person: KioskPerson): Promise<RgbFrame[]> {
  const file = path.join(facesDir(), 'people', person.identity, person.photo)
  const frontal = await selfieFrame(file)
  if (!frontal) throw new Error(`${file}: no clear face for the kiosk video`)
  const faces = await detectFaces(frontal)
  const quality = checkFaceQuality(faces, frontal)
  if (!quality.ok) throw new Error(`${file}: the browser's detector would not accept this frame (${quality.reason})`)
  const turn = turner(frontal, headGeometry(faces[quality.faceIndex]!.landmarks))
  const frames: RgbFrame[] = []
  const n = (s: number) => Math.round(s * Y4M_FPS)
  const hold = (frame: RgbFrame, s: number) => {
    for (let i = 0; i < n(s); i++) frames.push(frame)
  }
  const ramp = (from: number, to: number, s: number) => {
    for (let i = 1; i <= n(s); i++) frames.push(turn(from + ((to - from) * i) / n(s)))
  }
  hold(frontal, 0.6)
  for (const side of [12, -12]) {
    ramp(0, side, 0.4)
    hold(turn(side), 0.2)
    ramp(side, 0, 0.4)
  }
  hold(frontal, 2.9)
  await saveFramePng(frontal, path.join(VIDEO_DIR, `journey-${person.identity}.png`))
  return frames
}

/** Nobody in front of the camera: the empty corridor behind the kiosk (a plain wall). */
function emptyFrames(seconds: number, like: RgbFrame): RgbFrame[] {
  const wall = new Uint8Array(like.data.length)
  for (let i = 0; i < wall.length; i += 3) {
    wall[i] = 58
    wall[i + 1] = 62
    wall[i + 2] = 60
  }
  const frame = { data: wall, width: like.width, height: like.height }
  return Array.from({ length: Math.round(seconds * Y4M_FPS) }, () => frame)
}

/** The kiosk camera's scene: these people, one after another with a moment of nobody in between, looping. */
export async function kioskScene(people: readonly KioskPerson[], name: string): Promise<string> {
  const frames: RgbFrame[] = []
  for (const person of people) {
    const own = await personFrames(person)
    frames.push(...own, ...emptyFrames(1.2, own[0]!))
  }
  return writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), frames)
}

export interface NodeRegistration {
  /** Base64 descriptors, as a phone would send them (at least 3). */
  encodings: string[]
  /** The reference photo, base64 JPEG. */
  photo: string
}

/**
 * What a member's phone would register, computed by the server's own inference: the descriptors of every clear photo
 * of the person (the odd one out dropped until all agree, as the server refuses inconsistent captures), repeated to
 * three when the person has fewer photos, and the photo the kiosk video is made from as the reference.
 */
export async function nodeRegistration(person: KioskPerson): Promise<NodeRegistration> {
  const dir = path.join(facesDir(), 'people', person.identity)
  const found: { file: string; descriptor: Float32Array }[] = []
  for (const file of sorted(dir)) {
    const described = await describeSingleFace(fs.readFileSync(path.join(dir, file)))
    if (described.ok) found.push({ file, descriptor: described.descriptor })
  }
  if (found.length === 0) throw new Error(`${dir}: no photo with one clear face`)
  const worst = () => found.map((f) => Math.max(...found.map((g) => l2Distance(f.descriptor, g.descriptor))))
  while (found.length > 3 && Math.max(...worst()) >= 0.45) found.splice(worst().indexOf(Math.max(...worst())), 1)
  const encodings = found.map((f) => encodeDescriptor(f.descriptor))
  while (encodings.length < 3) encodings.push(encodings[encodings.length % found.length]!)
  const reference = found.find((f) => f.file === person.photo)?.file ?? found[0]!.file
  const photo = (await sharp(path.join(dir, reference)).rotate().resize(640, 640, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer()).toString('base64')
  return { encodings, photo }
}

export interface PreparedFaces {
  ani: PhoneVideo
  bayu: PhoneVideo
  sceneOnline: string
  sceneOffline: string
  registrations: Record<'citra' | 'dodi' | 'eka', NodeRegistration>
}

/** Everything the journey's cameras and API registrations need (about a minute of CPU: run it beside the first step). */
export async function prepareFaces(): Promise<PreparedFaces> {
  return {
    ani: await phoneVideo([CAST.ani.identity], 'journey-ani'),
    bayu: await phoneVideo([CAST.bayu.identity, CAST.bayu.fallback], 'journey-bayu'),
    sceneOnline: await kioskScene([CAST.citra, CAST.stranger], 'journey-kiosk-online'),
    sceneOffline: await kioskScene([CAST.dodi, CAST.eka], 'journey-kiosk-offline'),
    registrations: {
      citra: await nodeRegistration(CAST.citra),
      dodi: await nodeRegistration(CAST.dodi),
      eka: await nodeRegistration(CAST.eka),
    },
  }
}
