// The 1:N index behind identify() for large galleries (shared/face/match.ts). Plain TypeScript (no DOM, no Node).
//
// Exact by construction: this file only says which rows can NOT change identify()'s answer; identify() then scans the
// remaining rows with the same float arithmetic, in the same row order, as its full scan, so the answer (members,
// distances to the last bit, tie-breaks) is the full scan's. Property-tested in match-index.test.ts.
//
// How: every row x is stored a second time as int8 codes. With μ the gallery's mean (float32), x - μ = s·q + e
// (q: int8 codes, s: the row's scale, e: the rounding left over, whose norm is computed exactly at build time); the
// probe likewise p - μ = t·w + f with int16 w. Then, for the squared distance δ = |p - x|² = |p-μ|² + |x-μ|² - 2<p-μ, x-μ>,
//   <p-μ, x-μ> = s·t·<w, q> + s·<f, q> + <p-μ, e>,   and by Cauchy-Schwarz
//   |s·<f, q>| <= |f|·s|q|,   |<p-μ, e>| <= |p-μ|·|e|,
// so δ lies within ± 2(|f|·s|q| + |p-μ|·|e|) (plus a float slack far above any rounding) of a value that needs only
// the integer <w, q>: one pass of int8 x int16 dot products (match-kernel.ts: WebAssembly SIMD, or plain JS).
// For unit descriptors of 512 values the interval is about ±0.015 wide in δ; members of a 100k gallery spread over
// δ ≈ 1.5 .. 2.5, so a few dozen rows survive.
//
// Which rows survive: let u2 be the second smallest, over members, of a member's smallest upper bound. Of the two
// members behind the two smallest, at least one is not the best member, so the full scan's second distance is at most
// u2 (and rows at or beyond the horizon never count). Every row that can be the best, tie with it, or be the second
// (or tie with it) has δ <= that second distance, hence lower bound <= min(u2, horizon²): exactly the rows kept.

import { createDotShard, type DotShard, KERNEL_STEP, kernelHelper, type KernelKind, probeLimit } from './match-kernel'
import type { FaceGallery } from './match'

/** Rows per shard (one WebAssembly memory each): 128 MiB of codes at 512 values a row. */
const SHARD_BYTES = 128 * 2 ** 20

/**
 * Indexes of at least this many rows use the helper thread where one is installed (match-kernel.ts KernelHelper): their
 * shards come in an even number of equal halves, the back half's kernels run there while this thread runs the front
 * half's. Below it a query takes well under a millisecond and the hand-over would cost more than it saves.
 */
export const HELPED_MIN_ROWS = 16_384

/**
 * Rows per shard: `requested` (tests), else as many as fit SHARD_BYTES; when `helped`, an even number of shards of
 * equal size (within a row).
 */
function rowsPerShard(size: number, stride: number, helped: boolean, requested: number | undefined): number {
  if (requested !== undefined) return Math.max(1, requested)
  if (!helped) return Math.floor(SHARD_BYTES / stride)
  const pairs = Math.ceil((size * stride) / (2 * SHARD_BYTES))
  return Math.max(1, Math.ceil(size / (2 * pairs)))
}

/** Whether an index of `size` rows made with `kernel` puts its shards in memory the helper thread shares. */
function helpedIndex(size: number, kernel: 'auto' | KernelKind | undefined, wanted: boolean | undefined): boolean {
  return kernelHelper() !== null && (wanted ?? size >= HELPED_MIN_ROWS) && kernel !== 'js'
}

export interface FaceIndex {
  readonly size: number
  readonly dim: number
  /** Bytes of codes per row (dim rounded up to the kernel's step). */
  readonly stride: number
  readonly kernel: KernelKind
  /** The gallery's mean (float32 values), subtracted before quantising. */
  readonly mean: Float64Array
  /** Per row: |x-μ|² and s·|q| (the shards hold X = |x-μ|²·(1-SLACK), |e| and s). */
  readonly norm2: Float64Array
  readonly codeNorm: Float64Array
  /** The largest s·|q| of any row. */
  readonly maxCodeNorm: number
  readonly memberIds: Int32Array
  /** Consecutive blocks of rows, in order. */
  readonly shards: readonly DotShard[]
  /** Bytes of the index's own structures (codes, constants, dot products, bounds), beside the gallery's. */
  readonly bytes: number
}

