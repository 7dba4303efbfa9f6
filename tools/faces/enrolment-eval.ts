// Enrolment evaluation (issue 14 item 3, "richer enrolment: 5+ captures of varied pose"): do templates of moderately
// turned faces, next to today's photo + frontal frames, make a member recognised more often in poses that do not face
// the camera squarely, without adding false accepts?
//
//   npx tsx tools/faces/enrolment-eval.ts [--people DIR] [--eval DIR] [--json FILE]
//
// Defaults: --people ../shared/faces/people (7 identities), --eval eval/faces (45 identities, when its photos are there;
// `--eval none` skips it). Identity-held-out: every identity is enrolled from ONE photo, rendered into the frames a
// registration capture holds; its other photos are its genuine probes; for the unknown-person test each identity in
// turn is removed from the gallery and all of its photos are probed (any acceptance is a false accept); an identity
// with no frontal photo is enrolled nowhere and its photos are unknown probes against the whole gallery.
//
// What is measured, per identity:
// - enrolment photo: the first photo (name order) the server describes and the browser's detector sees frontal
//   (|yaw| <= 0.1, as tools/test-support/evidence.ts asks of a photo it renders);
// - its frames, as a registration capture would hold them: the photo as a 640x480 selfie frame
//   (e2e/support/fake-camera.ts selfieFrame), the head turned by the 2.5-D renderer (e2e/support/headturn.ts), the face
//   box from the BROWSER's detector (e2e/support/face-node.ts), the device's crop (tools/test-support/evidence.ts cropFace,
//   JPEG q85), then the server's analysis of an evidence frame (server/face/evidence.ts analyseFrame: TinyFaceDetector
//   224 with SSD as the fallback, the shared quality gates, estimateYaw, the descriptor): the frontal frames of a
//   capture (0, +2, -3, +3, -2, +1 degrees: start, returns, the frames after) and a sweep of turns (±5 ... ±45 degrees);
// - the reference photo's and every probe's descriptor by describeSingleFace (the registration path).
// Extraction results are cached in os.tmpdir()/hadir-enrolment-eval (keyed by the photo's bytes and this script's
// render settings), so a second run only re-does the analysis.
//
// Enrolment sets compared (one gallery of every identity per set; threshold and margin are the product defaults):
//   A        today: photo + frontal frames (|server yaw| <= 0.24), at most MAX_CAPTURES - 1 frames;
//   B lo-hi  A + every rendered turn whose server |yaw| is in (lo, hi];
//   K        A + the turn frames a capture really keeps: per direction, the first angle (15 degrees up, 2.5 steps) the
//            device's detector measures at its turnYaw 0.4 (as EvidenceRecorder keeps the frame completing a held turn;
//            a phone's frame may be turned further), optionally only when the server's |yaw| is at most `hi`;
//   C lo-hi k  farthest-point selection of k templates from photo + frontal + turns in (lo, hi], starting at the photo;
//   F k      farthest-point selection of k templates from photo + frontal only (diversity without turns, a control).
// Per set: true accepts of the genuine probes (all, frontal probes |yaw| <= 0.24, turned probes), mean distance of a
// genuine probe to its own member, false accepts of unknown probes, the closest impostor (a probe to another identity's
// templates), probe/identity pairs under the threshold, and template pairs of two members within threshold + margin
// (what settings lists as confusable members), with the closest such pair. Subsets: all, people, eval/faces tune and
// report (split.json). Then two diagnostics: how many genuine probes are closer to a rendered turn than to set A's
// templates (and by how much), and each probe A refuses with its distance under A and under A + every turn. Last, a
// control: a REAL turned photo of the person (|yaw| 0.24-0.6) as an extra template, that photo no probe in either set.
// Results and the decision: server/face/MODEL.md, "Enrolment".

