// The one face matching module, used by the browser, the server and the tests (plain TypeScript: no DOM, no Node).
//
// Rule (DESIGN.md "Faces", issue 14): L2 (euclidean) distance between unit-length descriptors of the current model
// (shared/face/model.ts). For unit vectors the L2 distance d and the cosine similarity s say the same thing
// (d² = 2 - 2s), so this is the model's cosine rule written as a distance, and the early exit of the scan below stays
// exact. A member has several descriptors; a member's distance to a probe is the smallest over their descriptors.
// The best member is accepted only if
//   best distance < threshold                                  (organization setting, default DEFAULT_FACE_THRESHOLD)
//   AND (best distance of any OTHER member) - best >= margin   (default DEFAULT_FACE_MARGIN)
// When no other member is in the gallery, the margin condition passes.
// The defaults were chosen on the tuning part of eval/faces and checked on its report part (server/face/MODEL.md).

import { checkDescriptor, DescriptorError, FACE_DESCRIPTOR_LENGTH, toDescriptor } from './descriptor'
import { buildFaceIndex, candidateRows, deriveFaceIndex, type FaceIndex } from './match-index'
import { type KernelKind, wasmSimdAvailable } from './match-kernel'

/** Organization default: accept only matches closer than this L2 distance (cosine similarity 1 - d²/2 above 0.595). */
export const DEFAULT_FACE_THRESHOLD = 0.9
/** Organization default: the best member must beat the best other member by at least this L2 distance. */
export const DEFAULT_FACE_MARGIN = 0.05
/** The range an organization may set the threshold in (server validation and the settings form). */
export const FACE_THRESHOLD_RANGE = Object.freeze({ min: 0.5, max: 1.0 })
/** The range an organization may set the margin in. */
export const FACE_MARGIN_RANGE = Object.freeze({ min: 0, max: 0.3 })

export interface MatchOptions {
  /** Accept only a best distance strictly below this (L2). */
  threshold: number
  /** Required gap between the best other member's distance and the best distance (L2, >= 0). */
  margin: number
}

export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  threshold: DEFAULT_FACE_THRESHOLD,
  margin: DEFAULT_FACE_MARGIN,
})

/**
 * Many descriptors of many members, as one contiguous Float32Array (row i = descriptors[i*D .. i*D+D-1], D = FACE_DESCRIPTOR_LENGTH) and a
 * parallel Int32Array of member ids (row i belongs to memberIds[i]). Plain data: can be posted to a worker.
 */
export interface FaceGallery {
  readonly descriptors: Float32Array
  readonly memberIds: Int32Array
  /** Number of rows (descriptors). */
  readonly size: number
}

export interface GalleryEntry {
  memberId: number
  descriptor: ArrayLike<number>
}

export function emptyGallery(): FaceGallery {
  return { descriptors: new Float32Array(0), memberIds: new Int32Array(0), size: 0 }
}

function checkMemberId(memberId: number): void {
  if (!Number.isInteger(memberId) || memberId < -0x80000000 || memberId > 0x7FFFFFFF) {
    throw new RangeError(`member id must be a 32-bit integer, got ${memberId}`)
  }
}

/** Builds a gallery; every descriptor is validated (FACE_DESCRIPTOR_LENGTH finite floats of sane magnitude). */
export function buildGallery(entries: Iterable<GalleryEntry>): FaceGallery {
  const list = Array.isArray(entries) ? (entries as GalleryEntry[]) : [...entries]
  const descriptors = new Float32Array(list.length * FACE_DESCRIPTOR_LENGTH)
  const memberIds = new Int32Array(list.length)
  list.forEach((entry, row) => {
    checkMemberId(entry.memberId)
    descriptors.set(toDescriptor(entry.descriptor), row * FACE_DESCRIPTOR_LENGTH)
    memberIds[row] = entry.memberId
  })
  return { descriptors, memberIds, size: list.length }
}