export interface BuildIndexOptions {
  /** 'auto' (WASM SIMD when available) or force a kernel (tests). */
  kernel?: 'auto' | KernelKind
  /** Rows per shard (tests use small shards to cover the seams). */
  shardRows?: number
  /** Whether to use the installed helper thread: by default from HELPED_MIN_ROWS rows (tests force it). */
  helper?: boolean
}

/**
 * Rounds to the nearest integer (ties to even) for |x| < 2^51: (x + 1.5·2^52) - 1.5·2^52 in doubles. Five times faster
 * than Math.round here; any rounding would do (the residual is computed from the code actually stored).
 */
const ROUND = 6755399441055744

/** Relative slack on every bound: far above double rounding (~1e-13 here), far below the bound's own width (~1e-2). */
const SLACK = 1e-9

/** Builds the index of a gallery (which must not change afterwards: galleries are immutable). */
export function buildFaceIndex(gallery: FaceGallery, dim: number, options: BuildIndexOptions = {}): FaceIndex {
  const { size, descriptors } = gallery
  if (descriptors.length !== size * dim) throw new RangeError('gallery size and descriptors disagree')
  const stride = Math.ceil(dim / KERNEL_STEP) * KERNEL_STEP
  const helped = helpedIndex(size, options.kernel, options.helper)
  const shardRows = rowsPerShard(size, stride, helped, options.shardRows)

  const mean = new Float64Array(dim)
  for (let r = 0, off = 0; r < size; r++, off += dim) for (let i = 0; i < dim; i++) mean[i] = (mean[i] as number) + (descriptors[off + i] as number)
  // Rounded to float32 so that x - μ is a difference of two float32 values (in a double: at most one rounding).
  for (let i = 0; i < dim; i++) mean[i] = Math.fround(size > 0 ? (mean[i] as number) / size : 0)

  const norm2 = new Float64Array(size)
  const codeNorm = new Float64Array(size)
  let maxCodeNorm = 0
  const shards: DotShard[] = []
  const centred = new Float64Array(dim)
  let start = 0
  do {
    const rows = Math.min(shardRows, size - start)
    const shard = createDotShard(rows, stride, options.kernel ?? 'auto', helped)
    shards.push(shard)
    const { codes, consts } = shard
    for (let k = 0; k < rows; k++) {
      const r = start + k
      const off = r * dim
      let max = 0
      let xx = 0
      for (let i = 0; i < dim; i++) {
        const c = (descriptors[off + i] as number) - (mean[i] as number)
        centred[i] = c
        xx += c * c
        const a = c < 0 ? -c : c
        if (a > max) max = a
      }
      const s = max > 0 ? max / 127 : 1
      const inverse = 1 / s
      let qq = 0
      let ee = 0
      const at = k * stride
      for (let i = 0; i < dim; i++) {
        const c = centred[i] as number
        let q = (c * inverse + ROUND) - ROUND
        q = q > 127 ? 127 : q < -127 ? -127 : q
        codes[at + i] = q
        qq += q * q
        const e = c - s * q
        ee += e * e
      }
      norm2[r] = xx
      const a = s * Math.sqrt(qq)
      codeNorm[r] = a
      if (a > maxCodeNorm) maxCodeNorm = a
      consts[3 * k] = xx * (1 - SLACK)
      consts[3 * k + 1] = Math.sqrt(ee)
      consts[3 * k + 2] = s
    }
    start += rows
  } while (start < size)
  let bytes = norm2.byteLength + codeNorm.byteLength + mean.byteLength
  for (const shard of shards) bytes += shard.bytes
  return { size, dim, stride, kernel: shards[0]!.kind, mean, norm2, codeNorm, maxCodeNorm, memberIds: gallery.memberIds, shards, bytes }
}

