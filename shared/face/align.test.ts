import { describe, expect, it } from 'vitest'
import { syntheticLandmarks } from './synthetic'
import { ALIGNED_SIZE, alignedInput, applySimilarity, ARCFACE_REFERENCE, estimateSimilarity, fivePoints, unitEmbedding } from './align'

describe('the 5-point ArcFace alignment', () => {
  it('recovers a known similarity exactly (rotation, scale, shift; never a shear)', () => {
    const t = { a: 1.7 * Math.cos(0.3), b: 1.7 * Math.sin(0.3), tx: 40, ty: -12 }
    const from = ARCFACE_REFERENCE.map((p) => ({ x: p.x * 2 + 5, y: p.y * 2 - 3 }))
    const to = from.map((p) => applySimilarity(t, p))
    const found = estimateSimilarity(from, to)
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(found[k]).toBeCloseTo(t[k], 9)
  })

  it('puts the eyes, nose and mouth of a frontal face near the reference points', () => {
    const landmarks = syntheticLandmarks({ yawDeg: 0, scale: 90, cx: 300, cy: 220 })
    const t = estimateSimilarity(fivePoints(landmarks), ARCFACE_REFERENCE)
    fivePoints(landmarks).forEach((p, i) => {
      const q = applySimilarity(t, p)
      expect(Math.hypot(q.x - ARCFACE_REFERENCE[i]!.x, q.y - ARCFACE_REFERENCE[i]!.y)).toBeLessThan(8)
    })
  })

  it('samples BGR planes, (x - 127) / 128, black outside the image', () => {
    const width = 640
    const height = 480
    const data = new Uint8Array(width * height * 3)
    for (let i = 0; i < width * height; i++) data.set([255, 127, 0], i * 3) // pure RGB (255, 127, 0)
    const input = alignedInput({ data, width, height, channels: 3 }, syntheticLandmarks({ yawDeg: 0, scale: 90, cx: 320, cy: 240 }))
    const plane = ALIGNED_SIZE * ALIGNED_SIZE
    const centre = (ALIGNED_SIZE / 2) * ALIGNED_SIZE + ALIGNED_SIZE / 2
    expect(input[centre]).toBeCloseTo((0 - 127) / 128, 5) // blue first
    expect(input[plane + centre]).toBeCloseTo(0, 5)
    expect(input[2 * plane + centre]).toBeCloseTo((255 - 127) / 128, 5)
    // A face at the image's corner: part of the crop falls outside and is black.
    const corner = alignedInput({ data, width, height, channels: 3 }, syntheticLandmarks({ yawDeg: 0, scale: 90, cx: 0, cy: 0 }))
    expect(corner[0]).toBeCloseTo(-127 / 128, 5)
  })

  it('turns the network output into a unit descriptor, refusing anything else', () => {
    const v = unitEmbedding(Float32Array.from([3, 4]), 2)
    expect(Array.from(v)).toEqual([0.6000000238418579, 0.800000011920929])
    expect(() => unitEmbedding(new Float32Array(3), 2)).toThrow(/unexpected/)
    expect(() => unitEmbedding([3, 4], 2)).toThrow(/unexpected/)
    expect(() => unitEmbedding(Float32Array.from([Number.NaN, 1]), 2)).toThrow(/unexpected/)
  })
})
