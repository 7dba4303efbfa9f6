// Roll-call evaluation (issue 14 item 5, "Roll-call from one photo"):
//
//   npm run -s face:eval -- <dir> --roll-call [--split tune|report] [--class-size 16] [--faces 40:80] [--strangers 3]
//                                             [--seed 1] [--threshold x] [--margin y] [--save DIR]
//
// <dir> is face:eval's folder (one folder per identity; groups.json / group.txt and split.json as there). Every
// --strangers-th identity in name order (the 3rd, 6th, ...; default every 3rd) is NOT enrolled: a stranger in the class,
// who must stay unknown. The others are enrolled as face:eval does (their first min(3, n-1) photos, through the
// registration path, describeSingleFace); their other photos are probes. The probes are composed into class photos
// (tools/faces/class-photo.ts: 2048 px wide, faces --faces back:front px wide, default 40:80) of --class-size people
// each (default 16, every person at most once in a photo), until every probe photo is in one. Each class photo goes
// through the server's group extraction (server/face/group.ts extractGroupFaces) and its faces are named one-to-one
// (shared/face/assign.ts assignFaces, organization defaults unless --threshold / --margin), as the tablet names them
// and as the server re-checks them. Each face of the photo is then one of:
//   named right                    an enrolled person named as themself ('uncertain' ones, within the margin of
//                                  someone else, included: the petugas confirms those; counted apart too)
//   named wrong                    an enrolled person named as someone else: a false accept, the worst outcome
//   missed                         an enrolled person left unknown
//   stranger unknown / named       someone not enrolled, left unknown (right) or named (a false accept)
//   not found                      no face found at the person's box (IoU >= 0.4)
// and a face found where nobody was put ("extra") is named (a false accept) or not. Per group (groups.json, as
// face:eval) the same figures by the person's group. Human-readable lines first; the LAST line is one JSON object:
// {"photos":P,"identities":N,"enrolled":E,"strangers":S,"faces":F,"found":f,"named_right":r,"uncertain_right":u,
//  "named_wrong":w,"missed":m,"stranger_faces":s,"strangers_unknown":su,"strangers_named":sn,"extra_faces":x,
//  "extra_named":xn,"false_accepts":w+sn+xn,"recall":r/(enrolled faces),"threshold":t,"margin":g,"class_size":c,
//  "face_sizes":[back,front],"ms_per_photo":ms, "groups":{"<group>":{...same counts...}}}   ("groups" only when some
//  identity has one)
import fs from 'node:fs'
import path from 'node:path'
import { assignFaces } from '../../shared/face/assign'
import { buildGallery, type FaceGallery, type MatchOptions } from '../../shared/face/match'
import type { FaceBox } from '../../shared/face/quality'
import { composeClassPhoto, faceBoxOf, type ClassPhotoPerson } from './class-photo'
import { extractGroupFaces, iou } from '../../server/face/group'
import { describeSingleFace, loadFaceModels } from '../../server/face/inference'
import { byName, IMAGE_EXTENSIONS, readGroups } from './eval'

// ------------------------------------------------------------------ judging one photo (pure: no models)

/** A person put in a class photo: which identity, whether enrolled, where their face is. */
export interface TruthFace {
  identity: number
  enrolled: boolean
  box: FaceBox
  /** The photo it came from (for the log). */
  file?: string
}

/** A face the extraction found. */
export interface FoundFace {
  box: FaceBox
  descriptor: ArrayLike<number>
}

export type FaceOutcome =
  | { kind: 'not_found'; identity: number; enrolled: boolean }
  | { kind: 'named_right'; identity: number; uncertain: boolean; distance: number }
  | { kind: 'named_wrong'; identity: number; as: number; uncertain: boolean; distance: number }
  | { kind: 'missed'; identity: number; closest: number | null; distance: number | null }
  | { kind: 'stranger_unknown'; identity: number }
  | { kind: 'stranger_named'; identity: number; as: number; uncertain: boolean; distance: number }
  | { kind: 'extra_unknown' }
  | { kind: 'extra_named'; as: number; distance: number }

/** A found face is a person's when their boxes overlap at least this much (IoU). */
export const ROLL_CALL_EVAL_MIN_IOU = 0.4

/**
 * What became of each person of one class photo, and of each face found where nobody was: the found faces are paired
 * with the people one-to-one by overlap (greedy, best IoU first, at least minIou), all found faces are named together
 * with assignFaces (gallery member ids are identity numbers), and each person's outcome read off.
 */
