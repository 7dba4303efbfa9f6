import { createRequire } from 'node:module'
import path from 'node:path'
import type * as Tf from '@tensorflow/tfjs'
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm'
import { describe, expect, it } from 'vitest'
import { RgbBuffers, rgbOf } from './pixels'

const nodeRequire = createRequire(import.meta.url)

/** tfjs on its WASM backend, the one the app's face worker runs on a device without a GPU. */
async function wasmTf(): Promise<typeof Tf> {
  const tf = nodeRequire('@tensorflow/tfjs') as typeof Tf
  const tfWasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof TfWasm
  tfWasm.setWasmPaths(path.join(path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep, false)
  await tf.setBackend('wasm')
  await tf.ready()
  return tf
}

/** RGBA pixels with every channel different (alpha included, which must not reach the RGB). */
function rgba(width: number, height: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 7 + seed * 13) % 256)
}

describe('the camera frame as the detector input', () => {
  it('is the tensor tf.browser.fromPixels makes of the same pixels', async () => {
    const tf = await wasmTf()
    const [width, height] = [64, 48]
    const data = rgba(width, height, 1)
    const expected = tf.browser.fromPixels({ data, width, height })
    const made = tf.tensor3d(rgbOf(data, new RgbBuffers().take(width, height)), [height, width, 3], 'int32')
    expect(made.shape).toEqual(expected.shape)
    expect(made.dtype).toBe(expected.dtype)
    expect(Array.from(made.dataSync())).toEqual(Array.from(expected.dataSync()))
    tf.dispose([made, expected])
  })

  it('keeps its values on the WASM backend when the buffer is written again (the next frame)', async () => {
    const tf = await wasmTf()
    const buffers = new RgbBuffers()
    const buffer = buffers.take(8, 6)
    const first = tf.tensor3d(rgbOf(rgba(8, 6, 1), buffer), [6, 8, 3], 'int32')
    const before = Array.from(first.dataSync())
    rgbOf(rgba(8, 6, 2), buffer)
    expect(Array.from(first.dataSync())).toEqual(before)
    first.dispose()
  })

  it('refuses pixels of another size than the buffer', () => {
    expect(() => rgbOf(new Uint8Array(4 * 10), new Int32Array(3 * 12))).toThrow(/40 RGBA values for 12 pixels/)
  })
})

describe('RgbBuffers', () => {
  it('lends the same buffer frame after frame once it is given back', () => {
    const buffers = new RgbBuffers()
    const first = buffers.take(640, 480)
    expect(first.length).toBe(640 * 480 * 3)
    buffers.give(first)
    expect(buffers.take(640, 480)).toBe(first)
  })

  it('gives a frame analysed while another holds the buffer a buffer of its own', () => {
    const buffers = new RgbBuffers()
    const held = buffers.take(640, 480)
    const other = buffers.take(640, 480)
    expect(other).not.toBe(held)
    buffers.give(held)
    expect(buffers.take(640, 480)).toBe(held)
  })

  it('makes a new buffer when the frame size changes', () => {
    const buffers = new RgbBuffers()
    const small = buffers.take(320, 240)
    buffers.give(small)
    const large = buffers.take(640, 480)
    expect(large).not.toBe(small)
    expect(large.length).toBe(640 * 480 * 3)
  })
})