import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildGallery, DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, galleryWithout, identify, l2Distance, type FaceGallery } from '../../shared/face/match'
import { estimateYaw } from '../../shared/face/liveness'
import { checkFaceQuality } from '../../shared/face/quality'
import { checkDescriptor } from '../../shared/face/descriptor'
import { describeSingleFace, extractFacesWith, type ExtractionResult } from '../../server/face/inference'
import { EVIDENCE_DETECTOR, EVIDENCE_LIVENESS_OPTIONS } from '../../server/face/evidence'
import { cropFace } from '../test-support/evidence'
import { detectFaces, type NodeFace } from '../../e2e/support/face-node'
import { selfieFrame } from '../../e2e/support/fake-camera'
import { headGeometry, turnHead } from '../../e2e/support/headturn'
import type { RgbFrame } from '../../e2e/support/y4m'

const THRESHOLD = DEFAULT_FACE_THRESHOLD
/** server/features/faces/faces.service.ts MAX_CAPTURES (not imported: that module pulls in the database layer). */
const MAX_CAPTURES = 10
const MARGIN = DEFAULT_FACE_MARGIN
const FRONTAL_YAW = EVIDENCE_LIVENESS_OPTIONS.frontalYaw
/** The frontal frames of a registration capture: the start, two returns, three frames after (tools/test-support/evidence.ts). */
const FRONTAL_ANGLES = [0, 2, -3, 3, -2, 1]
const TURN_ANGLES = [5, 7.5, 10, 12.5, 15, 17.5, 20, 22.5, 25, 27.5, 30, 32.5, 35, 40, 45].flatMap((a) => [a, -a])
/** The device's turn threshold (DEFAULT_LIVENESS_OPTIONS.turnYaw). */
const DEVICE_TURN_YAW = 0.4
const MAX_PHOTO_YAW = 0.1
const CACHE_VERSION = 1
const CACHE_DIR = path.join(os.tmpdir(), 'hadir-enrolment-eval')

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true })
const IMAGE = /\.(jpe?g|png|webp)$/i

interface Described {
  ok: boolean
  reason?: string
  yaw: number | null
  descriptor: number[] | null
}

interface RenderedFrame {
  angle: number
  /** Yaw the browser's detector measured (the device's view); null when it lost the face. */
  deviceYaw: number | null
  /** The server's analysis of the crop. */
  ok: boolean
  reason: string
  serverYaw: number | null
  descriptor: number[] | null
}

interface Identity {
  dataset: 'people' | 'eval'
  name: string
  split: 'people' | 'tune' | 'report' | 'eval'
  photos: { file: string; described: Described }[]
  enrol: { index: number; frames: RenderedFrame[] } | null
}

// ------------------------------------------------------------------ extraction (cached)

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  const file = path.join(CACHE_DIR, `${key}.json`)
  try {
    return Promise.resolve(JSON.parse(fs.readFileSync(file, 'utf8')) as T)
  } catch {
    return make().then((value) => {
      fs.mkdirSync(CACHE_DIR, { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      fs.writeFileSync(tmp, JSON.stringify(value))
      fs.renameSync(tmp, file)
      return value
    })
  }
}

const hashOf = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex').slice(0, 32)
}

async function describePhoto(file: string): Promise<Described> {
  const bytes = fs.readFileSync(file)
  return cached(`photo-${hashOf(`v${CACHE_VERSION}`, bytes)}`, async () => {
    const r = await describeSingleFace(new Uint8Array(bytes))
    if (!r.ok) return { ok: false, reason: r.reason, yaw: null, descriptor: null }
    return { ok: true, yaw: estimateYaw(r.face.landmarks), descriptor: Array.from(r.descriptor) }
  })
}

function mainFace(faces: NodeFace[], frame: RgbFrame): NodeFace | null {
  const q = checkFaceQuality(faces, frame)
  return q.ok ? (faces[q.faceIndex] ?? null) : null
}

