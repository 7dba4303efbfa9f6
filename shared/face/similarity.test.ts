import { describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, distanceToScore, FACE_MARGIN_RANGE, FACE_THRESHOLD_RANGE, verify } from './match'
import { DEFAULT_MIN_SIMILARITY, distanceFor, MARGIN_LEVELS, marginLevel, marginOf, SIMILARITY_RANGE, similarityOf, thresholdFor } from './similarity'

describe('the one face-match scale (similarity in percent)', () => {
  it('is the display score of every record, in percent', () => {
    for (const d of [0, 0.3, 0.61, 0.9, 1.2, 1.9]) expect(similarityOf(d)).toBeCloseTo(distanceToScore(d) * 100, 10)
  })

  it('reads the threshold and its range as a minimum similarity, and back', () => {
    expect(DEFAULT_MIN_SIMILARITY).toBeCloseTo(59.5, 10)
    expect(SIMILARITY_RANGE).toEqual({ min: 50, max: 87.5 })
    expect(thresholdFor(SIMILARITY_RANGE.min)).toBe(FACE_THRESHOLD_RANGE.max)
    expect(thresholdFor(SIMILARITY_RANGE.max)).toBe(FACE_THRESHOLD_RANGE.min)
    expect(thresholdFor(DEFAULT_MIN_SIMILARITY)).toBe(DEFAULT_FACE_THRESHOLD)
    for (let s = 50; s <= 87.5; s += 0.5) {
      expect(distanceFor(s)).toBeGreaterThanOrEqual(0)
      expect(similarityOf(distanceFor(s))).toBeCloseTo(s, 8)
      const t = thresholdFor(s)
      expect(t).toBeGreaterThanOrEqual(FACE_THRESHOLD_RANGE.min)
      expect(t).toBeLessThanOrEqual(FACE_THRESHOLD_RANGE.max)
    }
  })

  it('decides as the distance does: a face at least as alike as the minimum is accepted, one less alike is not', () => {
    const minimum = 70
    const threshold = distanceFor(minimum)
    const unit = (angle: number) => {
      const v = Array.from<number>({ length: FACE_DESCRIPTOR_LENGTH }).fill(0)
      v[0] = Math.cos(angle)
      v[1] = Math.sin(angle)
      return v
    }
    for (const angle of [0.1, 0.5, 0.7, 0.79, 0.8, 1.0, 1.4]) {
      const result = verify([unit(angle)], unit(0), threshold)
      expect(result.verified, `angle ${angle}: ${similarityOf(result.distance!).toFixed(2)}%`).toBe(similarityOf(result.distance!) > minimum)
    }
  })

  it('names every margin level, the default one normal, and reads a margin between two levels as the nearest', () => {
    expect(marginLevel(DEFAULT_FACE_MARGIN)).toBe('normal')
    for (const l of MARGIN_LEVELS) {
      expect(marginLevel(l.margin)).toBe(l.level)
      expect(marginOf(l.level)).toBe(l.margin)
      expect(l.margin).toBeGreaterThanOrEqual(FACE_MARGIN_RANGE.min)
      expect(l.margin).toBeLessThanOrEqual(FACE_MARGIN_RANGE.max)
    }
    expect(marginLevel(0.02)).toBe('off')
    expect(marginLevel(0.08)).toBe('strict')
    expect(marginLevel(0.3)).toBe('strictest')
  })
})
