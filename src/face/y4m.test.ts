// The fake camera of the browser tests (e2e/support/y4m.ts) is code too: check the format Chromium reads.
import { describe, expect, it } from 'vitest'
import { encodeY4m, rgbToI420, y4mHeader } from '../../e2e/support/y4m'

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3)
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i)
  return { data, width, height }
}

describe('Y4M fake camera', () => {
  it('writes the header Chromium expects', () => {
    expect(y4mHeader(640, 480, 15)).toBe('YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n')
  })

  it('converts RGB to 4:2:0 planes in BT.601 studio range', () => {
    const white = rgbToI420(solid(4, 2, [255, 255, 255]))
    expect(white).toHaveLength(4 * 2 + 2 * 2 * 1)
    expect(Array.from(white.subarray(0, 8))).toEqual(Array.from({ length: 8 }).fill(235))
    expect(Array.from(white.subarray(8))).toEqual([128, 128, 128, 128])
    const black = rgbToI420(solid(2, 2, [0, 0, 0]))
    expect(Array.from(black)).toEqual([16, 16, 16, 16, 128, 128])
    const red = rgbToI420(solid(2, 2, [255, 0, 0]))
    expect(red[0]).toBe(81)
    expect(red[4]).toBe(90) // U
    expect(red[5]).toBe(240) // V
  })

  it('averages chroma over each 2x2 block', () => {
    const frame = solid(2, 2, [0, 0, 0])
    frame.data.set([255, 255, 255], 0) // one white pixel of four
    const planes = rgbToI420(frame)
    expect(Array.from(planes.subarray(0, 4))).toEqual([235, 16, 16, 16])
    expect(planes[4]).toBe(128)
  })

  it('frames the planes with FRAME markers', () => {
    const video = encodeY4m([solid(2, 2, [0, 0, 0]), solid(2, 2, [255, 255, 255])], 15)
    const text = video.toString('latin1')
    const header = 'YUV4MPEG2 W2 H2 F15:1 Ip A1:1 C420jpeg\n'
    expect(text.startsWith(header)).toBe(true)
    expect(video.length).toBe(header.length + 2 * ('FRAME\n'.length + 6))
    expect(text.split('FRAME\n')).toHaveLength(3)
  })

  it('rejects odd sizes and mixed frame sizes', () => {
    expect(() => rgbToI420(solid(3, 2, [0, 0, 0]))).toThrow(/even/)
    expect(() => encodeY4m([solid(2, 2, [0, 0, 0]), solid(4, 2, [0, 0, 0])])).toThrow(/same size/)
    expect(() => encodeY4m([])).toThrow()
  })
})
