// The 1:N index's first-pass kernel (shared/face/match-index.ts): for every row of int8 codes, the exact integer dot
// product with an int16 probe, and from it the row's lower bound
//   lower[r] = ((X[r] - b[r]·beta) - (s[r]·k)·dot[r]) + gamma        (double arithmetic, in this order)
// with the row's constants (X, b, s) and the query's (k, beta, gamma) given by the index.
// Plain TypeScript (no DOM, no Node): the kiosk's browser, the server and the tests use it.
//
// Where the runtime has WebAssembly SIMD (Node 20, Chromium; the app's Content-Security-Policy allows
// 'wasm-unsafe-eval') the loop runs as a small WebAssembly module; elsewhere in plain JS. Both give the same integers:
// the sums are exact (|sum| <= 127 x probeLimit(stride) x stride < 2^31, no overflow in i32 nor rounding in a double).
//
// The module is assembled below from its opcodes: no build step, no binary blob to trust. It is a few hundred bytes, so
// Chromium compiles it synchronously even on the main thread (its limit there is 4 KB).

/** Rows are padded with zero codes to a multiple of this many bytes (the kernel's step). */
export const KERNEL_STEP = 32

export type KernelKind = 'wasm-simd' | 'js'

/**
 * One block of rows: their codes and constants, the probe, the dot products and lower bounds, in one memory (a
 * WebAssembly.Memory for the WASM kernel). Fill `codes` and `consts` once, then per query fill `probe` and call
 * run(k, beta, gamma): out[r] = sum_i codes[r*stride + i] * probe[i], lower[r] as above.
 */
export interface DotShard {
  readonly kind: KernelKind
  readonly rows: number
  /** Codes per row (a multiple of KERNEL_STEP; the padding stays zero). */
  readonly stride: number
  readonly codes: Int8Array
  readonly probe: Int16Array
  readonly out: Int32Array
  /** Per row: X, b, s (three doubles). */
  readonly consts: Float64Array
  readonly lower: Float64Array
  /** Bytes held (all of the above). */
  readonly bytes: number
  /**
   * For a helper thread (KernelHelper): the shard's WebAssembly memory, shared, with the module and where each array
   * lies in it; null when the shard's memory is not shared.
   */
  readonly shared: SharedShard | null
  run: (k: number, beta: number, gamma: number) => void
}

/** What another thread needs to run a shard's kernel on the same memory: dots(codes, rows, stride, probe, out, consts, lower, ...). */
export interface SharedShard {
  readonly module: WebAssembly.Module
  readonly memory: WebAssembly.Memory
  readonly at: { readonly codes: number; readonly probe: number; readonly out: number; readonly consts: number; readonly lower: number }
}

/**
 * Another thread that runs shards' kernels on their shared memory (server/face/kernel-helper.ts in Node), so that a
 * query's first pass uses two cores. adopt() is told of each shared shard as it is made; start() begins the kernels of
 * these shards there and returns a function that returns once they have all run: if the helper had not begun them by
 * then, that function runs them on the calling thread itself, so a helper that is busy or gone never delays an answer
 * for long, and never changes it (the same kernel, the same memory).
 */
export interface KernelHelper {
  adopt: (shard: DotShard) => void
  start: (shards: readonly DotShard[], k: number, beta: number, gamma: number) => () => void
}

let helper: KernelHelper | null = null

/** Installs (or removes, with null) the helper thread indexes built from now on use. */
export function useKernelHelper(next: KernelHelper | null): void {
  helper = next
}

/** The installed helper, if any. */
export function kernelHelper(): KernelHelper | null {
  return helper
}

/** The largest probe value for rows of `stride` int8 codes such that no dot product can leave the i32 range. */
export function probeLimit(stride: number): number {
  return Math.min(32767, Math.floor((2 ** 31 - 1) / (127 * stride)))
}

// ---- the WebAssembly module ----------------------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7F
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

/** Signed LEB128 (the immediate of i32.const). */
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7F
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

