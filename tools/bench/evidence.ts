// The server's evidence check (server/face/evidence.ts analyseEvidence): how many evidence images (face crops of a
// capture's liveness key frames) the server analyses per second, in the worker pool of server/face/pool.ts with one
// worker per core, beside the same pool with a single worker (the baseline: one core). Captures are rendered from the
// real photos (tools/test-support/evidence.ts, cached in the OS temp folder), two head turns + 3 frontal frames = 8 images
// each; the captures of a round are submitted together, as the verification job would when a batch of records syncs.
// An evidence image is a face crop (<= 256 px, the face filling about half of it), not a whole photo: its own rows say
// so, per image (one worker) beside a whole photo analysed in the same worker, and per core.
import os from 'node:os'
import { decodeEvidenceImage, analyseEvidence, EVIDENCE_DETECTOR } from '../../server/face/evidence'
import { FacePool } from '../../server/face/pool'
import { EVIDENCE_PEOPLE, renderEvidence } from '../test-support/evidence'
import { facePhoto } from '../test-support/faces'
import { median, progress, round, row, type Row } from './lib'

interface Capture {
  frames: { t: number; image: Uint8Array }[]
  steps: ('turn_left' | 'turn_right')[]
}

async function rate(pool: FacePool, captures: Capture[], rounds: number): Promise<{ imagesPerS: number; frameMs: number[]; captureMs: number[]; failures: number }> {
  await pool.warm()
  // Warm-up: one capture (JIT, first inference of each worker).
  await Promise.all(Array.from({ length: pool.size }, (_, i) => analyseEvidence(captures[i % captures.length]!.frames, captures[i % captures.length]!.steps, { pool })))
  const frameMs: number[] = []
  const captureMs: number[] = []
  let images = 0
  let failures = 0
  const t0 = performance.now()
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.all(captures.map((c) => analyseEvidence(c.frames, c.steps, { pool })))
    for (const a of results) {
      images += a.frames.length
      captureMs.push(a.timing.wallMs)
      for (const f of a.frames) frameMs.push(f.ms)
      if (!a.samePerson || !a.liveness.passed) failures++
    }
  }
  return { imagesPerS: (images * 1000) / (performance.now() - t0), frameMs, captureMs, failures }
}

export async function benchEvidence(options: { captures: number; rounds: number; workers?: number }): Promise<Row[]> {
  const workers = options.workers ?? Math.max(1, os.availableParallelism())
  const photos = EVIDENCE_PEOPLE.map((p) => p.photos[0] as string).slice(0, options.captures)
  progress(`evidence: rendering ${photos.length} captures (cached after the first run)`)
  const captures: Capture[] = []
  for (const [i, photo] of photos.entries()) {
    const steps: Capture['steps'] = i % 2 === 0 ? ['turn_left', 'turn_right'] : ['turn_right', 'turn_left']
    const evidence = await renderEvidence(photo, steps)
    captures.push({ frames: evidence.frames.map((f) => ({ t: f.t, image: decodeEvidenceImage(f.image) })), steps })
  }
  const images = captures.reduce((s, c) => s + c.frames.length, 0)

  progress(`evidence: ${images} images × ${options.rounds} rounds on 1 worker (baseline)`)
  const single = new FacePool({ size: 1 })
  let one: Awaited<ReturnType<typeof rate>>
  // The whole photos the captures were rendered from, analysed in the same (warm) worker as a registration photo is
  // (SSD MobileNet on the whole image + landmarks + descriptor): the baseline of the per-image row.
  const wholeMs: number[] = []
  const wholeSizes: string[] = []
  try {
    one = await rate(single, captures, options.rounds)
    for (const photo of photos) {
      const bytes = new Uint8Array(facePhoto(photo))
      const traced = await single.extractTraced(bytes, 'ssd')
      wholeMs.push(traced.ms)
      wholeSizes.push(`${traced.result.width}×${traced.result.height}`)
    }
  } finally {
    await single.close()
  }
  progress(`  1 worker: ${round(one.imagesPerS, 2)} images/s; a face crop ${round(median(one.frameMs), 0)} ms, a whole photo ${round(median(wholeMs), 0)} ms (median)`)
  progress(`evidence: the same on ${workers} workers`)
  const pool = new FacePool({ size: workers })
  let many: Awaited<ReturnType<typeof rate>>
  let loadMs: number[]
  try {
    many = await rate(pool, captures, options.rounds)
    loadMs = pool.stats().loadMs
  } finally {
    await pool.close()
  }
  progress(`  ${workers} workers: ${round(many.imagesPerS, 2)} images/s`)

  const detector = EVIDENCE_DETECTOR === 'ssd' ? 'SSD MobileNet' : `TinyFaceDetector ${EVIDENCE_DETECTOR.tiny}`
  const crop = `decode + ${detector} (SSD again only when it refuses) + 68 landmarks + aligned descriptor of a ≤256 px face crop`
  const note = (r: typeof one) =>
    `per image in a worker (${crop}) median ${round(median(r.frameMs), 0)} ms; a capture of 8 images ${round(median(r.captureMs), 0)} ms median wall`
  const failed = many.failures + one.failures ? `; ${many.failures + one.failures} captures did NOT pass (expected none)` : ''
  const wholeSizesSeen = [...new Set(wholeSizes)].join(', ')
  return [
    row({
      id: 'face.crop_ms',
      name: 'server face analysis of a face crop (≤256 px evidence image), per image, median, one worker',
      value: round(median(one.frameMs), 0),
      unit: 'ms',
      baseline: round(median(wholeMs), 0),
      baseline_name: 'a whole photo (SSD MobileNet + landmarks + descriptor) in the same worker',
      better: 'lower',
      note:
        `median over ${one.frameMs.length} evidence images (${captures.length} rendered captures × ${options.rounds} rounds, 8 crops each) analysed one at a time by a pool of 1 worker thread: ` +
        `the time inside the worker (${crop}); ` +
        `baseline: the ${wholeMs.length} whole photos the captures were rendered from (${wholeSizesSeen} px), each analysed once in that worker afterwards ` +
        `(SSD MobileNet at 512 on the whole image, as a registration photo is); the whole-photo row at the top is the same kind of analysis on this thread, over other photos`,
    }),
    row({
      id: 'evidence.per_core',
      name: `server face analysis of face crops: images per second per core (pool of ${workers} workers, all busy)`,
      value: round(many.imagesPerS / workers, 2),
      unit: 'images/s',
      baseline: round(one.imagesPerS, 2),
      baseline_name: 'pool of 1 worker (one core)',
      better: 'higher',
      note:
        `evidence images (face crops, not whole photos) analysed per second by the pool of ${workers} workers ÷ ${workers} cores: ` +
        `${captures.length} rendered captures × ${options.rounds} rounds (${images * options.rounds} images), all captures of a round submitted at once; ${note(many)}; ` +
        `baseline: the same images on a pool of 1 worker (one core, nothing else queued on it): ${note(one)}; model load per worker ${loadMs.map((x) => round(x, 0)).join(', ')} ms${failed}`,
    }),
    row({
      id: 'evidence.rate',
      name: `server face analysis of face crops: images per second, whole server (${workers} workers)`,
      value: round(many.imagesPerS, 2),
      unit: 'images/s',
      baseline: round(one.imagesPerS, 2),
      baseline_name: 'pool of 1 worker',
      better: 'higher',
      note: `ratio = speed-up of ${workers} workers over 1 (the machine's other load shares the cores); ${round(many.imagesPerS / 8, 2)} captures of 8 images per second`,
    }),
  ]
}
