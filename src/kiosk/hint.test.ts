import { describe, expect, it } from 'vitest'
import { trackerHint, trackerTone } from './hint'

describe('kiosk hints', () => {
  it('say what the person in front of the camera should do', () => {
    expect(trackerHint({ status: 'idle' })).toBe('look')
    expect(trackerHint({ status: 'adjust', reason: 'multiple_faces' })).toBe('one_person')
    expect(trackerHint({ status: 'adjust', reason: 'too_small' })).toBe('closer')
    expect(trackerHint({ status: 'adjust', reason: 'low_confidence' })).toBe('light')
    expect(trackerHint({ status: 'checking', memberId: 1, frames: 2, needsMotion: true })).toBe('turn')
    expect(trackerHint({ status: 'unknown' })).toBe('unknown')
    expect(trackerTone({ status: 'unknown' })).toBe('bad')
    expect(trackerTone({ status: 'checking', memberId: 1, frames: 1, needsMotion: false })).toBe('ok')
    expect(trackerTone({ status: 'searching' })).toBe('neutral')
  })
})
