// Face benchmark: model load time, server-side analysis time per image (a whole photo, and a face crop), and 1:N
// identify over a synthetic gallery. On this thread, one image at a time (one core).
//
//   npx tsx tools/bench/face-inference.ts [photoDir] [--gallery N]
//
// photoDir (whole photos: SSD MobileNet + landmarks + descriptor, as a registration photo) defaults to
// ../shared/faces/people; the face crops are ../shared/faces/crops scaled to 256 px (the size of an evidence crop),
// analysed with the evidence check's detector (EVIDENCE_DETECTOR). Either is skipped if missing. Prints
// human-readable lines, then one JSON line. `npm run bench` reports the same two analyses as rows (evidence.ts).

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { DEFAULT_MATCH_OPTIONS, identify, type FaceGallery } from '../../shared/face/match'
import sharp from 'sharp'
import { extractFaces, extractFacesWith, loadFaceModels } from '../../server/face/inference'
import { EVIDENCE_DETECTOR } from '../../server/face/evidence'

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2).filter((a) => a !== '--')
const galleryFlag = args.indexOf('--gallery')
const gallerySize = galleryFlag >= 0 ? Number(args.splice(galleryFlag, 2)[1]) : 100_000
const photoDir = args[0] ?? path.resolve(here, '../../../shared/faces/people')
const cropDir = path.resolve(here, '../../../shared/faces/crops')

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0
}
const r1 = (x: number): number => Number(x.toFixed(1))
const r2 = (x: number): number => Number(x.toFixed(2))

/** Park–Miller + Box–Muller: reproducible gaussian-ish descriptors with the spread of real ones (norm ~1.4). */
function gaussianSource(seed: number): () => number {
  let s = seed
  const uniform = (): number => (s = (s * 16807) % 2147483647) / 2147483647
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

function syntheticGallery(size: number, perMember: number): FaceGallery {
  const gauss = gaussianSource(12345)
  const descriptors = new Float32Array(size * FACE_DESCRIPTOR_LENGTH)
  const memberIds = new Int32Array(size)
  const center = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let r = 0; r < size; r++) {
    if (r % perMember === 0) for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) center[i] = gauss() * 0.12
    // Each member's descriptors scatter ~0.3 (L2) around the member's centre, like photos of one person.
    for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) descriptors[r * FACE_DESCRIPTOR_LENGTH + i] = (center[i] as number) + gauss() * 0.02
    memberIds[r] = Math.floor(r / perMember) + 1
  }
  return { descriptors, memberIds, size }
}

