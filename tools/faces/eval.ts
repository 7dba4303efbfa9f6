// Face recognition evaluation (issue 3, "Evaluation command"):
//
//   npm run -s face:eval -- <dir>
//
// <dir> holds one folder per identity with that person's photos. Identities and files are taken in name order
// (numeric-aware, so "x-10" follows "x-9"). For each identity its first min(3, n-1) photos are enrolled through the
// registration path (server-side extraction with the quality gates, describeSingleFace) and the rest are genuine
// probes. Then each identity in turn is removed from the gallery and all of its photos are probed (unknown probes: any
// acceptance is a false accept). Matching uses the organization defaults (DEFAULT_FACE_THRESHOLD, DEFAULT_FACE_MARGIN).
// A photo whose face cannot be extracted is a failed probe (never accepted) and is reported on its own line.
// Groups (issue 14): when the folder says which group an identity belongs to, the figures are also reported per group
// (a model can be fair on average and unfair to the people who use it). Either a `groups.json` in <dir>
// ({"<identity folder>": "<group>", ...}) or a `group.txt` inside an identity's folder (one line, the group's name; it
// wins over groups.json). Identities without a group are in "-". Per group: TAR of its genuine probes, FAR of its unknown
// probes, and how many of its false accepts matched someone of the same group ("within").
// Roll-call from one photo (issue 14 item 5): `--roll-call` composes class photos of the probes, with identities that
// are not enrolled among them, and reports what a roll-call of each would name (tools/faces/eval-roll-call.ts).
// Human-readable lines first; the LAST line is one JSON object:
// {"identities":N,"genuine":G,"true_accepts":T,"tar":T/G,"misidentified":M,"unknown":U,"false_accepts":F,"far":F/U,
//  "threshold":x,"ms_per_image":y, "groups":{"<group>":{"identities":n,"genuine":g,"true_accepts":t,"tar":..,
//  "unknown":u,"false_accepts":f,"false_accepts_within":w,"far":..}}}   ("groups" only when some identity has one)

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGallery, DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, galleryWithout, identify, l2Distance, type MatchOptions } from '../../shared/face/match'
import { describeSingleFace, loadFaceModels, type DescribeResult } from '../../server/face/inference'
import { FACE_MODEL, LEGACY_FACE_MODEL_ID } from '../../shared/face/model'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.bmp'])
export const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true })

interface Photo {
  identity: number
  name: string
  file: string
  result: DescribeResult
  ms: number
}

export interface GroupSummary {
  identities: number
  genuine: number
  true_accepts: number
  tar: number
  unknown: number
  false_accepts: number
  /** False accepts whose wrongly matched identity is of the same group. */
  false_accepts_within: number
  far: number
}

export interface EvalSummary {
  identities: number
  genuine: number
  true_accepts: number
  tar: number
  misidentified: number
  unknown: number
  false_accepts: number
  far: number
  threshold: number
  /**
   * Every pair of photos of two different people (impostor pairs), and how many of them sit closer than the threshold:
   * the chance that one photo of a stranger comes within the threshold of one template of a member ("1 in N").
   */
  impostor_pairs: number
  impostor_pairs_below: number
  closest_impostor: number | null
  ms_per_image: number
  groups?: Record<string, GroupSummary>
}

