// `npm run bench`: what users feel, each figure beside a baseline measured in the same run.
//
//   npm run bench                 full sizes (at most ~10 minutes on the 2-core CI machine)
//   npm run bench -- --quick      smaller sizes (under ~3 minutes), same files
//   options: --no-build (use dist/ as it is), --only a,b (sections: identify, identify-browser, evidence,
//            startup, server (verify and sync), sync, browser, dashboard, rush)
//
// Uses the production build (`npm run build` when dist/ is older than the sources), PostgreSQL at HADIR_TEST_PG_URL
// (default postgres://postgres@127.0.0.1:5432/postgres; every bench makes and drops its own database), Debian's
// Chromium, and the real photos in ../shared/faces. Progress goes to stderr; the table to stdout, and to
// bench/results.json + bench/results.md. Timings are printed, never asserted: the machine is shared and noisy.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fitDescriptorModel, realFaces, Rng, SyntheticFaces, type RealFace } from './generators'
import type { World } from './world'
import { ensureBuild, machine, median, notMeasured, progress, ROOT, round, row, type Row } from './lib'

const argv = process.argv.slice(2).filter((a) => a !== '--')
const quick = argv.includes('--quick')
const onlyFlag = argv.indexOf('--only')
const only = onlyFlag >= 0 ? new Set((argv[onlyFlag + 1] ?? '').split(',')) : null
const want = (section: string) => !only || only.has(section)

/** Sizes: full, and --quick. */
const SIZES = quick
  ? { identify: [1_000, 10_000, 100_000], identifyProbes: 12, worldMembers: 500, verifySeconds: 4, syncRecords: 600, syncPhotoRecords: 200, syncRounds: 3, syncWarmUp: 1_200, startups: 1, listRecords: 100_000, listRuns: 12, reportRuns: 3, importMembers: 2_000, frames: 6, webglFrames: 0, extractPhotos: 4, evidenceCaptures: 3, evidenceRounds: 1, rushDevices: 10, rushPerDevice: 4 }
  : { identify: [1_000, 10_000, 100_000], identifyProbes: 40, worldMembers: 2_000, verifySeconds: 10, syncRecords: 9_000, syncPhotoRecords: 1_500, syncRounds: 15, syncWarmUp: 3_000, startups: 3, listRecords: 1_000_000, listRuns: 30, reportRuns: 5, importMembers: 10_000, frames: 20, webglFrames: 4, extractPhotos: 14, evidenceCaptures: 7, evidenceRounds: 2, rushDevices: 25, rushPerDevice: 8 }

const CACHE = path.join(ROOT, 'test-results', 'bench')

/** The real photos' descriptors (cached between runs: extracting them takes ~1 s a photo on this machine). */
async function realFacesCached(): Promise<{ faces: RealFace[]; extraction: Row | null }> {
  const file = path.join(CACHE, 'real-faces.json')
  type Cached = { identity: string; file: string; descriptor: number[]; mtime: number }[]
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Cached
    if (cached.length > 0 && cached.every((c) => fs.existsSync(c.file) && fs.statSync(c.file).mtimeMs === c.mtime)) {
      // Still time a few extractions, for the row.
      const sample = await realFaces(2, SIZES.extractPhotos)
      return { faces: cached.map((c) => ({ identity: c.identity, file: c.file, descriptor: Float32Array.from(c.descriptor) })), extraction: extractionRow(sample.extractMs, sample.modelLoadMs) }
    }
  } catch {
    // no cache yet
  }
  const all = await realFaces(Infinity)
  fs.mkdirSync(CACHE, { recursive: true })
  fs.writeFileSync(file, JSON.stringify(all.faces.map((f) => ({ identity: f.identity, file: f.file, descriptor: Array.from(f.descriptor), mtime: fs.statSync(f.file).mtimeMs }))))
  return { faces: all.faces, extraction: extractionRow(all.extractMs, all.modelLoadMs) }
}