function name(text: string): number[] {
  const bytes = [...text].map((c) => c.charCodeAt(0))
  return [...uleb(bytes.length), ...bytes]
}

// Opcodes used (WebAssembly core 1.0 + fixed-width SIMD).
const I32 = 0x7F
const F64 = 0x7C
const V128 = 0x7B
const OP = {
  block: 0x02, loop: 0x03, br_if: 0x0D, end: 0x0B, void: 0x40,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_store: 0x36, i32_lt_u: 0x49, i32_add: 0x6A, i32_mul: 0x6C, i32_eqz: 0x45, i32_const: 0x41,
  f64_load: 0x2B, f64_store: 0x39, f64_add: 0xA0, f64_sub: 0xA1, f64_mul: 0xA2, f64_convert_i32_s: 0xB7,
} as const
const simd = (op: number, ...rest: number[]): number[] => [0xFD, ...uleb(op), ...rest]
const V128_LOAD = (offset: number): number[] => simd(0x00, 4, ...uleb(offset)) // align 2^4, offset
const V128_ZERO = simd(0x0C, ...Array.from({ length: 16 }, () => 0))
const I32X4_EXTRACT_LANE = (lane: number): number[] => simd(0x1B, lane)
const I16X8_EXTEND_LOW_I8X16_S = simd(0x87)
const I16X8_EXTEND_HIGH_I8X16_S = simd(0x88)
const I32X4_ADD = simd(0xAE)
const I32X4_DOT_I16X8_S = simd(0xBA)

/**
 * dots(codes, rows, stride, probe, out, consts, lower, k, beta, gamma): for r < rows, i32 out[r] = sum over i < stride
 * of i8 codes[r*stride+i] x i16 probe[i], and f64 lower[r] as in the header. stride is a multiple of 32: each step takes
 * 32 codes (two v128 loads) into four i32x4 accumulators.
 */