export function judgeRollCallPhoto(
  truth: readonly TruthFace[],
  found: readonly FoundFace[],
  gallery: FaceGallery,
  match: MatchOptions,
  minIou = ROLL_CALL_EVAL_MIN_IOU,
): FaceOutcome[] {
  const pairs: { t: number; f: number; iou: number }[] = []
  truth.forEach((t, ti) => found.forEach((f, fi) => pairs.push({ t: ti, f: fi, iou: iou(t.box, f.box) })))
  pairs.sort((a, b) => b.iou - a.iou || a.t - b.t || a.f - b.f)
  const faceOf = new Map<number, number>()
  const taken = new Set<number>()
  for (const p of pairs) {
    if (p.iou < minIou) break
    if (faceOf.has(p.t) || taken.has(p.f)) continue
    faceOf.set(p.t, p.f)
    taken.add(p.f)
  }
  const named = found.length ? assignFaces(gallery, found.map((f) => f.descriptor), match) : []
  const outcomes: FaceOutcome[] = truth.map((t, ti) => {
    const fi = faceOf.get(ti)
    if (fi === undefined) return { kind: 'not_found', identity: t.identity, enrolled: t.enrolled }
    const a = named[fi]!
    const uncertain = a.status === 'uncertain'
    if (!t.enrolled) {
      return a.memberId === null
        ? { kind: 'stranger_unknown', identity: t.identity }
        : { kind: 'stranger_named', identity: t.identity, as: a.memberId, uncertain, distance: a.distance! }
    }
    if (a.memberId === null) return { kind: 'missed', identity: t.identity, closest: a.nextMemberId, distance: a.nextDistance }
    return a.memberId === t.identity
      ? { kind: 'named_right', identity: t.identity, uncertain, distance: a.distance! }
      : { kind: 'named_wrong', identity: t.identity, as: a.memberId, uncertain, distance: a.distance! }
  })
  found.forEach((_, fi) => {
    if (taken.has(fi)) return
    const a = named[fi]!
    outcomes.push(a.memberId === null ? { kind: 'extra_unknown' } : { kind: 'extra_named', as: a.memberId, distance: a.distance! })
  })
  return outcomes
}

export interface RollCallCounts {
  /** People put in the photos. */
  faces: number
  /** Of them, with a face found at their box. */
  found: number
  named_right: number
  /** Of named_right, those 'uncertain' (another member within the margin: the petugas confirms them). */
  uncertain_right: number
  /** Enrolled people named as someone else (false accepts). */
  named_wrong: number
  /** Enrolled people found but left unknown. */
  missed: number
  /** People not enrolled (strangers) in the photos. */
  stranger_faces: number
  strangers_unknown: number
  /** Strangers named as a member (false accepts). */
  strangers_named: number
  /** Faces found where nobody was put, and of them those named (false accepts). */
  extra_faces: number
  extra_named: number
  /** named_wrong + strangers_named + extra_named. */
  false_accepts: number
  /** named_right / enrolled people in the photos. */
  recall: number
}

export interface RollCallSummary extends RollCallCounts {
  photos: number
  identities: number
  enrolled: number
  strangers: number
  threshold: number
  margin: number
  class_size: number
  face_sizes: [number, number]
  ms_per_photo: number
  groups?: Record<string, RollCallCounts>
}

const emptyCounts = (): RollCallCounts => ({
  faces: 0,
  found: 0,
  named_right: 0,
  uncertain_right: 0,
  named_wrong: 0,
  missed: 0,
  stranger_faces: 0,
  strangers_unknown: 0,
  strangers_named: 0,
  extra_faces: 0,
  extra_named: 0,
  false_accepts: 0,
  recall: 0,
})

/**
 * Adds up outcomes: overall, and per group of the person (`groupOf(identity)`, '-' for none; an extra face, which is
 * nobody, counts overall only).
 */