/**
 * The index of `gallery`, made of rows `rows` (ascending) of `parent`'s gallery (galleryWithout): their codes and
 * constants copied, the parent's mean kept (any mean gives valid bounds).
 */
export function deriveFaceIndex(parent: FaceIndex, gallery: FaceGallery, rows: Int32Array, options: BuildIndexOptions = {}): FaceIndex {
  const { dim, stride } = parent
  const size = rows.length
  if (gallery.size !== size) throw new RangeError('gallery size and rows disagree')
  const kernel = options.kernel ?? parent.kernel
  const helped = helpedIndex(size, kernel, options.helper)
  const shardRows = rowsPerShard(size, stride, helped, options.shardRows)
  const norm2 = new Float64Array(size)
  const codeNorm = new Float64Array(size)
  let maxCodeNorm = 0
  // Where each parent row lives: its shard and its place there.
  const parentShardOf: number[] = []
  const parentStart: number[] = []
  let at = 0
  parent.shards.forEach((shard, i) => {
    parentShardOf.push(i)
    parentStart.push(at)
    at += shard.rows
  })
  const shards: DotShard[] = []
  let start = 0
  let ps = 0
  do {
    const count = Math.min(shardRows, size - start)
    const shard = createDotShard(count, stride, kernel, helped)
    shards.push(shard)
    for (let k = 0; k < count; k++) {
      const r = start + k
      const from = rows[r] as number
      while (ps + 1 < parent.shards.length && from >= (parentStart[ps + 1] as number)) ps++
      const source = parent.shards[ps]!
      const j = from - (parentStart[ps] as number)
      shard.codes.set(source.codes.subarray(j * stride, j * stride + stride), k * stride)
      shard.consts.set(source.consts.subarray(3 * j, 3 * j + 3), 3 * k)
      norm2[r] = parent.norm2[from] as number
      const a = parent.codeNorm[from] as number
      codeNorm[r] = a
      if (a > maxCodeNorm) maxCodeNorm = a
    }
    start += count
  } while (start < size)
  let bytes = norm2.byteLength + codeNorm.byteLength + parent.mean.byteLength
  for (const shard of shards) bytes += shard.bytes
  return { size, dim, stride, kernel: shards[0]!.kind, mean: parent.mean, norm2, codeNorm, maxCodeNorm, memberIds: gallery.memberIds, shards, bytes }
}

/** Grows by doubling; reused between queries (identify is synchronous, so one buffer per index is enough). */
interface Scratch {
  rows: Int32Array
  lower: Float64Array
}
const scratchOf = new WeakMap<FaceIndex, Scratch>()

/**
 * The rows that can change identify()'s answer for this probe, ascending: every row whose squared distance can be at
 * most the full scan's second distance (or below `limit`, the horizon squared, when there is no second). `limit` is
 * Infinity without a horizon.
 */