function extractionRow(ms: number[], loadMs: number): Row {
  const steady = ms.slice(1)
  return row({
    id: 'server.extract',
    name: 'server face extraction per photo (SSD MobileNet + landmarks + descriptor, WASM)',
    value: round(median(steady.length ? steady : ms), 0),
    unit: 'ms',
    better: 'lower',
    note: `median of ${steady.length || ms.length} real photos after the first; model load ${round(loadMs, 0)} ms`,
  })
}

async function section(rows: Row[], name: string, fallback: { id: string; name: string; unit: string }[], fn: () => Promise<Row[]>): Promise<void> {
  const t0 = performance.now()
  try {
    rows.push(...(await fn()))
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err)
    progress(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`)
    for (const f of fallback) if (!rows.some((r) => r.id === f.id)) rows.push(notMeasured(f.id, f.name, f.unit, `${name} failed (${message.slice(0, 200)})`))
  }
  progress(`${name}: ${round((performance.now() - t0) / 1000, 0)} s`)
}

function fmt(x: number | null, unit: string): string {
  if (x === null) return '—'
  const s = Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en') : String(x)
  return `${s} ${unit}`
}

export function markdown(result: { date: string; machine: string; mode: string; durationS: number; load?: { start: number[]; end: number[] }; rows: Row[] }): string {
  const lines = [
    '# Benchmark results',
    '',
    `${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.mode} run (${result.durationS} s), on ${result.machine}, PostgreSQL at 127.0.0.1, Debian Chromium headless.`,
    `Written by \`npm run bench${result.mode === 'quick' ? ' -- --quick' : ''}\` (tools/bench/). Figures are noisy (a small, possibly shared machine${result.load ? `; load average ${result.load.start[0]} at the start, ${result.load.end[0]} at the end` : ''});`,
    'each baseline was measured in the same run, next to its figure. Ratio = figure ÷ baseline.',
    '',
    '| figure | value | baseline (same run) | ratio | target |',
    '|---|---|---|---|---|',
  ]
  for (const r of result.rows) {
    const value = r.value === null ? `*${r.note ?? 'not measured'}*` : fmt(r.value, r.unit)
    const baseline = r.baseline === null ? 'none' : `${fmt(r.baseline, r.baseline_unit ?? r.unit)}: ${r.baseline_name}`
    const ratio = r.ratio === null ? '—' : `${r.ratio}×${r.better ? ` (${r.better} is better)` : ''}`
    lines.push(`| ${r.name} | ${value} | ${baseline} | ${ratio} | ${r.target ?? ''} |`)
  }
  lines.push('', '## How each figure was taken', '')
  for (const r of result.rows) if (r.note && r.value !== null) lines.push(`- **${r.name}**: ${r.note}`)
  return `${lines.join('\n')}\n`
}