export function countOutcomes(outcomes: readonly FaceOutcome[], groupOf: (identity: number) => string | null = () => null): { total: RollCallCounts; groups: Map<string, RollCallCounts> } {
  const total = emptyCounts()
  const groups = new Map<string, RollCallCounts>()
  const enrolledFaces = new Map<RollCallCounts, number>()
  const slot = (identity: number): RollCallCounts => {
    const key = groupOf(identity) ?? '-'
    let g = groups.get(key)
    if (!g) groups.set(key, (g = emptyCounts()))
    return g
  }
  for (const o of outcomes) {
    const targets = 'identity' in o ? [total, slot(o.identity)] : [total]
    for (const c of targets) {
      if (o.kind === 'extra_unknown' || o.kind === 'extra_named') {
        c.extra_faces++
        if (o.kind === 'extra_named') c.extra_named++
        continue
      }
      c.faces++
      const enrolled = o.kind === 'not_found' ? o.enrolled : o.kind !== 'stranger_unknown' && o.kind !== 'stranger_named'
      if (enrolled) enrolledFaces.set(c, (enrolledFaces.get(c) ?? 0) + 1)
      else c.stranger_faces++
      if (o.kind === 'not_found') continue
      c.found++
      if (o.kind === 'named_right') {
        c.named_right++
        if (o.uncertain) c.uncertain_right++
      } else if (o.kind === 'named_wrong') c.named_wrong++
      else if (o.kind === 'missed') c.missed++
      else if (o.kind === 'stranger_unknown') c.strangers_unknown++
      else c.strangers_named++
    }
  }
  for (const c of [total, ...groups.values()]) {
    c.false_accepts = c.named_wrong + c.strangers_named + c.extra_named
    const enrolled = enrolledFaces.get(c) ?? 0
    c.recall = enrolled === 0 ? 0 : Number((c.named_right / enrolled).toFixed(4))
  }
  return { total, groups }
}

/** One line of counts, for the log. */
export function describeCounts(c: RollCallCounts): string {
  return (
    `faces ${c.faces}, found ${c.found}; named right ${c.named_right} (${c.uncertain_right} uncertain), ` +
    `NAMED WRONG ${c.named_wrong}, missed ${c.missed}; strangers ${c.stranger_faces}: unknown ${c.strangers_unknown}, ` +
    `NAMED ${c.strangers_named}; extra faces ${c.extra_faces} (named ${c.extra_named}); false accepts ${c.false_accepts}`
  )
}

// ------------------------------------------------------------------ the class photos

/**
 * Who stands in which class photo: each photo takes up to `classSize` different people, those with the most probe
 * photos left first (ties in identity order), one photo of each, until every probe photo is used.
 */
