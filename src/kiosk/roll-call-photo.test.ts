import { describe, expect, it } from 'vitest'
import { ROLL_CALL_PHOTO_MAX_CHARS } from '@shared/attendance/roll-call'
import { blobToBase64, encodeWithin, faceThumb, PHOTO_MAX_BYTES } from './roll-call-photo'

describe('the roll-call photo', () => {
  it('keeps the best JPEG quality that fits the request, lowering it only as needed', async () => {
    const tried: number[] = []
    const encode = async (quality: number) => {
      tried.push(quality)
      return new Blob([new Uint8Array(Math.round(quality * 1000))])
    }
    expect((await encodeWithin(encode, 750)).size).toBe(700)
    expect(tried).toEqual([0.9, 0.8, 0.7])
    await expect(encodeWithin(encode, 100)).rejects.toThrow(/does not fit/)
  })

  it('fits the server\'s limit once in base64', async () => {
    expect(Math.ceil(PHOTO_MAX_BYTES / 3) * 4).toBeLessThanOrEqual(ROLL_CALL_PHOTO_MAX_CHARS)
    expect(await blobToBase64(new Blob([new Uint8Array([255, 216, 255])]))).toBe('/9j/')
  })

  it('frames a face as a square thumbnail', () => {
    // A 40 px face at (100, 200) of a 1000x800 photo, in a 60 px thumbnail: the 60 px square around it fills it.
    expect(faceThumb({ x: 100, y: 200, width: 40, height: 40 }, { width: 1000, height: 800 }, 60)).toEqual({ backgroundSize: '1000px 800px', backgroundPosition: '-90px -190px' })
  })
})