/** A copy of the gallery without one member's rows (with an index copied from the gallery's, when it has one). */
export function galleryWithout(gallery: FaceGallery, memberId: number): FaceGallery {
  let keep = 0
  for (let r = 0; r < gallery.size; r++) if (gallery.memberIds[r] !== memberId) keep++
  const descriptors = new Float32Array(keep * FACE_DESCRIPTOR_LENGTH)
  const memberIds = new Int32Array(keep)
  const rows = new Int32Array(keep)
  let o = 0
  for (let r = 0; r < gallery.size; r++) {
    const id = gallery.memberIds[r] as number
    if (id === memberId) continue
    descriptors.set(gallery.descriptors.subarray(r * FACE_DESCRIPTOR_LENGTH, (r + 1) * FACE_DESCRIPTOR_LENGTH), o * FACE_DESCRIPTOR_LENGTH)
    rows[o] = r
    memberIds[o++] = id
  }
  const without: FaceGallery = { descriptors, memberIds, size: keep }
  const parent = indexes.get(gallery)
  if (parent !== undefined && parent !== 'failed' && keep >= INDEX_MIN_ROWS) {
    try {
      indexes.set(without, deriveFaceIndex(parent, without, rows))
    } catch {
      // no memory for it: identify() will try to build one, else scan
    }
  }
  return without
}

/** Distinct member ids in the gallery. */
export function galleryMembers(gallery: FaceGallery): number[] {
  return [...new Set(gallery.memberIds)]
}

/** Euclidean (L2) distance between two descriptors of the same length. */
export function l2Distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`descriptor lengths differ: ${a.length} vs ${b.length}`)
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number)
    sum += d * d
  }
  return Math.sqrt(sum)
}

/**
 * Display score for a distance: the cosine similarity of the two unit descriptors, `1 - distance² / 2`, clamped to
 * [0, 1]. Monotone decreasing in the distance; 1 means identical descriptors, the default threshold shows as 0.595.
 * For display and for storing alongside a record only — decisions always use the distance, threshold and margin.
 */
export function distanceToScore(distance: number | null): number {
  if (distance === null || !Number.isFinite(distance)) return 0
  return Math.min(1, Math.max(0, 1 - (distance * distance) / 2))
}

export interface IdentifyResult {
  /** The closest member, or null when the gallery is empty. Set even when not verified (for logs and hints). */
  memberId: number | null
  /** L2 distance from the probe to that member's closest descriptor, or null when the gallery is empty. */
  distance: number | null
  /** The closest member other than memberId, or null when there is none. */
  secondMemberId: number | null
  /** L2 distance to the best other member's closest descriptor, or null when there is no other member. */
  secondDistance: number | null
  /** True when distance < threshold and (secondDistance - distance) >= margin (margin passes with no other member). */
  verified: boolean
  /** distanceToScore(distance): for display only. */
  score: number
}

function checkOptions(options: MatchOptions): void {
  if (!(options.threshold > 0) || !Number.isFinite(options.threshold)) throw new RangeError('threshold must be a positive number')
  if (!(options.margin >= 0) || !Number.isFinite(options.margin)) throw new RangeError('margin must be a non-negative number')
}

/** Throws DescriptorError unless the probe is FACE_DESCRIPTOR_LENGTH finite floats of sane magnitude. */
function checkProbe(probe: ArrayLike<number>): void {
  const check = checkDescriptor(probe)
  if (!check.ok) throw new DescriptorError(check.problem, check.message)
}

export interface IdentifyScope {
  /**
   * Only rows closer than this L2 distance count: a member whose rows are all at or beyond it is treated as absent
   * (memberId/secondMemberId null when nobody is within). Rows beyond the horizon are dropped as soon as their
   * partial sum passes it, so a small horizon makes the scan far cheaper. Decisions are unchanged for any member
   * within the horizon when horizon >= that member's distance + margin (nobody beyond it can spoil the margin).
   */
  horizon?: number
}

/**
 * Galleries of at least this many rows get an index (match-index.ts), built on their first identify() (or by
 * prepareGallery): below it the plain scan takes about a millisecond and an index would not pay for itself.
 */
