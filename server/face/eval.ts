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
// Human-readable lines first; the LAST line is one JSON object:
// {"identities":N,"genuine":G,"true_accepts":T,"tar":T/G,"misidentified":M,"unknown":U,"false_accepts":F,"far":F/U,
//  "threshold":x,"ms_per_image":y}

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGallery, DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, galleryWithout, identify, type MatchOptions } from '../../shared/face/match'
import { describeSingleFace, loadFaceModels, type DescribeResult } from './inference'

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.bmp'])
const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true })

interface Photo {
  identity: number
  name: string
  file: string
  result: DescribeResult
  ms: number
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
  ms_per_image: number
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits))
const ratio = (a: number, b: number): number => (b === 0 ? 0 : round(a / b, 4))
const fmt = (d: number | null): string => (d === null ? '-' : d.toFixed(3))

export async function evaluate(dir: string, log: (line: string) => void, match: MatchOptions): Promise<EvalSummary> {
  const identities = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byName)
  if (identities.length === 0) throw new Error(`no identity folders in ${dir}`)

  const info = await loadFaceModels()
  log(
    `models loaded in ${info.loadMs.toFixed(0)} ms (face-api ${info.faceApiVersion}, tfjs ${info.tfjsVersion}, ` +
      `backend ${info.backend}, simd ${info.simd ? 'on' : 'off'}, threads ${info.threads ? 'on' : 'off'})`,
  )
  log(`${identities.length} identities in ${dir}; threshold ${match.threshold}, margin ${match.margin}`)

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
      const started = performance.now()
      const result = await describeSingleFace(bytes)
      const ms = performance.now() - started
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
      `${name}: ${list.length} photos, enrolled ${enrolled.length}/${enrol.length}` +
        (enrol.length ? ` (${enrol.map((p) => p.file + (p.result.ok ? '' : ' FAILED')).join(', ')})` : '') +
        `, genuine probes: ${list.length - enrol.length}`,
    )
  }
  const gallery = buildGallery(entries)

  let trueAccepts = 0
  let misidentified = 0
  for (const p of probes) {
    if (!p.result.ok) {
      log(`genuine ${p.name}/${p.file}: failed probe (${p.result.reason})`)
      continue
    }
    const r = identify(gallery, p.result.descriptor, match)
    const best = r.memberId === null ? '-' : identities[r.memberId]
    let verdict: string
    if (r.verified && r.memberId === p.identity) {
      trueAccepts++
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
    for (const p of list) {
      unknown++
      if (!p.result.ok) continue
      const r = identify(without, p.result.descriptor, match)
      if (r.verified) {
        accepted++
        log(`unknown ${name}/${p.file}: FALSE ACCEPT as ${identities[r.memberId ?? -1] ?? '?'} d=${fmt(r.distance)}`)
      }
    }
    falseAccepts += accepted
    log(`unknown ${name} (removed from the gallery): ${list.length} probes, ${accepted} false accepts`)
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
    ms_per_image: imageCount === 0 ? 0 : round(totalMs / imageCount, 1),
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--')
  const dir = args[0]
  if (!dir || args.length !== 1) {
    process.stderr.write('usage: npm run -s face:eval -- <dir>   (one folder per identity, holding that person\'s photos)\n')
    process.exit(2)
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    process.stderr.write(`face:eval: ${dir} is not a folder\n`)
    process.exit(2)
  }
  const summary = await evaluate(dir, (line) => process.stdout.write(line + '\n'), {
    threshold: DEFAULT_FACE_THRESHOLD,
    margin: DEFAULT_FACE_MARGIN,
  })
  process.stdout.write(JSON.stringify(summary) + '\n')
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  main().catch((err: unknown) => {
    process.stderr.write(`face:eval failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