export function planClasses<T>(probes: readonly (readonly T[])[], classSize: number): { identity: number; item: T }[][] {
  if (!(Number.isInteger(classSize) && classSize >= 1)) throw new RangeError(`class size must be a whole number >= 1, got ${classSize}`)
  const left = probes.map((list) => [...list])
  const classes: { identity: number; item: T }[][] = []
  for (;;) {
    const order = left
      .map((list, identity) => ({ identity, n: list.length }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n || a.identity - b.identity)
      .slice(0, classSize)
    if (order.length === 0) return classes
    classes.push(order.map(({ identity }) => ({ identity, item: left[identity]!.shift() as T })))
  }
}

export interface RollCallEvalOptions {
  only?: readonly string[]
  /** People a class photo (default 16). */
  classSize?: number
  /** Face-box widths of the back and front rows, px (default 40 and 80). */
  faceSizes?: { back: number; front: number }
  /** Every n-th identity in name order is a stranger, not enrolled (default 3). */
  strangerEvery?: number
  seed?: number
  /** Write each composed class photo here (class-N.jpg), to look at. */
  save?: string
}

const fmt = (d: number | null | undefined): string => (d === null || d === undefined ? '-' : d.toFixed(3))

export async function evaluateRollCall(dir: string, log: (line: string) => void, match: MatchOptions, options: RollCallEvalOptions = {}): Promise<RollCallSummary> {
  const classSize = options.classSize ?? 16
  const sizes = options.faceSizes ?? { back: 40, front: 80 }
  const every = options.strangerEvery ?? 3
  if (!(Number.isInteger(every) && every >= 2)) throw new RangeError(`--strangers must be a whole number >= 2, got ${every}`)
  const identities = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .filter((name) => !options.only || options.only.includes(name))
    .sort(byName)
  if (identities.length === 0) throw new Error(`no identity folders in ${dir}`)
  const groupOf = readGroups(dir, identities)
  const grouped = groupOf.some((g) => g !== null)
  const stranger = (identity: number) => identity % every === every - 1

  const info = await loadFaceModels()
  log(`models loaded in ${info.loadMs.toFixed(0)} ms (backend ${info.backend}, simd ${info.simd ? 'on' : 'off'})`)
  log(
    `roll-call: ${identities.length} identities in ${dir}, 1 in ${every} not enrolled (strangers); ${classSize} people a class photo, ` +
    `faces ${sizes.back}-${sizes.front} px; threshold ${match.threshold}, margin ${match.margin}`,
  )

  // Enrolment (the first min(3, n-1) photos of each enrolled identity, as face:eval) and the probes.
  const entries: { memberId: number; descriptor: Float32Array }[] = []
  const probes: string[][] = []
  for (const [identity, name] of identities.entries()) {
    const files = fs
      .readdirSync(path.join(dir, name), { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => path.join(dir, name, e.name))
      .sort(byName)
    if (stranger(identity)) {
      probes.push(files)
      log(`${name}: not enrolled (a stranger), ${files.length} photos in the class photos`)
      continue
    }
    const k = Math.max(0, Math.min(3, files.length - 1))
    let ok = 0
    for (const file of files.slice(0, k)) {
      const r = await describeSingleFace(fs.readFileSync(file))
      if (r.ok) {
        entries.push({ memberId: identity, descriptor: r.descriptor })
        ok++
      } else log(`  ${name}/${path.basename(file)}: not enrolled (${r.reason})`)
    }
    probes.push(files.slice(k))
    log(`${name}: enrolled ${ok}/${k}, ${files.length - k} photos in the class photos`)
  }
  const gallery = buildGallery(entries)

  // Each person's face box in their own photo (the composer finds it; a photo without one is left out).
  const usable: ClassPhotoPerson[][] = []
  for (const [identity, files] of probes.entries()) {
    const list: ClassPhotoPerson[] = []
    for (const file of files) {
      try {
        list.push({ file, label: String(identity), box: await faceBoxOf(file) })
      } catch {
        log(`  ${identities[identity]}/${path.basename(file)}: no face to put in a class photo, left out`)
      }
    }
    usable.push(list)
  }

  const classes = planClasses(usable, classSize)
  const outcomes: FaceOutcome[] = []
  let totalMs = 0
  for (const [n, people] of classes.entries()) {
    const photo = await composeClassPhoto(
      people.map((p) => p.item),
      { faceSizes: sizes, seed: (options.seed ?? 1) + n },
    )
    if (options.save) {
      fs.mkdirSync(options.save, { recursive: true })
      fs.writeFileSync(path.join(options.save, `class-${n + 1}.jpg`), photo.jpeg)
    }
    const started = performance.now()
    const result = await extractGroupFaces(new Uint8Array(photo.jpeg))
    const ms = performance.now() - started
    totalMs += ms
    const truth: TruthFace[] = photo.faces.map((f) => {
      const identity = Number(f.label)
      return { identity, enrolled: !stranger(identity), box: f.box, file: f.file }
    })
    const judged = judgeRollCallPhoto(truth, result.faces, gallery, match)
    outcomes.push(...judged)
    const c = countOutcomes(judged).total
    log(
      `class photo ${n + 1}: ${truth.length} people (${truth.filter((t) => !t.enrolled).length} not enrolled), ${photo.width}x${photo.height}, ` +
      `${result.faces.length} faces found in ${(ms / 1000).toFixed(1)} s: ${describeCounts(c)}`,
    )
    judged.forEach((o, i) => {
      const who = i < truth.length ? `${identities[truth[i]!.identity]}/${path.basename(truth[i]!.file ?? '')}` : 'a face where nobody was'
      if (o.kind === 'not_found') log(`  not found: ${who}`)
      else if (o.kind === 'named_wrong') log(`  NAMED WRONG: ${who} as ${identities[o.as]} d=${fmt(o.distance)}${o.uncertain ? ' (uncertain)' : ''}`)
      else if (o.kind === 'stranger_named') log(`  STRANGER NAMED: ${who} as ${identities[o.as]} d=${fmt(o.distance)}${o.uncertain ? ' (uncertain)' : ''}`)
      else if (o.kind === 'extra_named') log(`  EXTRA FACE NAMED: ${who} as ${identities[o.as]} d=${fmt(o.distance)}`)
      else if (o.kind === 'missed') log(`  missed: ${who} (closest ${o.closest === null ? '-' : identities[o.closest]} d=${fmt(o.distance)})`)
    })
  }

  const { total, groups } = countOutcomes(outcomes, (identity) => groupOf[identity] ?? null)
  log(`roll-call over ${classes.length} class photos: ${describeCounts(total)}; recall ${total.recall}`)
  const sortedGroups = [...groups.entries()].sort(([a], [b]) => byName(a, b))
  if (grouped) for (const [key, g] of sortedGroups) log(`group ${key}: ${describeCounts(g)}; recall ${g.recall}`)
  const enrolledCount = identities.filter((_, i) => !stranger(i)).length
  return {
    photos: classes.length,
    identities: identities.length,
    enrolled: enrolledCount,
    strangers: identities.length - enrolledCount,
    ...total,
    threshold: match.threshold,
    margin: match.margin,
    class_size: classSize,
    face_sizes: [sizes.back, sizes.front],
    ms_per_photo: classes.length === 0 ? 0 : Math.round(totalMs / classes.length),
    ...(grouped ? { groups: Object.fromEntries(sortedGroups) } : {}),
  }
}