/** The benches that need the production server: the API, the browser, the dashboard. */
async function worldSections(world: World, rows: Row[], real: RealFace[], faces: SyntheticFaces): Promise<void> {
  if (want('server')) {
    const { benchVerify } = await import('./verify')
    await section(rows, '/api/face/verify', [{ id: 'verify.rps', name: '/api/face/verify requests/s', unit: 'req/s' }], () => benchVerify(world, faces, { seconds: SIZES.verifySeconds, concurrency: 8 }))
  }
  if (want('server') || want('sync')) {
    const { benchSync } = await import('./sync')
    await section(rows, 'sync ingest', [
      { id: 'sync.no_photos', name: 'sync ingest without photos', unit: 'records/s' },
      { id: 'sync.photos', name: 'sync ingest with photos', unit: 'records/s' },
    ], () => benchSync(world, { records: SIZES.syncRecords, photoRecords: SIZES.syncPhotoRecords, rounds: SIZES.syncRounds, warmUpRecords: SIZES.syncWarmUp }))
  }
  if (want('browser')) {
    const { benchFirstLoad } = await import('./browser/firstload')
    await section(rows, 'bytes on the wire', [
      { id: 'wire.phone', name: 'a phone opening /m for the first time, bytes on the wire', unit: 'KB' },
      { id: 'wire.face', name: 'the face runtime a phone downloads at its first face screen', unit: 'KB' },
      { id: 'wire.tablet', name: 'a petugas tablet: /p and what it keeps at enrolment', unit: 'KB' },
      { id: 'wire.dashboard', name: 'a desktop opening the dashboard sign-in', unit: 'KB' },
    ], () => benchFirstLoad(world.server.url))
    const { benchBrowserFaces } = await import('./browser/faces')
    await section(rows, 'browser faces', [
      { id: 'browser.pipeline.wasm', name: 'browser face pipeline per frame, WASM, in the app', unit: 'ms' },
      { id: 'browser.kiosk.cold', name: 'kiosk: open /p/kiosk to the first recognised face, cold', unit: 'ms' },
      { id: 'browser.kiosk.warm', name: 'kiosk: open /p/kiosk to the first recognised face, warm', unit: 'ms' },
      { id: 'browser.pipeline.webgl', name: 'browser face pipeline per frame, WebGL, in the app', unit: 'ms' },
    ], () => benchBrowserFaces(world, real, { frames: SIZES.frames, webglFrames: SIZES.webglFrames }))
  }
  if (want('dashboard')) {
    const dashboard = await import('./dashboard')
    const fallback = [
      { id: 'list.unfiltered', name: 'attendance list, first page, no filters, p95', unit: 'ms' },
      { id: 'list.filtered', name: 'attendance list, first page, with filters, p95', unit: 'ms' },
    ]
    let records = 0
    await section(rows, 'attendance list', fallback, async () => {
      records = await dashboard.seedAttendance(world, Math.round(SIZES.listRecords / world.members.length))
      return dashboard.benchList(world, records, SIZES.listRuns)
    })
    await section(rows, 'monthly report', [{ id: 'report.monthly.xlsx', name: 'monthly report to .xlsx', unit: 'ms' }], () => dashboard.benchReport(world, SIZES.reportRuns))
    await section(rows, 'Excel import', [{ id: 'import.10k', name: 'Excel import of members', unit: 'ms' }], () => dashboard.benchImport(world, SIZES.importMembers))
  }
  if (want('rush')) {
    const { benchRush } = await import('./rush')
    await section(rows, 'morning rush verified', [
      { id: 'rush.verified_rate', name: 'morning rush: records fully verified per second', unit: 'records/s' },
      { id: 'rush.10k_minutes', name: 'morning rush 500 devices x 20 records: time until fully verified', unit: 'min' },
    ], () => benchRush(world, { devices: SIZES.rushDevices, perDevice: SIZES.rushPerDevice }))
  }
}