/** The server's analysis of one evidence crop, as server/face/evidence.ts analyseFrame does it (tiny224, SSD fallback). */
async function analyseCrop(crop: Uint8Array): Promise<Pick<RenderedFrame, 'ok' | 'reason' | 'serverYaw' | 'descriptor'>> {
  let result: ExtractionResult = await extractFacesWith(crop, EVIDENCE_DETECTOR)
  let gate = checkFaceQuality(result.faces, result)
  if (!gate.ok) {
    result = await extractFacesWith(crop, 'ssd')
    gate = checkFaceQuality(result.faces, result)
  }
  if (!gate.ok) {
    const face = gate.faceIndex === null ? undefined : result.faces[gate.faceIndex]
    return { ok: false, reason: gate.reason, serverYaw: face ? estimateYaw(face.landmarks) : null, descriptor: null }
  }
  const face = result.faces[gate.faceIndex]!
  const yaw = estimateYaw(face.landmarks)
  if (yaw === null || !checkDescriptor(face.descriptor).ok) return { ok: false, reason: 'bad_descriptor', serverYaw: yaw, descriptor: null }
  return { ok: true, reason: 'ok', serverYaw: yaw, descriptor: Array.from(face.descriptor) }
}

/** The enrolment photo's frames (null when it does not make a frontal selfie frame for the browser's detector). */
async function renderFrames(file: string): Promise<RenderedFrame[] | null> {
  const bytes = fs.readFileSync(file)
  const rendererSource = ['headturn.ts', 'fake-camera.ts', 'face-node.ts', 'y4m.ts'].map((n) => fs.readFileSync(path.join('e2e', 'support', n)))
  const key = `frames-${hashOf(`v${CACHE_VERSION}`, JSON.stringify({ FRONTAL_ANGLES, TURN_ANGLES, MAX_PHOTO_YAW }), bytes, ...rendererSource)}`
  const out = await cached<{ frames: RenderedFrame[] | null }>(key, async () => {
    const frontal = await selfieFrame(file)
    if (!frontal) return { frames: null }
    const face = mainFace(await detectFaces(frontal), frontal)
    const yaw = face ? estimateYaw(face.landmarks) : null
    if (!face || yaw === null || Math.abs(yaw) > MAX_PHOTO_YAW) return { frames: null }
    const head = headGeometry(face.landmarks)
    const frames: RenderedFrame[] = []
    for (const angle of [...FRONTAL_ANGLES, ...TURN_ANGLES]) {
      const frame = angle === 0 ? frontal : turnHead(frontal, head, angle)
      const faces = angle === 0 ? [face] : await detectFaces(frame)
      const seen = mainFace(faces, frame) ?? faces.find((f) => f.score >= 0.5) ?? null
      if (!seen) {
        frames.push({ angle, deviceYaw: null, ok: false, reason: 'device_lost', serverYaw: null, descriptor: null })
        continue
      }
      const crop = new Uint8Array(await cropFace(frame, seen.box))
      frames.push({ angle, deviceYaw: estimateYaw(seen.landmarks), ...(await analyseCrop(crop)) })
    }
    return { frames }
  })
  return out.frames
}

// ------------------------------------------------------------------ enrolment sets

interface Template {
  descriptor: Float32Array
  kind: 'photo' | 'frontal' | 'turned'
  yaw: number | null
}

type Chooser = (id: Identity) => Template[]