function dotsModule(shared: boolean): Uint8Array<ArrayBuffer> {
  // params: 0 codes, 1 rows, 2 stride, 3 probe, 4 out, 5 consts, 6 lower (i32), 7 k, 8 beta, 9 gamma (f64)
  // locals: 10 end, 11 rowEnd, 12 pp, 13 dot (i32); 14..17 acc, 18 v (v128)
  const [codes, rows, stride, probe, out, consts, lower, k, beta, gamma] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const [end, rowEnd, pp, dot] = [10, 11, 12, 13]
  const acc = [14, 15, 16, 17]
  const v = 18
  const get = (l: number): number[] => [OP.local_get, l]
  const set = (l: number): number[] => [OP.local_set, l]
  const add = (l: number, n: number): number[] => [...get(l), OP.i32_const, ...sleb(n), OP.i32_add, ...set(l)]
  /** acc[j] += dot(extend_<half>(v), probe[pp + offset .. +16]) */
  const step = (j: number, half: number[], offset: number): number[] => [
    ...get(acc[j]!), ...get(v), ...half, ...get(pp), ...V128_LOAD(offset), ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(acc[j]!),
  ]
  const constAt = (offset: number): number[] => [...get(consts), OP.f64_load, 3, offset]
  const body = [
    2, 4, I32, 5, V128, // locals
    OP.block, OP.void,
    ...get(rows), OP.i32_eqz, OP.br_if, 0, // nothing to do
    ...get(codes), ...get(rows), ...get(stride), OP.i32_mul, OP.i32_add, ...set(end),
    OP.loop, OP.void, // per row
    ...V128_ZERO, ...set(acc[0]!), ...V128_ZERO, ...set(acc[1]!), ...V128_ZERO, ...set(acc[2]!), ...V128_ZERO, ...set(acc[3]!),
    ...get(probe), ...set(pp),
    ...get(codes), ...get(stride), OP.i32_add, ...set(rowEnd),
    OP.loop, OP.void, // per 32 codes
    ...get(codes), ...V128_LOAD(0), ...set(v),
    ...step(0, I16X8_EXTEND_LOW_I8X16_S, 0),
    ...step(1, I16X8_EXTEND_HIGH_I8X16_S, 16),
    ...get(codes), ...V128_LOAD(16), ...set(v),
    ...step(2, I16X8_EXTEND_LOW_I8X16_S, 32),
    ...step(3, I16X8_EXTEND_HIGH_I8X16_S, 48),
    ...add(pp, 64),
    ...get(codes), OP.i32_const, ...sleb(32), OP.i32_add, OP.local_tee, codes,
    ...get(rowEnd), OP.i32_lt_u, OP.br_if, 0,
    OP.end,
    // dot = horizontal sum of acc0 + acc1 + acc2 + acc3; out[r] = dot
    ...get(acc[0]!), ...get(acc[1]!), ...I32X4_ADD, ...get(acc[2]!), ...I32X4_ADD, ...get(acc[3]!), ...I32X4_ADD, ...set(acc[0]!),
    ...get(acc[0]!), ...I32X4_EXTRACT_LANE(0), ...get(acc[0]!), ...I32X4_EXTRACT_LANE(1), OP.i32_add,
    ...get(acc[0]!), ...I32X4_EXTRACT_LANE(2), OP.i32_add, ...get(acc[0]!), ...I32X4_EXTRACT_LANE(3), OP.i32_add, ...set(dot),
    ...get(out), ...get(dot), OP.i32_store, 2, 0,
    // lower[r] = ((X - b*beta) - (s*k)*dot) + gamma
    ...get(lower),
    ...constAt(0), ...constAt(8), ...get(beta), OP.f64_mul, OP.f64_sub,
    ...constAt(16), ...get(k), OP.f64_mul, ...get(dot), OP.f64_convert_i32_s, OP.f64_mul, OP.f64_sub,
    ...get(gamma), OP.f64_add,
    OP.f64_store, 3, 0,
    ...add(out, 4), ...add(lower, 8), ...add(consts, 24),
    ...get(codes), ...get(end), OP.i32_lt_u, OP.br_if, 0,
    OP.end,
    OP.end, // block
    OP.end, // function
  ]
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [1, 0x60, 10, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, 0]), // type 0: (i32 x 7, f64 x 3) -> ()
    // import env.memory: min 0 pages, no max; or shared, which needs a max (the most a 32-bit memory can have)
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0])]),
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name('dots'), 0x00, 0]), // export "dots" = function 0
    ...section(10, [1, ...uleb(body.length), ...body]),
  ])
}

const compiled: { plain?: WebAssembly.Module | null; shared?: WebAssembly.Module | null } = {}

/**
 * The compiled module, or null when this runtime has no WebAssembly SIMD (or refuses to compile, e.g. a CSP); `shared`:
 * the variant on a shared memory (null too where there is no SharedArrayBuffer, e.g. a page not cross-origin isolated).
 */
function wasmModule(shared = false): WebAssembly.Module | null {
  const key = shared ? 'shared' : 'plain'
  const known = compiled[key]
  if (known !== undefined) return known
  compiled[key] = null
  try {
    if (typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function' && (!shared || typeof SharedArrayBuffer === 'function')) {
      const bytes = dotsModule(shared)
      if (WebAssembly.validate(bytes)) compiled[key] = new WebAssembly.Module(bytes)
    }
  } catch {
    compiled[key] = null
  }
  return compiled[key]
}

/** Whether the WebAssembly SIMD kernel is available here. */
export function wasmSimdAvailable(): boolean {
  return wasmModule() !== null
}

/** The module's bytes (for tests and tools). */
export function kernelModuleBytes(shared = false): Uint8Array<ArrayBuffer> {
  return dotsModule(shared)
}

const PAGE = 65536
const align = (n: number, to: number): number => Math.ceil(n / to) * to

type Dots = (codes: number, rows: number, stride: number, probe: number, out: number, consts: number, lower: number, k: number, beta: number, gamma: number) => void

