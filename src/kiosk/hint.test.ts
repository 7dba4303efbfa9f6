import { describe, expect, it } from 'vitest'
import { idleHint, trackerHint, trackerTone } from './hint'

describe('kiosk hints', () => {
  it('say what the person in front of the camera should do', () => {
    expect(trackerHint({ status: 'idle' })).toBe('look')
    expect(trackerHint({ status: 'adjust', reason: 'multiple_faces' })).toBe('one_person')
    expect(trackerHint({ status: 'adjust', reason: 'too_small' })).toBe('closer')
    expect(trackerHint({ status: 'adjust', reason: 'low_confidence' })).toBe('light')
    // The head turn is the challenge's, asked for on the big card: no vaguer "move a little" line.
    expect(trackerHint({ status: 'checking', memberId: 1, frames: 2, needsMotion: true })).toBe('checking')
    expect(idleHint({ status: 'idle' })).toBe('look')
    expect(idleHint({ status: 'adjust', reason: 'too_small' })).toBe('closer')
    expect(idleHint({ status: 'unknown' })).toBe('checking')
    expect(trackerHint({ status: 'unknown' })).toBe('unknown')
    expect(trackerTone({ status: 'unknown' })).toBe('bad')
    expect(trackerTone({ status: 'checking', memberId: 1, frames: 1, needsMotion: false })).toBe('ok')
    expect(trackerTone({ status: 'searching' })).toBe('neutral')
  })
})