function candidates(id: Identity): { photo: Template; frontal: Template[]; turned: Template[]; capture: Template[] } {
  const enrol = id.enrol!
  const p = id.photos[enrol.index]!.described
  const photo: Template = { descriptor: Float32Array.from(p.descriptor!), kind: 'photo', yaw: p.yaw }
  const usable = enrol.frames.filter((f) => f.ok)
  const asTemplate = (f: RenderedFrame, kind: Template['kind']): Template => ({ descriptor: Float32Array.from(f.descriptor!), kind, yaw: f.serverYaw })
  const frontal = usable.filter((f) => FRONTAL_ANGLES.includes(f.angle) && Math.abs(f.serverYaw!) <= FRONTAL_YAW).map((f) => asTemplate(f, 'frontal'))
  const turned = usable.filter((f) => !FRONTAL_ANGLES.includes(f.angle) && Math.abs(f.serverYaw!) > FRONTAL_YAW).map((f) => asTemplate(f, 'turned'))
  // The turn frame a capture keeps, per direction: the first angle from 15 degrees the device measures at its turnYaw.
  const capture: Template[] = []
  for (const sign of [1, -1]) {
    const f = enrol.frames
      .filter((x) => Math.sign(x.angle) === sign && Math.abs(x.angle) >= 15 && x.deviceYaw !== null && sign * x.deviceYaw >= DEVICE_TURN_YAW)
      .sort((a, b) => Math.abs(a.angle) - Math.abs(b.angle))[0]
    if (f?.ok && Math.abs(f.serverYaw!) > FRONTAL_YAW) capture.push(asTemplate(f, 'turned'))
  }
  return { photo, frontal, turned, capture }
}

const inBand = (t: Template, lo: number, hi: number) => t.yaw !== null && Math.abs(t.yaw) > lo && Math.abs(t.yaw) <= hi

/** Farthest-point selection: from `first`, repeatedly the candidate farthest from everything chosen so far. */
export function farthestPoint(first: Template, pool: readonly Template[], k: number): Template[] {
  const chosen = [first]
  const left = [...pool]
  while (chosen.length < k && left.length > 0) {
    let best = 0
    let bestD = -1
    left.forEach((c, i) => {
      const d = Math.min(...chosen.map((s) => l2Distance(s.descriptor, c.descriptor)))
      if (d > bestD) {
        bestD = d
        best = i
      }
    })
    chosen.push(left.splice(best, 1)[0]!)
  }
  return chosen
}

const today: Chooser = (id) => {
  const c = candidates(id)
  return [c.photo, ...c.frontal.slice(0, MAX_CAPTURES - 1)]
}

const SETS: [string, Chooser][] = [
  ['A  photo + frontal (today)', today],
  ['F5 farthest-point 5 of A', (id) => { const c = candidates(id); return farthestPoint(c.photo, c.frontal, 5) }],
  ...([[0.24, 0.35], [0.35, 0.5], [0.24, 0.5], [0.5, 0.7], [0.24, 0.7], [0.24, 1]] as const).map(([lo, hi]): [string, Chooser] => [
    `B  A + turns ${lo}-${hi}`,
    (id) => { const c = candidates(id); return [...today(id), ...c.turned.filter((t) => inBand(t, lo, hi))] },
  ]),
  ...([0.5, 0.6, 1] as const).map((hi): [string, Chooser] => [
    `K  A + capture turns <= ${hi}`,
    (id) => { const c = candidates(id); return [...today(id), ...c.capture.filter((t) => inBand(t, FRONTAL_YAW, hi))] },
  ]),
  ...([[0.24, 0.5, 5], [0.24, 0.5, 7], [0.24, 0.5, 10], [0.24, 0.7, 7], [0.24, 0.7, 10]] as const).map(([lo, hi, k]): [string, Chooser] => [
    `C  farthest ${k} of A + turns ${lo}-${hi}`,
    (id) => { const c = candidates(id); return farthestPoint(c.photo, [...c.frontal, ...c.turned.filter((t) => inBand(t, lo, hi))], k) },
  ]),
  ['CK farthest 7 of A + capture turns <= 0.6', (id) => { const c = candidates(id); return farthestPoint(c.photo, [...c.frontal, ...c.capture.filter((t) => inBand(t, FRONTAL_YAW, 0.6))], 7) }],
]

// ------------------------------------------------------------------ evaluation

interface Stats {
  genuine: number
  accepted: number
  frontalProbes: number
  frontalAccepted: number
  turnedProbes: number
  turnedAccepted: number
  misidentified: number
  genuineDistances: number[]
  unknown: number
  falseAccepts: number
  impostorMin: number
  impostorUnderThreshold: number
  templates: number[]
  yawSpread: number[]
}

