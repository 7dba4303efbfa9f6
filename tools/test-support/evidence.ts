// Capture evidence for tests, rendered from the real photos in ../shared/faces the way a device builds it
// (shared/attendance/evidence.ts): the key frames of a liveness challenge — frontal, each head turn, back to frontal —
// each cropped around the face (the face box grown EVIDENCE_CROP_SCALE x around its centre, at most EVIDENCE_CROP_SIZE
// px) and JPEG-encoded, base64.
//
// How a frame is made: the photo becomes a 640x480 selfie-like camera frame (e2e/support/fake-camera.ts selfieFrame),
// the head is turned with the 2.5-D renderer of e2e/support/headturn.ts, and the face box comes from the BROWSER's
// detector (TinyFaceDetector 320, run in Node by e2e/support/face-node.ts), as on a phone. Frames are un-mirrored
// camera frames (a turn to the person's left moves the nose to the image's right: positive estimateYaw).
// The turn angle is the smallest of TURN_ANGLES whose render the browser's detector measures past the device's turn
// threshold + 0.1 both ways (what the e2e fake camera uses), so the device would have accepted the capture.
//
// Rendering costs a few seconds per photo (detections on every frame): results are cached on disk in
// node_modules/.cache/hadir/evidence (tools/test-support/disk-cache.ts), keyed by the photo's bytes, the options, this module's render version and the e2e/support renderer's source, so
// test files (and runs) share them.
// Nothing here needs Playwright or a browser.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import {
  EVIDENCE_CROP_SCALE,
  EVIDENCE_CROP_SIZE,
  evidenceSchema,
  type Evidence,
  type EvidenceFrame,
  type LivenessStep,
} from '../../shared/attendance/evidence'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw } from '../../shared/face/liveness'
import { checkFaceQuality } from '../../shared/face/quality'
import { detectFaces, type NodeFace } from '../../e2e/support/face-node'
import { selfieFrame } from '../../e2e/support/fake-camera'
import { headGeometry, turnHead } from '../../e2e/support/headturn'
import type { RgbFrame } from '../../e2e/support/y4m'
import { CACHE_ROOT } from './disk-cache'
import { FACES_DIR } from './faces'

/** Bump when the rendering changes, so cached evidence is not reused. */
const RENDER_VERSION = 2
export const EVIDENCE_CACHE_DIR = path.join(CACHE_ROOT, 'evidence')

/** Head turn angles tried, smallest first (degrees). */
const TURN_ANGLES = [30, 35, 40, 45]
/** What the browser's detector must measure on a turned frame: the device's threshold with a margin (as the e2e videos). */
const DEVICE_REQUIRED_YAW = DEFAULT_LIVENESS_OPTIONS.turnYaw + 0.1
/** Small head movements of the frontal frames after the first (a live person is never perfectly still). */
const FRONTAL_JITTER = [2, -3, 3, -2, 1, -1]
/** The photo's own pose must be this close to frontal (the device's frontal gate is DEFAULT_LIVENESS_OPTIONS.frontalYaw). */
const MAX_FRONTAL_YAW = 0.1
/** JPEG quality of the crops (the PWA encodes at 0.85). */
const JPEG_QUALITY = 85

/**
 * Identities of ../shared/faces/people whose photos render into evidence the device would accept (a clear frontal face
 * that turns past the device's threshold both ways), relative to ../shared/faces (renderEvidence takes them as they
 * are). The first photo of each identity is the safest to use. Measured: 13 of the 41 photos in people/ render
 * (the others are not frontal enough, or the renderer cannot turn them far enough one way).
 */