export const INDEX_MIN_ROWS = 2048

/** Per gallery: its index, or 'failed' (no memory for one: plain scans). Galleries are immutable: see prepareGallery. */
const indexes = new WeakMap<FaceGallery, FaceIndex | 'failed'>()

/**
 * The gallery's index, built on first use; null for small galleries, and where WebAssembly SIMD is missing (e.g. a page
 * whose CSP lacks 'wasm-unsafe-eval'): the plain-JS kernel gives the same answers but is slower than the early-exit scan.
 */
function indexOf(gallery: FaceGallery): FaceIndex | null {
  if (gallery.size < INDEX_MIN_ROWS || !wasmSimdAvailable()) return null
  const known = indexes.get(gallery)
  if (known !== undefined) return known === 'failed' ? null : known
  try {
    const index = buildFaceIndex(gallery, FACE_DESCRIPTOR_LENGTH)
    indexes.set(gallery, index)
    return index
  } catch {
    indexes.set(gallery, 'failed')
    return null
  }
}

/**
 * Builds the gallery's index now (the server's index cache does, on load) rather than on its first identify().
 * Returns the index's own size in bytes (0 when the gallery is too small to get one, or no memory could be had).
 * The gallery must not be changed afterwards (no code does: galleries are built once and replaced).
 */
export function prepareGallery(gallery: FaceGallery): number {
  return indexOf(gallery)?.bytes ?? 0
}

/**
 * The kernel of each shard of the gallery's index: 'wasm-simd', or 'js' where no WebAssembly memory could be had (same
 * answers, slower). Empty when the gallery has no index (yet, or at all: identify() then scans). For tools that measure.
 */
export function indexKernels(gallery: FaceGallery): KernelKind[] {
  const index = indexes.get(gallery)
  return index === undefined || index === 'failed' ? [] : index.shards.map((shard) => shard.kind)
}

/**
 * 1:N identification. Returns the best member, its distance, the best other member's distance, and whether the match
 * is accepted under the threshold and margin. Exact: the answer of one full scan over the gallery, whichever way it is
 * found (large galleries use an index that rules rows out with proven bounds: match-index.ts).
 */
export function identify(
  gallery: FaceGallery,
  probe: ArrayLike<number>,
  options: MatchOptions = DEFAULT_MATCH_OPTIONS,
  scope: IdentifyScope = {},
): IdentifyResult {
  checkOptions(options)
  checkProbe(probe)
  if (scope.horizon !== undefined && !(scope.horizon > 0)) throw new RangeError('horizon must be a positive number')
  const p = probe instanceof Float32Array ? probe : Float32Array.from(probe)
  const limit = scope.horizon === undefined ? Infinity : scope.horizon * scope.horizon
  const index = indexOf(gallery)
  return decide(scan(gallery, p, limit, index ? candidateRows(index, p, limit) : null), limit, options)
}

/** identify() through a given index (tests, and tools that measure it). */
export function identifyIndexed(
  gallery: FaceGallery,
  index: FaceIndex,
  probe: ArrayLike<number>,
  options: MatchOptions = DEFAULT_MATCH_OPTIONS,
  scope: IdentifyScope = {},
): IdentifyResult {
  checkOptions(options)
  checkProbe(probe)
  if (scope.horizon !== undefined && !(scope.horizon > 0)) throw new RangeError('horizon must be a positive number')
  if (index.size !== gallery.size || index.memberIds !== gallery.memberIds) throw new RangeError('the index is not of this gallery')
  const p = probe instanceof Float32Array ? probe : Float32Array.from(probe)
  const limit = scope.horizon === undefined ? Infinity : scope.horizon * scope.horizon
  return decide(scan(gallery, p, limit, candidateRows(index, p, limit)), limit, options)
}

interface ScanState {
  bestId: number
  best: number
  secondId: number
  second: number
}

/**
 * The exact scan: over every row, or over `rows` (ascending) when an index ruled the others out. The same arithmetic
 * either way, so the same distances to the last bit and the same tie-breaks (the first row in gallery order wins).
 */