export function candidateRows(index: FaceIndex, probe: Float32Array, limit: number): Int32Array {
  const { dim, stride, mean, norm2, codeNorm, memberIds } = index
  const centred = new Float64Array(dim)
  let pp = 0
  let max = 0
  for (let i = 0; i < dim; i++) {
    const c = (probe[i] as number) - (mean[i] as number)
    centred[i] = c
    pp += c * c
    const a = Math.abs(c)
    if (a > max) max = a
  }
  const level = probeLimit(stride)
  const t = max > 0 ? max / level : 1
  const w = new Int16Array(stride)
  let ff = 0
  let wsq = 0
  for (let i = 0; i < dim; i++) {
    const c = centred[i] as number
    let q = (c / t + ROUND) - ROUND
    q = q > level ? level : q < -level ? -level : q
    w[i] = q
    wsq += q * q
    const f = c - t * q
    ff += f * f
  }
  const P = Math.sqrt(pp)
  const F = Math.sqrt(ff)
  const T = t * Math.sqrt(wsq)
  // δ = mid ± err, mid = pp + xx - 2·s·t·<w,q>,  err = 2(s|q|·F + |e|·P)(1+SLACK) + SLACK(pp + xx + 2·s|q|·T) + 1e-12
  // (|2·s·t·<w,q>| <= 2·s|q|·T). The kernel's lower bound takes the largest s|q| of the gallery for the row's own
  // (a smaller lower bound: still a bound), so that it needs three constants a row:
  //   lower = xx(1-SLACK) - |e|·beta - s·k·<w,q> + gamma.
  const k2 = 2 * t
  const beta = 2 * P * (1 + SLACK)
  const alpha = 2 * F * (1 + SLACK) + 2 * SLACK * T
  const gamma = pp * (1 - SLACK) - 1e-12 - index.maxCodeNorm * alpha

  let scratch = scratchOf.get(index)
  if (!scratch) {
    scratch = { rows: new Int32Array(256), lower: new Float64Array(256) }
    scratchOf.set(index, scratch)
  }
  let kept = 0

  // Smallest upper bound (and its member) and smallest upper bound of any other member: the scan's own rule.
  let bestId = 0
  let best = Infinity
  let second = Infinity
  let cutoff = limit
  let start = 0
  // With a helper thread, the back half of the shards runs there while this thread runs the front half (their
  // probes set first); the rows are then read in the same order as without it, so the answer is the same.
  const { shards } = index
  const helper = kernelHelper()
  let split = shards.length
  let finish: (() => void) | null = null
  if (helper && shards.length >= 2) {
    const half = Math.ceil(shards.length / 2)
    const back = shards.slice(half)
    if (back.every((shard) => shard.shared !== null)) {
      for (const shard of back) shard.probe.set(w)
      split = half
      finish = helper.start(back, k2, beta, gamma)
    }
  }
  for (let i = 0; i < shards.length; i++) {
    const shard = shards[i]!
    if (i < split) {
      shard.probe.set(w)
      shard.run(k2, beta, gamma)
    } else if (i === split) {
      finish!() // every back shard has run, here or there
    }
    const { lower, out, consts } = shard
    for (let k = 0; k < shard.rows; k++) {
      const lo = lower[k] as number
      if (lo > cutoff) continue // cannot be kept: the cutoff only falls
      const r = start + k
      const xx = norm2[r] as number
      const a = codeNorm[r] as number
      const hi = pp + xx - 2 * (consts[3 * k + 2] as number) * t * (out[k] as number) +
        2 * (a * F + (consts[3 * k + 1] as number) * P) * (1 + SLACK) + SLACK * (pp + xx + 2 * a * T) + 1e-12
      const id = memberIds[r] as number
      if (best !== Infinity && id === bestId) {
        if (hi < best) best = hi
      } else if (hi < best) {
        if (best !== Infinity) second = best
        best = hi
        bestId = id
      } else if (hi < second) {
        second = hi
      }
      if (second < cutoff) cutoff = second
      if (kept === scratch.rows.length) {
        const rows = new Int32Array(kept * 2)
        rows.set(scratch.rows)
        const lowerCopy = new Float64Array(kept * 2)
        lowerCopy.set(scratch.lower)
        scratch.rows = rows
        scratch.lower = lowerCopy
      }
      scratch.rows[kept] = r
      scratch.lower[kept] = lo
      kept++
    }
    start += shard.rows
  }
  // Rows kept early, before the cutoff fell, are filtered by the final one.
  let n = 0
  const out = new Int32Array(kept)
  for (let k = 0; k < kept; k++) if ((scratch.lower[k] as number) <= cutoff) out[n++] = scratch.rows[k] as number
  return out.subarray(0, n)
}