function wasmShard(module: WebAssembly.Module, rows: number, stride: number, shared: boolean): DotShard {
  // Layout: probe (stride x i16) | out (rows x i32) | lower (rows x f64) | consts (rows x 3 f64) | codes (rows x stride
  // x i8), each 64-byte aligned.
  const probeAt = 0
  const outAt = align(stride * 2, 64)
  const lowerAt = align(outAt + rows * 4, 64)
  const constsAt = align(lowerAt + rows * 8, 64)
  const codesAt = align(constsAt + rows * 24, 64)
  const total = codesAt + rows * stride
  if (total > 2 ** 32 - PAGE) throw new RangeError('shard too large for one WebAssembly memory')
  const pages = Math.max(1, Math.ceil(total / PAGE))
  // A shared memory needs a maximum: its own size (it never grows).
  const memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages })
  const instance = new WebAssembly.Instance(module, { env: { memory } })
  const dots = instance.exports.dots as Dots
  const buffer = memory.buffer
  return {
    shared: shared ? { module, memory, at: { codes: codesAt, probe: probeAt, out: outAt, consts: constsAt, lower: lowerAt } } : null,
    kind: 'wasm-simd',
    rows,
    stride,
    codes: new Int8Array(buffer, codesAt, rows * stride),
    probe: new Int16Array(buffer, probeAt, stride),
    out: new Int32Array(buffer, outAt, rows),
    consts: new Float64Array(buffer, constsAt, rows * 3),
    lower: new Float64Array(buffer, lowerAt, rows),
    bytes: buffer.byteLength,
    run: (k, beta, gamma) => dots(codesAt, rows, stride, probeAt, outAt, constsAt, lowerAt, k, beta, gamma),
  }
}

function jsShard(rows: number, stride: number): DotShard {
  const codes = new Int8Array(rows * stride)
  const probe = new Int16Array(stride)
  const out = new Int32Array(rows)
  const consts = new Float64Array(rows * 3)
  const lower = new Float64Array(rows)
  return {
    shared: null,
    kind: 'js',
    rows,
    stride,
    codes,
    probe,
    out,
    consts,
    lower,
    bytes: codes.byteLength + probe.byteLength + out.byteLength + consts.byteLength + lower.byteLength,
    run: (k, beta, gamma) => {
      for (let r = 0, off = 0; r < rows; r++, off += stride) {
        let s0 = 0
        let s1 = 0
        for (let i = 0; i < stride; i += 2) {
          s0 += (codes[off + i] as number) * (probe[i] as number)
          s1 += (codes[off + i + 1] as number) * (probe[i + 1] as number)
        }
        const dot = s0 + s1
        out[r] = dot
        lower[r] = (((consts[3 * r] as number) - (consts[3 * r + 1] as number) * beta) - ((consts[3 * r + 2] as number) * k) * dot) + gamma
      }
    },
  }
}

/**
 * A shard for `rows` rows of `stride` codes. kind 'auto' takes the WASM kernel when available (falling back to JS if
 * its memory cannot be had); 'js' forces the plain one (tests compare the two). `shared`: in a shared memory adopted by
 * the installed helper thread, where there is one and shared memory can be had (otherwise a shard of its own).
 */
export function createDotShard(rows: number, stride: number, kind: 'auto' | KernelKind = 'auto', shared = false): DotShard {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError('rows must be a non-negative integer')
  if (!Number.isInteger(stride) || stride <= 0 || stride % KERNEL_STEP !== 0) throw new RangeError(`stride must be a positive multiple of ${KERNEL_STEP}`)
  const module = kind === 'js' ? null : wasmModule()
  if (kind === 'wasm-simd' && !module) throw new Error('WebAssembly SIMD is not available here')
  const sharedModule = module && shared && helper ? wasmModule(true) : null
  if (sharedModule && helper) {
    try {
      const shard = wasmShard(sharedModule, rows, stride, true)
      helper.adopt(shard)
      return shard
    } catch {
      // no shared memory for it: a shard of its own below
    }
  }
  if (module) {
    try {
      return wasmShard(module, rows, stride, false)
    } catch (err) {
      if (kind === 'wasm-simd') throw err
      // no memory for it: the plain kernel gives the same numbers
    }
  }
  return jsShard(rows, stride)
}