/** The group of each identity folder: its group.txt, else <dir>/groups.json, else null. */
export function readGroups(dir: string, identities: readonly string[]): (string | null)[] {
  let listed: Record<string, unknown> = {}
  const file = path.join(dir, 'groups.json')
  if (fs.existsSync(file)) {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: expected an object {"identity": "group"}`)
    listed = parsed as Record<string, unknown>
  }
  return identities.map((name) => {
    const own = path.join(dir, name, 'group.txt')
    const group = fs.existsSync(own) ? fs.readFileSync(own, 'utf8').trim() : listed[name]
    return typeof group === 'string' && group.trim() !== '' ? group.trim() : null
  })
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits))
const ratio = (a: number, b: number): number => (b === 0 ? 0 : round(a / b, 4))
const fmt = (d: number | null): string => (d === null ? '-' : d.toFixed(3))

export interface EvaluateOptions {
  /** Which descriptor: the product's current model (default), or face-api's old 128-d one for comparison. */
  model?: typeof FACE_MODEL.id | typeof LEGACY_FACE_MODEL_ID
  /** Only these identity folders (e.g. one part of split.json). */
  only?: readonly string[]
  /** Also report TAR and false accepts at each of these thresholds (the margin unchanged). */
  sweep?: readonly number[]
  /**
   * Keeps each photo's extraction by its bytes, for another evaluation in the same process (the tests evaluate one set
   * of photos several ways): the same answer the registration path gives, computed once, with the time it took then.
   */
  extractions?: Map<string, { result: DescribeResult; ms: number }>
}

export async function evaluate(dir: string, log: (line: string) => void, match: MatchOptions, options: EvaluateOptions = {}): Promise<EvalSummary> {
  // face-api's 128-d descriptors are zero-padded to the gallery's length: L2 distances are unchanged by the padding.
  const describe =
    options.model === LEGACY_FACE_MODEL_ID
      ? async (bytes: Uint8Array): Promise<DescribeResult> => {
        const r = await describeSingleFace(bytes, {}, 'legacy')
        if (!r.ok) return r
        const padded = new Float32Array(FACE_DESCRIPTOR_LENGTH)
        padded.set(r.descriptor)
        return { ...r, descriptor: padded }
      }
      : describeSingleFace
  const identities = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .filter((name) => !options.only || options.only.includes(name))
    .sort(byName)
  if (identities.length === 0) throw new Error(`no identity folders in ${dir}`)

  const info = await loadFaceModels()
  log(
    `models loaded in ${info.loadMs.toFixed(0)} ms (face-api ${info.faceApiVersion}, tfjs ${info.tfjsVersion}, ` +
    `backend ${info.backend}, simd ${info.simd ? 'on' : 'off'}, threads ${info.threads ? 'on' : 'off'})`,
  )
  log(`${identities.length} identities in ${dir}; model ${options.model ?? FACE_MODEL.id}; threshold ${match.threshold}, margin ${match.margin}`)
  const groupOf = readGroups(dir, identities)
  const grouped = groupOf.some((g) => g !== null)
  const groups = new Map<string, GroupSummary>()
  const groupFor = (identity: number): GroupSummary => {
    const key = groupOf[identity] ?? '-'
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { identities: 0, genuine: 0, true_accepts: 0, tar: 0, unknown: 0, false_accepts: 0, false_accepts_within: 0, far: 0 }))
    return g
  }
  for (const [identity] of identities.entries()) groupFor(identity).identities++

  // Extract every photo once, through the registration path.
  const photos: Photo[][] = []
  let totalMs = 0
  let imageCount = 0
  for (const [identity, name] of identities.entries()) {
    const files = fs
      .readdirSync(path.join(dir, name), { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort(byName)
    const list: Photo[] = []
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(dir, name, file))
      const key = options.extractions ? `${options.model ?? FACE_MODEL.id}:${crypto.createHash('sha256').update(bytes).digest('hex')}` : ''
      let kept = options.extractions?.get(key)
      if (!kept) {
        const started = performance.now()
        kept = { result: await describe(bytes), ms: performance.now() - started }
        options.extractions?.set(key, kept)
      }
      const { result, ms } = kept
      totalMs += ms
      imageCount++
      list.push({ identity, name, file, result, ms })
      if (!result.ok) log(`  ${name}/${file}: no face extracted (${result.reason}: ${result.message}); counted as a failed probe`)
    }
    photos.push(list)
  }

  // Enrolment: the first min(3, n-1) photos of each identity.
  const entries: { memberId: number; descriptor: Float32Array }[] = []
  const probes: Photo[] = []
  for (const [identity, list] of photos.entries()) {
    const k = Math.min(3, list.length - 1)
    const enrol = list.slice(0, Math.max(0, k))
    probes.push(...list.slice(Math.max(0, k)))
    const enrolled = enrol.filter((p) => p.result.ok)
    for (const p of enrolled) if (p.result.ok) entries.push({ memberId: p.identity, descriptor: p.result.descriptor })
    const name = identities[identity] ?? '?'
    log(
      `${name}: ${list.length} photos, enrolled ${enrolled.length}/${enrol.length}${
        enrol.length ? ` (${enrol.map((p) => p.file + (p.result.ok ? '' : ' FAILED')).join(', ')})` : ''
      }, genuine probes: ${list.length - enrol.length}`,
    )
  }
  const gallery = buildGallery(entries)

  let trueAccepts = 0
  let misidentified = 0
  for (const p of probes) {
    groupFor(p.identity).genuine++
    if (!p.result.ok) {
      log(`genuine ${p.name}/${p.file}: failed probe (${p.result.reason})`)
      continue
    }
    const r = identify(gallery, p.result.descriptor, match)
    const best = r.memberId === null ? '-' : identities[r.memberId]
    let verdict: string
    if (r.verified && r.memberId === p.identity) {
      trueAccepts++
      groupFor(p.identity).true_accepts++
      verdict = 'accepted'
    } else if (r.verified) {
      misidentified++
      verdict = `MISIDENTIFIED as ${best}`
    } else {
      verdict = `rejected (closest ${best})`
    }
    log(`genuine ${p.name}/${p.file}: d=${fmt(r.distance)} second=${fmt(r.secondDistance)} ${verdict}`)
  }

  let unknown = 0
  let falseAccepts = 0
  for (const [identity, name] of identities.entries()) {
    const without = galleryWithout(gallery, identity)
    let accepted = 0
    const list = photos[identity] ?? []
    const group = groupFor(identity)
    for (const p of list) {
      unknown++
      group.unknown++
      if (!p.result.ok) continue
      const r = identify(without, p.result.descriptor, match)
      if (r.verified) {
        accepted++
        group.false_accepts++
        if (r.memberId !== null && (groupOf[r.memberId] ?? '-') === (groupOf[identity] ?? '-')) group.false_accepts_within++
        log(`unknown ${name}/${p.file}: FALSE ACCEPT as ${identities[r.memberId ?? -1] ?? '?'} d=${fmt(r.distance)}`)
      }
    }
    falseAccepts += accepted
    log(`unknown ${name} (removed from the gallery): ${list.length} probes, ${accepted} false accepts`)
  }

  // Pairwise: every two photos of different people (the rate settings explains as "1 in N"), and of the same person.
  const impostor: number[] = []
  const genuinePairs: number[] = []
  const flat = photos.flat().filter((p) => p.result.ok)
  for (let i = 0; i < flat.length; i++) {
    for (let j = i + 1; j < flat.length; j++) {
      const a = flat[i]!
      const b = flat[j]!
      if (!a.result.ok || !b.result.ok) continue
      ;(a.identity === b.identity ? genuinePairs : impostor).push(l2Distance(a.result.descriptor, b.result.descriptor))
    }
  }
  impostor.sort((x, y) => x - y)
  genuinePairs.sort((x, y) => x - y)
  const below = (sorted: readonly number[], t: number): number => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const pairLine = (t: number): string => {
    const n = below(impostor, t)
    return `pairs at ${t.toFixed(3)}: impostor ${n}/${impostor.length}${n > 0 ? ` (1 in ${Math.round(impostor.length / n)})` : ''}, genuine ${ratio(below(genuinePairs, t), genuinePairs.length)}`
  }
  log(`${pairLine(match.threshold)}; closest impostor pair ${fmt(impostor[0] ?? null)}`)

  // The same photos at other thresholds: true accepts of the genuine probes, false accepts of the unknown ones.
  for (const threshold of options.sweep ?? []) {
    const at = { ...match, threshold }
    let ta = 0
    let fa = 0
    const perGroup = new Map<string, { ta: number; fa: number }>()
    const slot = (identity: number) => {
      const key = groupOf[identity] ?? '-'
      let g = perGroup.get(key)
      if (!g) perGroup.set(key, (g = { ta: 0, fa: 0 }))
      return g
    }
    for (const p of probes) {
      if (p.result.ok) {
        const r = identify(gallery, p.result.descriptor, at)
        if (r.verified && r.memberId === p.identity) {
          ta++
          slot(p.identity).ta++
        }
      }
    }
    for (const [identity] of identities.entries()) {
      const without = galleryWithout(gallery, identity)
      for (const p of photos[identity] ?? []) {
        if (p.result.ok && identify(without, p.result.descriptor, at).verified) {
          fa++
          slot(identity).fa++
        }
      }
    }
    const detail = grouped ? ` ${[...perGroup.entries()].map(([k, g]) => `${k}: TA ${g.ta} FA ${g.fa}`).join(', ')}` : ''
    log(`sweep threshold ${threshold.toFixed(3)}: TAR ${ratio(ta, probes.length)} (${ta}/${probes.length}), false accepts ${fa}/${unknown}${detail}`)
    log(`  ${pairLine(threshold)}`)
  }

  for (const [key, g] of [...groups.entries()].sort(([a], [b]) => byName(a, b))) {
    g.tar = ratio(g.true_accepts, g.genuine)
    g.far = ratio(g.false_accepts, g.unknown)
    if (grouped) {
      log(
        `group ${key}: ${g.identities} identities, TAR ${g.tar} (${g.true_accepts}/${g.genuine}), ` +
        `FAR ${g.far} (${g.false_accepts}/${g.unknown}, ${g.false_accepts_within} within the group)`,
      )
    }
  }

  return {
    identities: identities.length,
    genuine: probes.length,
    true_accepts: trueAccepts,
    tar: ratio(trueAccepts, probes.length),
    misidentified,
    unknown,
    false_accepts: falseAccepts,
    far: ratio(falseAccepts, unknown),
    threshold: match.threshold,
    impostor_pairs: impostor.length,
    impostor_pairs_below: below(impostor, match.threshold),
    closest_impostor: impostor.length ? round(impostor[0]!, 4) : null,
    ms_per_image: imageCount === 0 ? 0 : round(totalMs / imageCount, 1),
    ...(grouped ? { groups: Object.fromEntries([...groups.entries()].sort(([a], [b]) => byName(a, b))) } : {}),
  }
}

const USAGE = `usage: npm run -s face:eval -- <dir> [--model ${FACE_MODEL.id}|${LEGACY_FACE_MODEL_ID}] [--split tune|report]
         [--threshold x] [--margin y] [--sweep a:b:step]
       npm run -s face:eval -- <dir> --roll-call [--split tune|report] [--class-size 16] [--faces 40:80] [--strangers 3]
         [--seed 1] [--threshold x] [--margin y] [--save DIR]
  <dir>: one folder per identity, holding that person's photos (groups.json / split.json beside them, optional)
`

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--')
  const flags = new Map<string, string>()
  const positional: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--roll-call') flags.set('roll-call', '')
    else if (a.startsWith('--')) flags.set(a.slice(2), args[++i] ?? '')
    else positional.push(a)
  }
  const dir = positional[0]
  const rollCall = flags.has('roll-call')
  const known = new Set(rollCall ? ['roll-call', 'split', 'threshold', 'margin', 'class-size', 'faces', 'strangers', 'seed', 'save'] : ['model', 'split', 'threshold', 'margin', 'sweep'])
  if (!dir || positional.length !== 1 || [...flags.keys()].some((k) => !known.has(k))) {
    process.stderr.write(USAGE)
    process.exit(2)
  }
  const model = flags.get('model') ?? FACE_MODEL.id
  if (model !== FACE_MODEL.id && model !== LEGACY_FACE_MODEL_ID) {
    process.stderr.write(USAGE)
    process.exit(2)
  }
  const legacy = model === LEGACY_FACE_MODEL_ID
  const threshold = Number(flags.get('threshold') ?? (legacy ? 0.5 : DEFAULT_FACE_THRESHOLD))
  const margin = Number(flags.get('margin') ?? (legacy ? 0.05 : DEFAULT_FACE_MARGIN))
  let only: string[] | undefined
  const split = flags.get('split')
  if (split !== undefined) {
    const parts = JSON.parse(fs.readFileSync(path.join(dir, 'split.json'), 'utf8')) as Record<string, unknown>
    const list = parts[split]
    if (!Array.isArray(list)) {
      process.stderr.write(`face:eval: ${dir}/split.json has no "${split}" list\n`)
      process.exit(2)
    }
    only = list.map(String)
  }
  let sweep: number[] | undefined
  const range = flags.get('sweep')
  if (range !== undefined) {
    const [from, to, step] = range.split(':').map(Number)
    if (!(from! > 0 && to! >= from! && step! > 0)) {
      process.stderr.write(USAGE)
      process.exit(2)
    }
    sweep = []
    for (let x = from!; x <= to! + 1e-9; x += step!) sweep.push(Number(x.toFixed(4)))
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    process.stderr.write(`face:eval: ${dir} is not a folder\n`)
    process.exit(2)
  }
  if (rollCall) {
    const [back, front] = (flags.get('faces') ?? '40:80').split(':').map(Number)
    const num = (key: string): number | undefined => (flags.has(key) ? Number(flags.get(key)) : undefined)
    if (!(back! >= 8 && front! >= back!)) {
      process.stderr.write(USAGE)
      process.exit(2)
    }
    const { evaluateRollCall } = await import('./eval-roll-call')
    const summary = await evaluateRollCall(dir, (line) => process.stdout.write(`${line}\n`), { threshold, margin }, {
      only,
      classSize: num('class-size'),
      faceSizes: { back: back!, front: front! },
      strangerEvery: num('strangers'),
      seed: num('seed'),
      save: flags.get('save'),
    })
    process.stdout.write(`${JSON.stringify(summary)}\n`)
    return
  }
  const summary = await evaluate(dir, (line) => process.stdout.write(`${line}\n`), { threshold, margin }, { model: model as EvaluateOptions['model'], only, sweep })
  process.stdout.write(`${JSON.stringify(summary)}\n`)
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  main().catch((err: unknown) => {
    process.stderr.write(`face:eval failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
