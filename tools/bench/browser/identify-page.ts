// The page side of the kiosk's 1:N bench (identify.ts beside it bundles this file with esbuild and opens it in headless
// Chromium). It runs what kiosk mode runs, where kiosk mode runs it: on the page's main thread (only the face engine
// lives in a worker), KioskMode.vue's matcher — identifyMatcher (src/kiosk/observe.ts) over useKiosk's gallery, which
// is galleryOfRows (src/kiosk/gallery.ts) of the rows the tablet keeps in IndexedDB (one ArrayBuffer of packed float32
// descriptors a member), its index built by prepareGallery as the tablet does when idle. The members are drawn here,
// in the page, from the descriptor model the bench fitted to the real photos (no 600 MB to send).
import { FACE_DESCRIPTOR_LENGTH } from '../../../shared/face/descriptor'
import { DEFAULT_MATCH_OPTIONS, type FaceGallery, identify, type IdentifyResult, indexKernels, type MatchOptions, prepareGallery } from '../../../shared/face/match'
import { type KernelKind, wasmSimdAvailable } from '../../../shared/face/match-kernel'
import { galleryOfRows, recognisedRows } from '../../../src/kiosk/gallery'
import { identifyMatcher } from '../../../src/kiosk/observe'
import type { DescriptorEntry } from '../../../src/offline/db'
import { Rng, SyntheticFaces } from '../descriptors'

export interface PageParams {
  members: number
  templates: number
  /** Timed probes (after WARM_UP more), half of them captures of enrolled members. */
  probes: number
  seed: number
  model: { mean: number[]; between: number[]; within: number }
}

export interface PageBuild {
  /** Whether this page compiled the WebAssembly SIMD kernel (else identify() has no index and scans). */
  simd: boolean
  /** The kernel of each of the index's shards (empty: no index). */
  kernels: KernelKind[]
  rowsBytes: number
  galleryBytes: number
  indexBytes: number
  /** Drawing the members, galleryOfRows, prepareGallery. */
  drawMs: number
  galleryMs: number
  indexMs: number
  crossOriginIsolated: boolean
}

export interface PageTimes {
  /** The kiosk's matcher, one call a probe. */
  identifyMs: number[]
  /** The full scan (the baseline and the reference), one a probe. */
  scanMs: number[]
  /** Probes the full scan accepts (threshold and margin). */
  recognised: number
}

export interface IdentifyPage {
  build: (params: PageParams) => PageBuild
  measure: () => PageTimes
}

const WARM_UP = 3

let state: { gallery: FaceGallery; rows: DescriptorEntry[]; probes: Float32Array[] } | null = null

function build(params: PageParams): PageBuild {
  const D = FACE_DESCRIPTOR_LENGTH
  const model = { mean: Float32Array.from(params.model.mean), between: Float32Array.from(params.model.between), within: params.model.within, real: { norm: 0, samePerson: 0, otherPerson: 0 } }
  const faces = new SyntheticFaces(model, new Rng(params.seed))
  const total = WARM_UP + params.probes
  // The members the enrolled probes are new captures of (tools/bench/identify.ts's choice: every 7919th, round the gallery).
  const enrolledProbe = (i: number) => (i * 7919) % params.members
  const centres = new Map<number, Float32Array>()
  for (let i = 0; i < total; i += 2) centres.set(enrolledProbe(i), new Float32Array(0))

  let t = performance.now()
  const rows: DescriptorEntry[] = []
  for (let m = 0; m < params.members; m++) {
    const centre = faces.centre()
    if (centres.has(m)) centres.set(m, centre)
    const packed = new Float32Array(params.templates * D)
    for (let k = 0; k < params.templates; k++) packed.set(faces.capture(centre), k * D)
    rows.push({ member_id: m + 1, organization_id: 1, name: `Anggota ${m + 1}`, member_number: null, department_id: null, confusable: false, descriptors: packed.buffer })
  }
  const drawMs = performance.now() - t
  t = performance.now()
  const gallery = galleryOfRows(recognisedRows(rows, 'organization', null))
  const galleryMs = performance.now() - t
  t = performance.now()
  const indexBytes = prepareGallery(gallery)
  const indexMs = performance.now() - t
  const probes = Array.from({ length: total }, (_, i) => faces.capture(i % 2 === 0 ? centres.get(enrolledProbe(i))! : faces.centre()))
  state = { gallery, rows, probes }
  return {
    simd: wasmSimdAvailable(),
    kernels: indexKernels(gallery),
    rowsBytes: rows.reduce((sum, row) => sum + row.descriptors.byteLength, 0),
    galleryBytes: gallery.descriptors.byteLength + gallery.memberIds.byteLength,
    indexBytes,
    drawMs,
    galleryMs,
    indexMs,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  }
}

