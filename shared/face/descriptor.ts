// Face descriptors on the wire and in the database: FACE_MODEL.length (512) float32 values, stored and sent as their
// little-endian bytes (2048 bytes; base64 in JSON as `face_encoding`, bytea in `member_face_data.face_encoding`).
// Plain TypeScript (no DOM, no Node): the browser, the server and the tests use this same file.
import { FACE_MODEL } from './model'

/** Length of a descriptor of the current face model (shared/face/model.ts). */
export const FACE_DESCRIPTOR_LENGTH: number = FACE_MODEL.length
/** Byte length of an encoded descriptor (length x float32). */
export const FACE_DESCRIPTOR_BYTES = FACE_DESCRIPTOR_LENGTH * 4
/** Longest base64 text of a descriptor the API accepts (padded base64 of FACE_DESCRIPTOR_BYTES, with room for spaces). */
export const FACE_ENCODING_MAX_CHARS = Math.ceil(FACE_DESCRIPTOR_BYTES / 3) * 4 + 16
/**
 * Sanity bounds. The model's descriptors are scaled to unit length (shared/face/align.ts normalizeInPlace), so every
 * component is within ±1 and the norm is 1; the norm bounds are loose (a device's claim is only stored, the server
 * computes every descriptor it decides on), they only catch garbage.
 * Anything far outside is garbage (e.g. bytes read with the wrong endianness), another model's output, or an attack.
 */
export const MAX_DESCRIPTOR_COMPONENT = 1
export const MIN_DESCRIPTOR_NORM = 0.5
export const MAX_DESCRIPTOR_NORM = 3

export type DescriptorProblem = 'wrong_length' | 'not_finite' | 'out_of_range' | 'bad_norm' | 'bad_encoding'

/** Thrown by the decoders when the input is not a valid descriptor. `problem` says why. */
export class DescriptorError extends Error {
  readonly problem: DescriptorProblem
  constructor(problem: DescriptorProblem, message: string) {
    super(message)
    this.name = 'DescriptorError'
    this.problem = problem
  }
}

export type DescriptorCheck = { ok: true } | { ok: false; problem: DescriptorProblem; message: string }

/** Checks a descriptor: exactly FACE_DESCRIPTOR_LENGTH finite numbers, each within ±MAX_DESCRIPTOR_COMPONENT, with a sane L2 norm. */
export function checkDescriptor(values: ArrayLike<number>): DescriptorCheck {
  if (values.length !== FACE_DESCRIPTOR_LENGTH) {
    return { ok: false, problem: 'wrong_length', message: `a face descriptor has ${FACE_DESCRIPTOR_LENGTH} values, got ${values.length}` }
  }
  let sum = 0
  for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) {
    const v = values[i] as number
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return { ok: false, problem: 'not_finite', message: `descriptor value ${i} is not a finite number` }
    }
    if (Math.abs(v) > MAX_DESCRIPTOR_COMPONENT) {
      return { ok: false, problem: 'out_of_range', message: `descriptor value ${i} is out of range (${v})` }
    }
    sum += v * v
  }
  const norm = Math.sqrt(sum)
  if (norm < MIN_DESCRIPTOR_NORM || norm > MAX_DESCRIPTOR_NORM) {
    return { ok: false, problem: 'bad_norm', message: `descriptor norm ${norm.toFixed(3)} is not plausible` }
  }
  return { ok: true }
}

export function isValidDescriptor(values: ArrayLike<number>): boolean {
  return checkDescriptor(values).ok
}

/** Validates and copies into a fresh Float32Array; throws DescriptorError when invalid. */
export function toDescriptor(values: ArrayLike<number>): Float32Array {
  const check = checkDescriptor(values)
  if (!check.ok) throw new DescriptorError(check.problem, check.message)
  return Float32Array.from(values)
}

/** The 512 little-endian bytes of a descriptor (validated). */
export function descriptorToBytes(values: ArrayLike<number>): Uint8Array {
  const descriptor = toDescriptor(values)
  const bytes = new Uint8Array(FACE_DESCRIPTOR_BYTES)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) view.setFloat32(i * 4, descriptor[i] as number, true)
  return bytes
}

/** Reads a descriptor from its 512 little-endian bytes (e.g. a bytea column); throws DescriptorError when invalid. */
export function descriptorFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength !== FACE_DESCRIPTOR_BYTES) {
    throw new DescriptorError('wrong_length', `an encoded face descriptor has ${FACE_DESCRIPTOR_BYTES} bytes, got ${bytes.byteLength}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) out[i] = view.getFloat32(i * 4, true)
  const check = checkDescriptor(out)
  if (!check.ok) throw new DescriptorError(check.problem, check.message)
  return out
}

/** Base64 (standard alphabet, padded) of the descriptor's little-endian Float32 bytes. */
export function encodeDescriptor(values: ArrayLike<number>): string {
  return bytesToBase64(descriptorToBytes(values))
}

/** Parses base64 (standard or URL-safe alphabet, padding optional) into a validated descriptor. */
export function decodeDescriptor(base64: string): Float32Array {
  return descriptorFromBytes(base64ToBytes(base64))
}

// --- base64 without atob/btoa/Buffer, so the same code runs in a browser, a worker and Node ---

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1)
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i
  table['-'.charCodeAt(0)] = 62
  table['_'.charCodeAt(0)] = 63
  return table
})()

export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += `${ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += `${ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!}=`
  }
  return out
}

export function base64ToBytes(input: string): Uint8Array {
  if (typeof input !== 'string') throw new DescriptorError('bad_encoding', 'face encoding must be a base64 string')
  let s = input.trim()
  while (s.endsWith('=')) s = s.slice(0, -1)
  if (s.length % 4 === 1) throw new DescriptorError('bad_encoding', 'face encoding is not valid base64')
  const out = new Uint8Array(Math.floor((s.length * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? (LOOKUP[c] as number) : -1
    if (v < 0) throw new DescriptorError('bad_encoding', 'face encoding is not valid base64')
    acc = ((acc << 6) | v) & 0xFFFFFF
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xFF
    }
  }
  return out
}