function evaluate(
  ids: Identity[],
  choose: Chooser,
  subset: (id: Identity) => boolean,
  notProbes: (id: Identity) => number[] = () => [],
): { stats: Stats; confusable: number; closestPair: number; closestNames: string; acceptedKeys: Set<string>; falseKeys: Set<string>; genuine: Map<string, number> } {
  const enrolled = ids.filter((id) => id.enrol)
  const templates = new Map<number, Template[]>()
  enrolled.forEach((id, i) => templates.set(i + 1, choose(id)))
  const gallery = buildGallery([...templates].flatMap(([memberId, ts]) => ts.map((t) => ({ memberId, descriptor: t.descriptor }))))
  const s: Stats = {
    genuine: 0, accepted: 0, frontalProbes: 0, frontalAccepted: 0, turnedProbes: 0, turnedAccepted: 0, misidentified: 0,
    genuineDistances: [], unknown: 0, falseAccepts: 0, impostorMin: Infinity, impostorUnderThreshold: 0, templates: [], yawSpread: [],
  }
  const acceptedKeys = new Set<string>()
  const falseKeys = new Set<string>()
  const genuine = new Map<string, number>()
  const options = { threshold: THRESHOLD, margin: MARGIN }
  const without = new Map<number, FaceGallery>()
  enrolled.forEach((id, i) => {
    const memberId = i + 1
    if (!subset(id)) return
    const own = templates.get(memberId)!
    s.templates.push(own.length)
    const yaws = own.map((t) => t.yaw ?? 0)
    s.yawSpread.push(Math.max(...yaws) - Math.min(...yaws))
    id.photos.forEach((photo, p) => {
      const key = `${id.dataset}/${id.name}/${p}`
      const d = photo.described
      const probe = d.ok ? Float32Array.from(d.descriptor!) : null
      // Genuine: every photo but the enrolment one (and any photo the set enrols too).
      if (p !== id.enrol!.index && !notProbes(id).includes(p)) {
        s.genuine++
        const frontal = d.ok && d.yaw !== null && Math.abs(d.yaw) <= FRONTAL_YAW
        if (frontal) s.frontalProbes++
        else s.turnedProbes++
        if (probe) {
          const hit = identify(gallery, probe, options)
          const dist = Math.min(...own.map((t) => l2Distance(t.descriptor, probe)))
          s.genuineDistances.push(dist)
          genuine.set(key, dist)
          if (hit.verified && hit.memberId === memberId) {
            s.accepted++
            acceptedKeys.add(key)
            if (frontal) s.frontalAccepted++
            else s.turnedAccepted++
          } else if (hit.verified) s.misidentified++
        }
      }
      // Unknown: the identity held out of the gallery, every photo of it.
      s.unknown++
      if (!probe) return
      let others = without.get(memberId)
      if (!others) without.set(memberId, (others = galleryWithout(gallery, memberId)))
      const hit = identify(others, probe, options)
      if (hit.verified) {
        s.falseAccepts++
        falseKeys.add(key)
      }
      for (const [other, ts] of templates) {
        if (other === memberId) continue
        const dist = Math.min(...ts.map((t) => l2Distance(t.descriptor, probe)))
        s.impostorMin = Math.min(s.impostorMin, dist)
        if (dist < THRESHOLD) s.impostorUnderThreshold++
      }
    })
  })
  // An identity that could not be enrolled (no frontal photo) is an unknown person to the whole gallery.
  for (const id of ids) {
    if (id.enrol || !subset(id)) continue
    id.photos.forEach((photo, p) => {
      s.unknown++
      if (!photo.described.ok) return
      const probe = Float32Array.from(photo.described.descriptor!)
      if (identify(gallery, probe, options).verified) {
        s.falseAccepts++
        falseKeys.add(`${id.dataset}/${id.name}/${p}`)
      }
      for (const ts of templates.values()) {
        const dist = Math.min(...ts.map((t) => l2Distance(t.descriptor, probe)))
        s.impostorMin = Math.min(s.impostorMin, dist)
        if (dist < THRESHOLD) s.impostorUnderThreshold++
      }
    })
  }
  // Confusable members: template pairs of two members within threshold + margin (whole gallery).
  let confusable = 0
  let closestPair = Infinity
  let closestNames = ''
  const members = [...templates.keys()]
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const a = templates.get(members[i]!)!
      const b = templates.get(members[j]!)!
      let min = Infinity
      let kinds = ''
      for (const x of a) {
        for (const y of b) {
          const d = l2Distance(x.descriptor, y.descriptor)
          if (d < min) {
            min = d
            kinds = `${x.kind}/${y.kind}`
          }
        }
      }
      if (min < THRESHOLD + MARGIN) confusable++
      if (min < closestPair) {
        closestPair = min
        closestNames = `${enrolled[members[i]! - 1]!.name}-${enrolled[members[j]! - 1]!.name} ${kinds}`
      }
    }
  }
  return { stats: s, confusable, closestPair, closestNames, acceptedKeys, falseKeys, genuine }
}