async function main(): Promise<void> {
  const loadStart = performance.now()
  const info = await loadFaceModels()
  const modelLoadMs = performance.now() - loadStart
  console.log(`models: ${modelLoadMs.toFixed(0)} ms (backend ${info.backend}, simd ${info.simd}, threads ${info.threads})`)

  const perImage: number[] = []
  let firstImageMs: number | null = null
  if (fs.existsSync(photoDir)) {
    const files = fs
      .readdirSync(photoDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(photoDir, f))
      const t = performance.now()
      await extractFaces(bytes)
      const ms = performance.now() - t
      if (firstImageMs === null) firstImageMs = ms
      else perImage.push(ms)
    }
    console.log(
      `whole photo (SSD MobileNet + landmarks + descriptor): ${files.length} images from ${photoDir}; first ${firstImageMs?.toFixed(0)} ms, then median ` +
      `${median(perImage).toFixed(0)} ms, mean ${(perImage.reduce((a, b) => a + b, 0) / Math.max(1, perImage.length)).toFixed(0)} ms`,
    )
  } else {
    console.log(`whole photo: skipped, ${photoDir} not found`)
  }

  // A face crop, as the evidence check analyses each liveness key frame: one face filling much of a <= 256 px image.
  const perCrop: number[] = []
  if (fs.existsSync(cropDir)) {
    const files = fs
      .readdirSync(cropDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
    const crops = await Promise.all(files.map(async (f) => new Uint8Array(await sharp(path.join(cropDir, f)).resize(256, 256, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer())))
    if (crops[0]) await extractFacesWith(crops[0], EVIDENCE_DETECTOR) // warm-up (the detector's first run)
    for (const crop of crops) {
      const t = performance.now()
      await extractFacesWith(crop, EVIDENCE_DETECTOR)
      perCrop.push(performance.now() - t)
    }
    const detector = EVIDENCE_DETECTOR === 'ssd' ? 'SSD MobileNet' : `TinyFaceDetector ${EVIDENCE_DETECTOR.tiny}`
    console.log(
      `face crop (${detector} + landmarks + descriptor, 256 px JPEG): ${crops.length} crops from ${cropDir}; median ${median(perCrop).toFixed(0)} ms ` +
      `per image, ${(1000 / Math.max(1e-9, median(perCrop))).toFixed(1)} images/s on this one core`,
    )
  } else {
    console.log(`face crop: skipped, ${cropDir} not found`)
  }

  const buildStart = performance.now()
  const gallery = syntheticGallery(gallerySize, 5)
  const buildMs = performance.now() - buildStart
  const gauss = gaussianSource(999)
  const randomProbe = (): Float32Array => Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, () => gauss() * 0.12)
  const enrolledProbe = (): Float32Array => {
    const row = Math.floor(Math.abs(gauss() * 7919) % gallery.size)
    return Float32Array.from(gallery.descriptors.subarray(row * FACE_DESCRIPTOR_LENGTH, (row + 1) * FACE_DESCRIPTOR_LENGTH), (v) => v + gauss() * 0.02)
  }
  for (let i = 0; i < 5; i++) identify(gallery, randomProbe(), DEFAULT_MATCH_OPTIONS) // warm-up (JIT)
  const time = (makeProbe: () => Float32Array, runs: number): number[] =>
    Array.from({ length: runs }, () => {
      const probe = makeProbe()
      const t = performance.now()
      identify(gallery, probe, DEFAULT_MATCH_OPTIONS)
      return performance.now() - t
    })
  // Baseline: the plainest possible scan (min squared distance only), to tell the matcher's overhead from machine load.
  const rawScan = (probe: Float32Array): number => {
    const data = gallery.descriptors
    let best = Infinity
    for (let r = 0, off = 0; r < gallery.size; r++, off += FACE_DESCRIPTOR_LENGTH) {
      let sum = 0
      for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) {
        const d = (data[off + i] as number) - (probe[i] as number)
        sum += d * d
      }
      if (sum < best) best = sum
    }
    return best
  }
  for (let i = 0; i < 5; i++) rawScan(randomProbe())
  const rawTimes = Array.from({ length: 50 }, () => {
    const probe = randomProbe()
    const t = performance.now()
    rawScan(probe)
    return performance.now() - t
  })
  const unknownTimes = time(randomProbe, 50)
  const enrolledTimes = time(enrolledProbe, 50)
  console.log(
    `identify over ${gallery.size} descriptors (${gallery.size / 5} members, ${((gallery.descriptors.byteLength) / 1e6).toFixed(1)} MB, built in ` +
    `${buildMs.toFixed(0)} ms): unknown probe median ${median(unknownTimes).toFixed(2)} ms (p95 ${percentile(unknownTimes, 95).toFixed(2)}), ` +
    `enrolled probe median ${median(enrolledTimes).toFixed(2)} ms (p95 ${percentile(enrolledTimes, 95).toFixed(2)}); ` +
    `plain min-distance loop for comparison ${median(rawTimes).toFixed(2)} ms`,
  )

  console.log(
    JSON.stringify({
      model_load_ms: r1(modelLoadMs),
      backend: info.backend,
      simd: info.simd,
      threads: info.threads,
      images: perImage.length + (firstImageMs === null ? 0 : 1),
      first_image_ms: firstImageMs === null ? null : r1(firstImageMs),
      ms_per_image_median: r1(median(perImage)),
      ms_per_image_mean: r1(perImage.reduce((a, b) => a + b, 0) / Math.max(1, perImage.length)),
      crops: perCrop.length,
      crop_ms_per_image_median: perCrop.length ? r1(median(perCrop)) : null,
      crop_images_per_s_one_core: perCrop.length ? r1(1000 / median(perCrop)) : null,
      gallery_descriptors: gallery.size,
      identify_ms_median: r2(median(unknownTimes)),
      identify_ms_p95: r2(percentile(unknownTimes, 95)),
      identify_enrolled_ms_median: r2(median(enrolledTimes)),
      identify_enrolled_ms_p95: r2(percentile(enrolledTimes, 95)),
      plain_scan_ms_median: r2(median(rawTimes)),
    }),
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
