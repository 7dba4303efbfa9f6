import { describe, expect, it } from 'vitest'
import { CaptureCollector } from './captures'

function descriptor(seed: number, noise = 0): Float32Array {
  const d = new Float32Array(128)
  let s = seed
  for (let i = 0; i < 128; i++) {
    s = (s * 16807) % 2147483647
    d[i] = ((s / 2147483647) * 2 - 1) * 0.2
  }
  for (let i = 0; i < 128; i += 2) d[i] = (d[i] as number) + noise
  return d
}

const photo = new Blob(['jpeg'], { type: 'image/jpeg' })

describe('CaptureCollector', () => {
  it('collects three captures of one face, the first with the photo', () => {
    const c = new CaptureCollector()
    expect(c.wantsPhoto).toBe(true)
    expect(c.offer({ t: 0, descriptor: descriptor(1), photo: null })).toBe('no_photo')
    expect(c.offer({ t: 0, descriptor: descriptor(1), photo })).toBe('accepted')
    expect(c.wantsPhoto).toBe(false)
    expect(c.offer({ t: 100, descriptor: descriptor(1, 0.01), photo: null })).toBe('too_soon')
    expect(c.offer({ t: 300, descriptor: descriptor(1, 0.01), photo: null })).toBe('accepted')
    expect(c.offer({ t: 600, descriptor: descriptor(1, -0.01), photo: null })).toBe('complete')
    expect(c.complete).toBe(true)
    expect(c.captures.map((x) => x.t)).toEqual([0, 300, 600])
    expect(c.offer({ t: 900, descriptor: descriptor(1), photo: null })).toBe('complete')
    expect(c.count).toBe(3)
  })

  it('starts over when another face shows up', () => {
    const c = new CaptureCollector()
    c.offer({ t: 0, descriptor: descriptor(1), photo })
    expect(c.offer({ t: 500, descriptor: descriptor(99), photo: null })).toBe('inconsistent')
    expect(c.count).toBe(0)
    expect(c.wantsPhoto).toBe(true)
  })

  it('refuses garbage descriptors', () => {
    const c = new CaptureCollector()
    expect(c.offer({ t: 0, descriptor: new Float32Array(128), photo })).toBe('invalid')
    expect(c.offer({ t: 0, descriptor: new Float32Array(5), photo })).toBe('invalid')
    expect(c.count).toBe(0)
  })

  it('takes as many captures as asked', () => {
    const c = new CaptureCollector({ needed: 5, minGapMs: 0 })
    for (let i = 0; i < 4; i++) expect(c.offer({ t: i, descriptor: descriptor(3), photo })).toBe('accepted')
    expect(c.offer({ t: 9, descriptor: descriptor(3), photo })).toBe('complete')
  })
})