// ------------------------------------------------------------------ main

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

async function loadIdentities(dataset: Identity['dataset'], dir: string): Promise<Identity[]> {
  if (!fs.existsSync(dir)) return []
  const split: Record<string, 'tune' | 'report'> = {}
  const splitFile = path.join(dir, 'split.json')
  if (fs.existsSync(splitFile)) {
    const s = JSON.parse(fs.readFileSync(splitFile, 'utf8')) as { tune: string[]; report: string[] }
    for (const n of s.tune) split[n] = 'tune'
    for (const n of s.report) split[n] = 'report'
  }
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort(byName)
  const out: Identity[] = []
  for (const name of names) {
    const files = fs.readdirSync(path.join(dir, name)).filter((f) => IMAGE.test(f)).sort(byName).map((f) => path.join(dir, name, f))
    if (files.length < 2) continue
    const photos = []
    for (const file of files) photos.push({ file, described: await describePhoto(file) })
    const id: Identity = { dataset, name, split: dataset === 'people' ? 'people' : (split[name] ?? 'eval'), photos, enrol: null }
    for (let i = 0; i < photos.length && !id.enrol; i++) {
      if (!photos[i]!.described.ok) continue
      const frames = await renderFrames(photos[i]!.file)
      if (frames && frames.some((f) => f.ok && FRONTAL_ANGLES.includes(f.angle) && Math.abs(f.serverYaw!) <= FRONTAL_YAW)) id.enrol = { index: i, frames }
    }
    process.stderr.write(`${dataset}/${name}: ${photos.length} photos, enrol ${id.enrol ? path.basename(photos[id.enrol.index]!.file) : 'none'}\n`)
    out.push(id)
  }
  return out
}

const pct = (a: number, b: number) => (b === 0 ? '-' : (a / b).toFixed(3))
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN)