export const EVIDENCE_PEOPLE: { name: string; photos: string[] }[] = [
  { name: 'p01', photos: ['people/p01/p01-5.jpg', 'people/p01/p01-6.jpg', 'people/p01/p01-7.jpg', 'people/p01/p01-1.jpg'] },
  { name: 'p02', photos: ['people/p02/p02-1.jpg', 'people/p02/p02-3.jpg'] },
  { name: 'p03', photos: ['people/p03/p03-4.jpg'] },
  { name: 'p04', photos: ['people/p04/p04-2.jpg', 'people/p04/p04-5.jpg'] },
  { name: 'p05', photos: ['people/p05/p05-2.jpg', 'people/p05/p05-3.jpg'] },
  { name: 'p06', photos: ['people/p06/p06-1.jpg'] },
  { name: 'p07', photos: ['people/p07/p07-2.jpg'] },
]

export interface RenderEvidenceOptions {
  /** 'online' names a challenge (challengeId, or a random unknown one); 'offline' names none. Default: online when challengeId is given. */
  mode?: 'online' | 'offline'
  challengeId?: string
  /** Frontal frames after the last return (default 3, as the device's EvidenceRecorder keeps). */
  extraFrontal?: number
  /**
   * Make each turn frame the first one where the browser's detector measures at least this yaw (searched per direction
   * in 2.5° steps from 15° to 45°), like the frame that completes the device's held turn: 0.4 is the device's threshold
   * itself, the hardest honest case for the server. Default: the smallest of 30/35/40/45° reaching 0.5 both ways.
   */
  turnYaw?: number
  /**
   * Likewise each return frame: the first angle on the way back (from 15° down, 2.5° steps) the browser's detector
   * measures at or under this |yaw|, like the frame that completes the device's held return: 0.18 is the device's
   * frontal threshold itself. Default: a near-frontal frame (±2-3°).
   */
  returnYaw?: number
  /**
   * Attack: the turns are performed in the reverse order of `steps` (a single step, or a palindrome such as
   * [left, left], is performed in the opposite directions instead), so the sequence can never pass.
   */
  reverseTurns?: boolean
  /** Attack: a photo held up to the camera — the same frontal frame repeated for every key frame. */
  still?: boolean
  /**
   * A 'move' step (the kiosk): the first frame is the head turned to the person's left until the browser's detector
   * measures at least this yaw (searched from 2.5° in 2.5° steps: a pupil glancing aside while stepping in), then
   * frontal. Default: the device's own moveYaw + 0.05.
   */
  moveYaw?: number
}

/** What a rendered capture looked like to the device, for test diagnostics. */
export interface RenderedEvidenceInfo {
  photo: string
  /** The turn angle in degrees (the larger of the two with turnYaw). */
  angle: number
  /** Turns as performed (differs from the challenge's steps with reverseTurns). */
  performed: LivenessStep[]
  /** Yaw the browser's detector measured on each frame (the device's view). */
  deviceYaw: (number | null)[]
}

interface CacheEntry {
  frames: EvidenceFrame[]
  info: RenderedEvidenceInfo
}

/** The code that makes the frames (e2e/support/*): a change to it must not reuse evidence it rendered before. */
let rendererHash: string | null = null
function rendererSource(): string {
  if (rendererHash) return rendererHash
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'e2e', 'support')
  const h = createHash('sha256')
  for (const name of ['headturn.ts', 'fake-camera.ts', 'face-node.ts', 'y4m.ts']) h.update(fs.readFileSync(path.join(dir, name)))
  rendererHash = h.digest('hex')
  return rendererHash
}

/** The photo's absolute path: as given when it exists, else relative to ../shared/faces. */
export function evidencePhotoPath(photoPath: string): string {
  if (path.isAbsolute(photoPath)) return photoPath
  if (fs.existsSync(photoPath)) return path.resolve(photoPath)
  const inFaces = path.join(FACES_DIR, photoPath)
  if (!fs.existsSync(inFaces)) throw new Error(`Face fixture missing: ${inFaces}. The tests need ../shared/faces beside the repository.`)
  return inFaces
}

/**
 * Evidence for `steps` rendered from a real photo: a frontal frame, each turn (head rotated with
 * e2e/support/headturn.ts) and back to frontal, then `extraFrontal` frontal frames; each frame cropped around the face
 * as the device does (EVIDENCE_CROP_SCALE, EVIDENCE_CROP_SIZE), JPEG base64. Valid against evidenceSchema.
 */