async function main(): Promise<void> {
  const t0 = performance.now()
  const loadAtStart = os.loadavg().map((x) => round(x, 2))
  const rows: Row[] = []
  progress(`Hadir benchmarks (${quick ? 'quick' : 'full'}) on ${machine()}`)
  if (!argv.includes('--no-build')) {
    progress('production build: checking dist/')
    progress(`  ${ensureBuild(false)}`)
  }
  progress('real photos: server descriptors (for the descriptor model and the browser benches)')
  const real = await realFacesCached()
  if (real.extraction) rows.push(real.extraction)
  const model = fitDescriptorModel(real.faces)
  const faces = new SyntheticFaces(model, new Rng(1124))
  const check = faces.check()
  progress(
    `  descriptor model from ${real.faces.length} real photos: norm ${round(model.real.norm, 2)}, same person ${round(model.real.samePerson, 2)}, different people ${round(model.real.otherPerson, 2)}; ` +
    `synthetic: norm ${round(check.norm, 2)}, same ${round(check.samePerson, 2)}, different ${round(check.otherPerson, 2)}`,
  )

  if (want('identify')) {
    const { benchIdentify } = await import('./identify')
    await section(rows, '1:N identify', [], () => benchIdentify(faces, SIZES.identify, SIZES.identifyProbes))
  }
  if (want('identify-browser')) {
    const { benchBrowserIdentify } = await import('./browser/identify')
    const members = Math.max(...SIZES.identify)
    const label = `${members / 1000}k`
    await section(rows, '1:N identify in Chromium', [
      { id: `browser.identify.${label}`, name: `1:N identify in the kiosk's browser (Chromium), ${label} members × 3, median`, unit: 'ms' },
      { id: `browser.identify.${label}.x5`, name: `1:N identify in the kiosk's browser (Chromium), ${label} members × 5, median`, unit: 'ms' },
    ], () => benchBrowserIdentify(faces, { members, templates: [3, 5], probes: SIZES.identifyProbes }))
  }
  if (want('evidence')) {
    const { benchEvidence } = await import('./evidence')
    await section(rows, 'evidence check', [
      { id: 'evidence.per_core', name: 'evidence check: images analysed per second per core', unit: 'images/s' },
      { id: 'evidence.rate', name: 'evidence check: images analysed per second, whole server', unit: 'images/s' },
    ], () => benchEvidence({ captures: SIZES.evidenceCaptures, rounds: SIZES.evidenceRounds }))
  }
  if (want('startup')) {
    const { benchStartup } = await import('./startup')
    await section(rows, 'cold start', [
      { id: 'startup.embedded', name: 'server cold start, embedded', unit: 'ms' },
      { id: 'startup.postgres', name: 'server cold start, PostgreSQL', unit: 'ms' },
    ], () => benchStartup(SIZES.startups))
  }
  if (want('server') || want('sync') || want('browser') || want('dashboard') || want('rush')) {
    const { createWorld } = await import('./world')
    progress(`the production server on PostgreSQL, ${SIZES.worldMembers.toLocaleString('en')} members`)
    let world: Awaited<ReturnType<typeof createWorld>> | null = null
    try {
      world = await createWorld({ members: SIZES.worldMembers, faces, perMember: 3 })
    } catch (err) {
      progress(`the production server could not be set up: ${err instanceof Error ? (err.stack ?? err.message) : err}`)
      const why = `the production server could not be set up (${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 160) : String(err)})`
      for (const [id, name, unit] of [
        ['verify.rps', '/api/face/verify requests/s', 'req/s'],
        ['sync.no_photos', 'sync ingest without photos', 'records/s'],
        ['sync.photos', 'sync ingest with photos', 'records/s'],
        ['wire.phone', 'a phone opening /m for the first time, bytes on the wire', 'KB'],
        ['browser.pipeline.wasm', 'browser face pipeline per frame, WASM', 'ms'],
        ['browser.kiosk.cold', 'kiosk to the first recognised face, cold', 'ms'],
        ['list.unfiltered', 'attendance list p95', 'ms'],
        ['report.monthly.xlsx', 'monthly report to .xlsx', 'ms'],
        ['import.10k', 'Excel import of members', 'ms'],
      ] as const) { rows.push(notMeasured(id, name, unit, why)) }
    }
    if (world) {
      try {
        await worldSections(world, rows, real.faces, faces)
      } finally {
        await world.close()
      }
    }
  }

  const durationS = Math.round((performance.now() - t0) / 1000)
  const result = { date: new Date().toISOString(), machine: machine(), mode: quick ? 'quick' : 'full', durationS, load: { start: loadAtStart, end: os.loadavg().map((x) => round(x, 2)) }, rows }
  const out = path.join(ROOT, 'bench')
  fs.mkdirSync(out, { recursive: true })
  fs.writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`)
  fs.writeFileSync(path.join(out, 'results.md'), markdown(result))
  process.stdout.write(markdown(result))
  progress(`done in ${durationS} s: bench/results.json, bench/results.md`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