async function main() {
  const peopleDir = arg('--people', path.resolve('..', 'shared', 'faces', 'people'))
  const evalDir = arg('--eval', path.resolve('eval', 'faces'))
  const jsonOut = arg('--json', '')
  const ids = [...(await loadIdentities('people', peopleDir)), ...(evalDir === 'none' ? [] : await loadIdentities('eval', evalDir))]
  const enrolled = ids.filter((i) => i.enrol)
  console.log(`identities ${ids.length}, enrolled ${enrolled.length} (one photo each), threshold ${THRESHOLD}, margin ${MARGIN}`)

  // Pose of the frames: server yaw and distance to the photo, per rendered angle.
  const byAngle = new Map<number, { yaw: number[]; dist: number[]; ok: number; n: number }>()
  for (const id of enrolled) {
    const photo = Float32Array.from(id.photos[id.enrol!.index]!.described.descriptor!)
    for (const f of id.enrol!.frames) {
      const a = Math.abs(f.angle)
      const e = byAngle.get(a) ?? { yaw: [], dist: [], ok: 0, n: 0 }
      e.n++
      if (f.ok) {
        e.ok++
        e.yaw.push(Math.abs(f.serverYaw!))
        e.dist.push(l2Distance(photo, Float32Array.from(f.descriptor!)))
      }
      byAngle.set(a, e)
    }
  }
  console.log('\nrendered angle | usable | server |yaw| median [min-max] | distance to the photo mean (max)')
  for (const [a, e] of [...byAngle].sort((x, y) => x[0] - y[0])) {
    const ys = [...e.yaw].sort((x, y) => x - y)
    console.log(`${String(a).padStart(5)}°  ${e.ok}/${e.n}  ${ys.length ? `${ys[ys.length >> 1]!.toFixed(2)} [${ys[0]!.toFixed(2)}-${ys[ys.length - 1]!.toFixed(2)}]` : '-'}  ${mean(e.dist).toFixed(3)} (${e.dist.length ? Math.max(...e.dist).toFixed(3) : '-'})`)
  }

  const subsets: [string, (id: Identity) => boolean][] = [
    ['all', () => true],
    ['people', (id) => id.split === 'people'],
    ['eval tune', (id) => id.split === 'tune'],
    ['eval report', (id) => id.split === 'report'],
  ]
  const json: Record<string, unknown> = {}
  const HEADER =
    'set | templates (mean) | yaw spread | TAR (acc/genuine) | frontal probes | turned probes | misid | genuine dist mean | FA/unknown | impostor min | impostor pairs < thr | confusable pairs, closest templates of 2 members (gallery) | TA vs A (+new -lost) | new FA vs A'
  const table = (subsetName: string, subset: (id: Identity) => boolean, sets: [string, Chooser][], notProbes?: (id: Identity) => number[]) => {
    console.log(HEADER)
    const base = evaluate(ids, today, subset, notProbes)
    for (const [name, choose] of sets) {
      const { stats: s, confusable, closestPair, closestNames, acceptedKeys, falseKeys } = evaluate(ids, choose, subset, notProbes)
      const newTA = [...acceptedKeys].filter((k) => !base.acceptedKeys.has(k)).length
      const lostTA = [...base.acceptedKeys].filter((k) => !acceptedKeys.has(k)).length
      const newFA = [...falseKeys].filter((k) => !base.falseKeys.has(k)).length
      console.log(
        [
          name.padEnd(44),
          mean(s.templates).toFixed(1),
          mean(s.yawSpread).toFixed(2),
          `${pct(s.accepted, s.genuine)} (${s.accepted}/${s.genuine})`,
          `${pct(s.frontalAccepted, s.frontalProbes)} (${s.frontalAccepted}/${s.frontalProbes})`,
          `${pct(s.turnedAccepted, s.turnedProbes)} (${s.turnedAccepted}/${s.turnedProbes})`,
          s.misidentified,
          mean(s.genuineDistances).toFixed(3),
          `${s.falseAccepts}/${s.unknown}`,
          s.impostorMin.toFixed(3),
          s.impostorUnderThreshold,
          `${confusable} (${closestPair.toFixed(3)} ${closestNames})`,
          `+${newTA} -${lostTA}`,
          newFA,
        ].join(' | '),
      )
      json[`${subsetName}: ${name.trim()}`] = {
        templates: mean(s.templates), yaw_spread: mean(s.yawSpread), genuine: s.genuine, accepted: s.accepted, tar: s.accepted / s.genuine,
        frontal_probes: s.frontalProbes, frontal_accepted: s.frontalAccepted, turned_probes: s.turnedProbes, turned_accepted: s.turnedAccepted,
        misidentified: s.misidentified, genuine_distance_mean: mean(s.genuineDistances), unknown: s.unknown, false_accepts: s.falseAccepts,
        impostor_min: s.impostorMin, impostor_pairs_under_threshold: s.impostorUnderThreshold, confusable_pairs: confusable, closest_member_templates: closestPair, new_true_accepts: newTA,
        lost_true_accepts: lostTA, new_false_accepts: newFA,
      }
    }
  }
  for (const [subsetName, subset] of subsets) {
    if (!enrolled.some(subset)) continue
    console.log(`\n== ${subsetName}`)
    table(subsetName, subset, SETS)
  }

  // Where the rendered turns could help: for each genuine probe, is a turned template its closest, and by how much?
  console.log('\n== genuine probes whose closest own template is a rendered turn (A + turns 0.24-0.5 / 0.24-1)')
  for (const [lo, hi] of [[0.24, 0.5], [0.24, 1]] as const) {
    let closer = 0
    let gains: number[] = []
    let n = 0
    for (const id of enrolled) {
      const c = candidates(id)
      const base = today(id)
      const turns = c.turned.filter((t) => inBand(t, lo, hi))
      id.photos.forEach((photo, p) => {
        if (p === id.enrol!.index || !photo.described.ok) return
        n++
        const probe = Float32Array.from(photo.described.descriptor!)
        const a = Math.min(...base.map((t) => l2Distance(t.descriptor, probe)))
        const b = turns.length ? Math.min(...turns.map((t) => l2Distance(t.descriptor, probe))) : Infinity
        if (b < a) {
          closer++
          gains.push(a - b)
        }
      })
    }
    gains = gains.sort((x, y) => y - x)
    console.log(`turns ${lo}-${hi}: ${closer} of ${n} probes closer to a turn; gain mean ${mean(gains).toFixed(3)}, max ${gains[0]?.toFixed(3) ?? '-'}`)
  }
  console.log('\n== genuine probes refused with A: distance to own templates, A vs A + turns 0.24-1 (probe yaw)')
  {
    const a = evaluate(ids, today, () => true)
    const b = evaluate(ids, SETS.find(([n]) => n.includes('0.24-1'))![1], () => true)
    for (const id of enrolled) {
      id.photos.forEach((photo, p) => {
        const key = `${id.dataset}/${id.name}/${p}`
        if (p === id.enrol!.index || a.acceptedKeys.has(key)) return
        const da = a.genuine.get(key)
        const db = b.genuine.get(key)
        console.log(`${path.basename(photo.file)}  yaw ${photo.described.yaw?.toFixed(2) ?? '-'}  A ${da?.toFixed(3) ?? photo.described.reason}  +turns ${db?.toFixed(3) ?? '-'}`)
      })
    }
  }

  // Control: a REAL turned photo of the person as an extra template (the first other photo the server describes with
  // |yaw| in (0.24, 0.6]); that photo is no probe in either set. Tells whether turned templates help at all, rendered
  // or not (a registration has no such photo: its turns are the capture's frames).
  const realTurned = (id: Identity): number[] => {
    const i = id.photos.findIndex((ph, p) => p !== id.enrol!.index && ph.described.ok && Math.abs(ph.described.yaw!) > FRONTAL_YAW && Math.abs(ph.described.yaw!) <= 0.6)
    return i >= 0 ? [i] : []
  }
  console.log(`\n== control: a real turned photo as an extra template (${enrolled.filter((id) => realTurned(id).length).length} identities have one; probes without it)`)
  table('control', () => true, [
    ['A  photo + frontal (today)', today],
    ['R  A + one real turned photo', (id) => [...today(id), ...realTurned(id).map((i): Template => ({ descriptor: Float32Array.from(id.photos[i]!.described.descriptor!), kind: 'turned', yaw: id.photos[i]!.described.yaw }))]],
    ['B  A + rendered turns 0.24-0.5', SETS.find(([n]) => n.includes('turns 0.24-0.5'))![1]],
  ], realTurned)
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(json, null, 2))
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