export async function renderEvidence(photoPath: string, steps: LivenessStep[], options: RenderEvidenceOptions = {}): Promise<Evidence> {
  return (await renderEvidenceWithInfo(photoPath, steps, options)).evidence
}

export async function renderEvidenceWithInfo(
  photoPath: string,
  steps: LivenessStep[],
  options: RenderEvidenceOptions = {},
): Promise<{ evidence: Evidence; info: RenderedEvidenceInfo }> {
  if (steps.length === 0) throw new Error('renderEvidence needs at least one step')
  const file = evidencePhotoPath(photoPath)
  const extraFrontal = options.extraFrontal ?? 3
  const turnYaw = options.turnYaw ?? null
  const returnYaw = options.returnYaw ?? null
  const reverseTurns = options.reverseTurns ?? false
  const still = options.still ?? false
  const moveYaw = options.moveYaw ?? DEFAULT_LIVENESS_OPTIONS.moveYaw + 0.05
  const key = createHash('sha256')
    .update(JSON.stringify({ v: RENDER_VERSION, steps, extraFrontal, reverseTurns, still, turnYaw, returnYaw, moveYaw, quality: JPEG_QUALITY, scale: EVIDENCE_CROP_SCALE, size: EVIDENCE_CROP_SIZE }))
    .update(fs.readFileSync(file))
    .update(rendererSource())
    .digest('hex')
    .slice(0, 32)
  const cacheFile = path.join(EVIDENCE_CACHE_DIR, `${key}.json`)
  let entry: CacheEntry | null = null
  try {
    entry = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheEntry
  } catch {
    entry = null
  }
  if (!entry) {
    entry = await render(file, steps, { extraFrontal, reverseTurns, still, turnYaw, returnYaw, moveYaw })
    fs.mkdirSync(EVIDENCE_CACHE_DIR, { recursive: true })
    // Written then renamed: test files running at once never read half a file.
    const tmp = `${cacheFile}.${process.pid}.${randomUUID()}.tmp`
    fs.writeFileSync(tmp, JSON.stringify(entry))
    fs.renameSync(tmp, cacheFile)
  }
  const mode = options.mode ?? (options.challengeId ? 'online' : 'offline')
  const evidence: Evidence = {
    ...(mode === 'online' ? { challenge_id: options.challengeId ?? randomUUID() } : {}),
    steps: [...steps],
    mode,
    frames: entry.frames.map((f) => ({ ...f })),
  }
  const parsed = evidenceSchema.safeParse(evidence)
  if (!parsed.success) throw new Error(`rendered evidence is not valid: ${parsed.error.message}`)
  return { evidence, info: entry.info }
}

function mainFace(faces: NodeFace[], frame: RgbFrame): NodeFace | null {
  const quality = checkFaceQuality(faces, frame)
  return quality.ok ? (faces[quality.faceIndex] ?? null) : null
}

/** Performed turns for the reverse-order attack. */
export function reversedTurns(steps: readonly LivenessStep[]): LivenessStep[] {
  const reversed = [...steps].reverse()
  if (reversed.every((s, i) => s === steps[i])) return steps.map((s) => (s === 'turn_left' ? 'turn_right' : 'turn_left'))
  return reversed
}

