import { describe, expect, it } from 'vitest'
import {
  base64ToBytes,
  bytesToBase64,
  checkDescriptor,
  decodeDescriptor,
  DescriptorError,
  descriptorFromBytes,
  descriptorToBytes,
  encodeDescriptor,
  FACE_DESCRIPTOR_BYTES,
  FACE_DESCRIPTOR_LENGTH,
} from './descriptor'

const D = FACE_DESCRIPTOR_LENGTH

/** A unit-length pseudo-random descriptor, like the model's. */
function sample(seed = 1): Float32Array {
  const d = new Float32Array(D)
  let s = seed
  let sum = 0
  for (let i = 0; i < D; i++) {
    s = (s * 16807) % 2147483647
    d[i] = (s / 2147483647) * 2 - 1
    sum += d[i]! * d[i]!
  }
  for (let i = 0; i < D; i++) d[i] = d[i]! / Math.sqrt(sum)
  return d
}

function nodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

describe('descriptor encoding', () => {
  it('round-trips through base64 of the little-endian Float32 bytes', () => {
    const d = sample()
    const b64 = encodeDescriptor(d)
    expect(b64).toHaveLength(Math.ceil(FACE_DESCRIPTOR_BYTES / 3) * 4)
    expect(Array.from(decodeDescriptor(b64))).toEqual(Array.from(d))
  })

  it('is byte-compatible with Node Buffer base64 and Float32Array little-endian memory', () => {
    const d = sample(7)
    const le = new Uint8Array(new Float32Array(d).buffer) // x86/ARM are little-endian
    expect(encodeDescriptor(d)).toBe(nodeBase64(le))
    expect(Array.from(descriptorFromBytes(Buffer.from(encodeDescriptor(d), 'base64')))).toEqual(Array.from(d))
    expect(descriptorToBytes(d)).toHaveLength(FACE_DESCRIPTOR_BYTES)
  })

  it('encodes known bytes like the standard base64 alphabet, for every tail length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xFF)
      expect(bytesToBase64(bytes)).toBe(nodeBase64(bytes))
      expect(Array.from(base64ToBytes(nodeBase64(bytes)))).toEqual(Array.from(bytes))
    }
    expect(Array.from(base64ToBytes('-_8'))).toEqual([0xFB, 0xFF]) // URL-safe alphabet, no padding
  })

  it('accepts plain number arrays', () => {
    const arr = Array.from(sample(3))
    expect(Array.from(decodeDescriptor(encodeDescriptor(arr)))).toEqual(Array.from(Float32Array.from(arr)))
  })

  it('rejects wrong lengths, junk and non-finite or absurd values', () => {
    expect(() => decodeDescriptor('')).toThrow(DescriptorError)
    expect(() => decodeDescriptor('not base64 at all!')).toThrow(/base64/)
    expect(() => decodeDescriptor(nodeBase64(new Uint8Array(FACE_DESCRIPTOR_BYTES - 4)))).toThrow(new RegExp(`${FACE_DESCRIPTOR_BYTES} bytes`))
    expect(() => encodeDescriptor(new Float32Array(D - 1))).toThrow(new RegExp(String(D)))
    expect(() => encodeDescriptor(new Float32Array(D + 1))).toThrow(new RegExp(String(D)))
    expect(() => encodeDescriptor(new Float32Array(128).fill(0.088))).toThrow(/values/) // face-api's old 128-d descriptor

    const nan = sample()
    nan[5] = Number.NaN
    expect(checkDescriptor(nan)).toMatchObject({ ok: false, problem: 'not_finite' })
    const inf = sample()
    inf[0] = Infinity
    expect(() => decodeDescriptor(nodeBase64(new Uint8Array(inf.buffer)))).toThrow(DescriptorError)
    const huge = sample()
    huge[9] = 1e6
    expect(checkDescriptor(huge)).toMatchObject({ ok: false, problem: 'out_of_range' })
    expect(checkDescriptor(new Float32Array(D))).toMatchObject({ ok: false, problem: 'bad_norm' })
    expect(checkDescriptor(new Float32Array(D).fill(0.5))).toMatchObject({ ok: false, problem: 'bad_norm' })
    expect(checkDescriptor(new Float32Array(D).fill(0.01))).toMatchObject({ ok: false, problem: 'bad_norm' })
    expect(checkDescriptor(sample().map((v) => v * 4))).toMatchObject({ ok: false, problem: 'bad_norm' })
    expect(checkDescriptor(sample())).toEqual({ ok: true })
  })

  it('rejects bytes read with the wrong endianness', () => {
    const bytes = descriptorToBytes(sample(5))
    for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse()
    expect(() => descriptorFromBytes(bytes)).toThrow(DescriptorError)
  })

  it('reads from a Buffer view with a byte offset (bytea from a pool)', () => {
    const d = sample(11)
    const pool = new Uint8Array(FACE_DESCRIPTOR_BYTES + 3)
    pool.set(descriptorToBytes(d), 3)
    expect(Array.from(descriptorFromBytes(pool.subarray(3)))).toEqual(Array.from(d))
  })
})