function scan(gallery: FaceGallery, p: Float32Array, limit: number, rows: Int32Array | null): ScanState {
  const data = gallery.descriptors
  const ids = gallery.memberIds
  const D = FACE_DESCRIPTOR_LENGTH

  // Squared distances while scanning. best: the closest row's member and its squared distance; second: the closest
  // squared distance among rows of any other member. When a new overall best appears for a different member, the old
  // best becomes the second (it is the minimum over every member other than the new best).
  let bestId = 0
  let best = Infinity
  let secondId = 0
  // Starts at the horizon: rows at or beyond it are skipped like rows beyond a second best.
  let second = limit
  const count = rows === null ? gallery.size : rows.length
  for (let k = 0; k < count; k++) {
    const r = rows === null ? k : (rows[k] as number)
    const off = r * D
    // Squared L2 distance, unrolled with four accumulators (D = 512 is a multiple of 8).
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let i = 0; i < D; i += 8) {
      let a = (data[off + i] as number) - (p[i] as number)
      let b = (data[off + i + 1] as number) - (p[i + 1] as number)
      let c = (data[off + i + 2] as number) - (p[i + 2] as number)
      let e = (data[off + i + 3] as number) - (p[i + 3] as number)
      s0 += a * a
      s1 += b * b
      s2 += c * c
      s3 += e * e
      a = (data[off + i + 4] as number) - (p[i + 4] as number)
      b = (data[off + i + 5] as number) - (p[i + 5] as number)
      c = (data[off + i + 6] as number) - (p[i + 6] as number)
      e = (data[off + i + 7] as number) - (p[i + 7] as number)
      s0 += a * a
      s1 += b * b
      s2 += c * c
      s3 += e * e
      // Partial sums only grow: a row already at the second-best distance cannot matter, so stop summing it. Exact:
      // the rows that go on are summed in full, in the same order.
      if (s0 + s1 + s2 + s3 >= second) break
    }
    const sum = s0 + s1 + s2 + s3
    if (sum >= second) continue // cannot be the best (best <= second) nor improve the second
    const id = ids[r] as number
    if (best !== Infinity && id === bestId) {
      if (sum < best) best = sum
    } else if (sum < best) {
      if (best !== Infinity) {
        second = best
        secondId = bestId
      }
      best = sum
      bestId = id
    } else {
      second = sum
      secondId = id
    }
  }
  return { bestId, best, secondId, second }
}

function decide({ bestId, best, secondId, second }: ScanState, limit: number, options: MatchOptions): IdentifyResult {
  if (best === Infinity) {
    return { memberId: null, distance: null, secondMemberId: null, secondDistance: null, verified: false, score: 0 }
  }
  const distance = Math.sqrt(best)
  const secondDistance = second >= limit ? null : Math.sqrt(second)
  const verified = distance < options.threshold && (secondDistance === null || secondDistance - distance >= options.margin)
  return {
    memberId: bestId,
    distance,
    secondMemberId: secondDistance === null ? null : secondId,
    secondDistance,
    verified,
    score: distanceToScore(distance),
  }
}

export interface VerifyResult {
  /** Smallest L2 distance from the probe to the member's descriptors, or null when the member has none. */
  distance: number | null
  /** distance < threshold. */
  verified: boolean
  score: number
}

/** 1:1 verification against one member's descriptors: accepted when the closest one is under the threshold. */
export function verify(
  descriptorsOfOneMember: readonly ArrayLike<number>[],
  probe: ArrayLike<number>,
  threshold: number = DEFAULT_FACE_THRESHOLD,
): VerifyResult {
  checkOptions({ threshold, margin: 0 })
  checkProbe(probe)
  let best = Infinity
  for (const d of descriptorsOfOneMember) best = Math.min(best, l2Distance(d, probe))
  if (best === Infinity) return { distance: null, verified: false, score: 0 }
  return { distance: best, verified: best < threshold, score: distanceToScore(best) }
}