/** The device's crop: the face box grown EVIDENCE_CROP_SCALE x around its centre (clipped to the frame), at most EVIDENCE_CROP_SIZE px, JPEG. */
export async function cropFace(frame: RgbFrame, box: NodeFace['box']): Promise<Buffer> {
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  const w = box.width * EVIDENCE_CROP_SCALE
  const h = box.height * EVIDENCE_CROP_SCALE
  const left = Math.max(0, Math.round(cx - w / 2))
  const top = Math.max(0, Math.round(cy - h / 2))
  const right = Math.min(frame.width, Math.round(cx + w / 2))
  const bottom = Math.min(frame.height, Math.round(cy + h / 2))
  return sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(EVIDENCE_CROP_SIZE, EVIDENCE_CROP_SIZE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer()
}

async function render(
  file: string,
  steps: LivenessStep[],
  options: { extraFrontal: number; reverseTurns: boolean; still: boolean; turnYaw: number | null; returnYaw: number | null; moveYaw: number },
): Promise<CacheEntry> {
  const frontal = await selfieFrame(file)
  if (!frontal) throw new Error(`${file}: the browser's detector finds no clear face`)
  const frontalFace = mainFace(await detectFaces(frontal), frontal)
  if (!frontalFace) throw new Error(`${file}: no single clear face in the selfie frame`)
  const frontalYaw = estimateYaw(frontalFace.landmarks)
  if (frontalYaw === null || Math.abs(frontalYaw) > MAX_FRONTAL_YAW) throw new Error(`${file}: not a frontal face for the device (yaw ${frontalYaw?.toFixed(2) ?? '-'}, needs |yaw| <= ${MAX_FRONTAL_YAW})`)
  const head = headGeometry(frontalFace.landmarks)
  const performed = options.reverseTurns ? reversedTurns(steps) : [...steps]
  const moving = steps[0] === 'move'
  const count = moving ? 2 + options.extraFrontal : 1 + 2 * steps.length + options.extraFrontal

  const detect = async (frame: RgbFrame): Promise<NodeFace | null> => {
    const faces = await detectFaces(frame)
    return mainFace(faces, frame) ?? faces.find((f) => f.score >= 0.5) ?? null
  }

  if (options.still) {
    const crop = (await cropFace(frontal, frontalFace.box)).toString('base64')
    const yaw = estimateYaw(frontalFace.landmarks)
    const frames = Array.from({ length: count }, (_, i) => ({ t: i * 700, image: crop }))
    return { frames, info: { photo: file, angle: 0, performed: [], deviceYaw: frames.map(() => yaw) } }
  }

  const yawOf = async (a: number): Promise<number | null> => {
    const face = await detect(turnHead(frontal, head, a))
    return face ? estimateYaw(face.landmarks) : null
  }
  if (moving) {
    // Stepping in: glancing aside, then looking at the tablet (and a few frontal frames after).
    let glance = 0
    for (let a = 2.5; a <= 30 && !glance; a += 2.5) {
      const y = await yawOf(a)
      if (y !== null && y - (estimateYaw(frontalFace.landmarks) ?? 0) >= options.moveYaw) glance = a
    }
    if (!glance) throw new Error(`${file}: no glance up to 30° spans device yaw ${options.moveYaw}`)
    return framesOf(file, frontal, frontalFace, head, detect, [{ yawDeg: glance, dt: 0 }, ...jittered(1 + options.extraFrontal, 800)], { angle: glance, performed: ['move'] })
  }
  // The smallest angle the device would accept both ways.
  let angle: number | null = null
  type Turn = 'turn_left' | 'turn_right'
  const angles: Record<Turn, number> = { turn_left: 0, turn_right: 0 }
  const tried: string[] = []
  if (options.turnYaw !== null) {
    const wanted = options.turnYaw
    for (const step of ['turn_left', 'turn_right'] as const) {
      const sign = step === 'turn_left' ? 1 : -1
      for (let a = 15; a <= 45 && !angles[step]; a += 2.5) {
        const y = await yawOf(sign * a)
        if (y !== null && sign * y >= wanted) angles[step] = a
      }
      if (!angles[step]) throw new Error(`${file}: no turn to ${step} reaches device yaw ${wanted}`)
    }
    angle = Math.max(angles.turn_left, angles.turn_right)
  }
  for (const a of options.turnYaw !== null ? [] : TURN_ANGLES) {
    const left = await detect(turnHead(frontal, head, a))
    const right = await detect(turnHead(frontal, head, -a))
    const yl = left ? estimateYaw(left.landmarks) : null
    const yr = right ? estimateYaw(right.landmarks) : null
    if (yl !== null && yr !== null && yl >= DEVICE_REQUIRED_YAW && yr <= -DEVICE_REQUIRED_YAW) {
      angle = a
      break
    }
    tried.push(`${a}°: ${yl?.toFixed(2) ?? '-'} / ${yr?.toFixed(2) ?? '-'}`)
  }
  if (angle === null) throw new Error(`${file}: the head does not turn far enough for the device (needs |yaw| >= ${DEVICE_REQUIRED_YAW}): ${tried.join(', ')}`)
  if (options.turnYaw === null) angles.turn_left = angles.turn_right = angle
  const returns: Record<Turn, number | null> = { turn_left: null, turn_right: null }
  if (options.returnYaw !== null) {
    for (const step of ['turn_left', 'turn_right'] as const) {
      const sign = step === 'turn_left' ? 1 : -1
      for (let a = 15; a >= 0 && returns[step] === null; a -= 2.5) {
        const y = a === 0 ? estimateYaw(frontalFace.landmarks) : await yawOf(sign * a)
        if (y !== null && Math.abs(y) <= options.returnYaw) returns[step] = sign * a
      }
    }
  }

  // The key frames: start, then turn + return per step, then the extra frontal frames, with device-like timing.
  const plan: { yawDeg: number; dt: number }[] = [{ yawDeg: 0, dt: 0 }]
  let jitter = 0
  const nextJitter = () => FRONTAL_JITTER[jitter++ % FRONTAL_JITTER.length] as number
  for (const step of performed) {
    if (step === 'move') continue
    plan.push({ yawDeg: step === 'turn_left' ? angles.turn_left : -angles.turn_right, dt: 900 })
    plan.push({ yawDeg: returns[step] ?? nextJitter(), dt: 800 })
  }
  for (let i = 0; i < options.extraFrontal; i++) plan.push({ yawDeg: nextJitter(), dt: 300 })
  const entry = await framesOf(file, frontal, frontalFace, head, detect, plan, { angle, performed })
  if (entry.frames.length !== count) throw new Error('internal: wrong frame count')
  return entry
}

/** Frontal frames with the small head movements of a live person: the first `dt` ms after the previous, the rest 300. */
function jittered(n: number, dt: number): { yawDeg: number; dt: number }[] {
  return Array.from({ length: n }, (_, i) => ({ yawDeg: FRONTAL_JITTER[i % FRONTAL_JITTER.length] as number, dt: i === 0 ? dt : 300 }))
}

/** The planned frames rendered, detected and cropped as the device does. */
async function framesOf(
  file: string,
  frontal: RgbFrame,
  frontalFace: NodeFace,
  head: ReturnType<typeof headGeometry>,
  detect: (frame: RgbFrame) => Promise<NodeFace | null>,
  plan: { yawDeg: number; dt: number }[],
  info: { angle: number; performed: LivenessStep[] },
): Promise<CacheEntry> {
  const frames: EvidenceFrame[] = []
  const deviceYaw: (number | null)[] = []
  let t = 0
  for (const { yawDeg, dt } of plan) {
    t += dt
    let frame = yawDeg === 0 ? frontal : turnHead(frontal, head, yawDeg)
    let face = yawDeg === 0 ? frontalFace : await detect(frame)
    if (!face && Math.abs(yawDeg) < 10) {
      // A jitter frame the detector does not like (the renderer's seam): the person holds still instead.
      frame = frontal
      face = frontalFace
    }
    if (!face) throw new Error(`${file}: the browser's detector loses the face at ${yawDeg}°`)
    deviceYaw.push(estimateYaw(face.landmarks))
    frames.push({ t, image: (await cropFace(frame, face.box)).toString('base64') })
  }
  return { frames, info: { photo: file, ...info, deviceYaw } }
}