type Answer = Pick<IdentifyResult, 'memberId' | 'distance' | 'secondMemberId' | 'secondDistance' | 'verified'>

/**
 * The baseline and the reference: every row's squared distance in full, in identify()'s arithmetic (double, four lanes
 * by index mod 4, summed ((s0 + s1) + s2) + s3), the first row at the smallest distance naming the member, the first
 * row of any other member at the smallest distance the second. No index, no early exit.
 */
function fullScan(gallery: FaceGallery, p: Float32Array, options: MatchOptions): Answer {
  const D = FACE_DESCRIPTOR_LENGTH
  const data = gallery.descriptors
  const ids = gallery.memberIds
  let bestId = 0
  let best = Infinity
  let secondId = 0
  let second = Infinity
  for (let r = 0, off = 0; r < gallery.size; r++, off += D) {
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let i = 0; i < D; i += 4) {
      const a = (data[off + i] as number) - (p[i] as number)
      const b = (data[off + i + 1] as number) - (p[i + 1] as number)
      const c = (data[off + i + 2] as number) - (p[i + 2] as number)
      const e = (data[off + i + 3] as number) - (p[i + 3] as number)
      s0 += a * a
      s1 += b * b
      s2 += c * c
      s3 += e * e
    }
    const sum = s0 + s1 + s2 + s3
    const id = ids[r] as number
    if (sum < best) {
      // A new closest row of another member: the old closest is the closest of everyone but the new one.
      if (id !== bestId && best !== Infinity) {
        second = best
        secondId = bestId
      }
      best = sum
      bestId = id
    } else if (id !== bestId && sum < second) {
      second = sum
      secondId = id
    }
  }
  if (best === Infinity) return { memberId: null, distance: null, secondMemberId: null, secondDistance: null, verified: false }
  const distance = Math.sqrt(best)
  const secondDistance = second === Infinity ? null : Math.sqrt(second)
  const verified = distance < options.threshold && (secondDistance === null || secondDistance - distance >= options.margin)
  return { memberId: bestId, distance, secondMemberId: secondDistance === null ? null : secondId, secondDistance, verified }
}

function measure(): PageTimes {
  if (!state) throw new Error('build() first')
  const { gallery, probes } = state
  const options = DEFAULT_MATCH_OPTIONS
  const match = identifyMatcher(gallery, options)
  for (const p of probes.slice(0, WARM_UP)) {
    match(p)
    fullScan(gallery, p, options)
  }
  const timed = probes.slice(WARM_UP)
  const identifyMs = timed.map((p) => {
    const t = performance.now()
    match(p)
    return performance.now() - t
  })
  const scanMs: number[] = []
  const wrong: string[] = []
  let recognised = 0
  timed.forEach((p, i) => {
    const t = performance.now()
    const expected = fullScan(gallery, p, options)
    scanMs.push(performance.now() - t)
    if (expected.verified) recognised++
    // Both the whole answer of identify() and what the kiosk's matcher keeps of it, to the last bit.
    const { memberId, distance, secondMemberId, secondDistance, verified } = identify(gallery, p, options)
    const kiosk = match(p)
    const same = memberId === expected.memberId && distance === expected.distance && secondMemberId === expected.secondMemberId &&
      secondDistance === expected.secondDistance && verified === expected.verified &&
      kiosk.memberId === (expected.verified ? expected.memberId : null) && kiosk.distance === expected.distance
    if (!same) wrong.push(`probe ${i}: identify ${JSON.stringify({ memberId, distance, secondMemberId, secondDistance, verified })}, kiosk ${JSON.stringify(kiosk)}, full scan ${JSON.stringify(expected)}`)
  })
  if (wrong.length > 0) throw new Error(`identify() is not the full scan's answer on ${wrong.length} of ${timed.length} probes: ${wrong.slice(0, 3).join('; ')}`)
  return { identifyMs, scanMs, recognised }
}

const page: IdentifyPage = { build, measure }
Object.assign(globalThis, { hadirIdentify: page })
