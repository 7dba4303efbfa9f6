import { describe, expect, it } from 'vitest'
import { cameraConstraints, cameraProblem } from './camera'

const named = (name: string) => Object.assign(new Error(name), { name })

describe('cameraProblem', () => {
  it('tells a refusal, a missing camera and a busy camera apart', () => {
    expect(cameraProblem(named('NotAllowedError'))).toBe('denied')
    expect(cameraProblem(named('SecurityError'))).toBe('denied')
    expect(cameraProblem(named('NotFoundError'))).toBe('not_found')
    expect(cameraProblem(named('OverconstrainedError'))).toBe('not_found')
    expect(cameraProblem(named('NotReadableError'))).toBe('in_use')
    expect(cameraProblem(new DOMException('denied', 'NotAllowedError'))).toBe('denied')
  })

  it('falls back to unknown', () => {
    expect(cameraProblem(named('TypeError'))).toBe('unknown')
    expect(cameraProblem('nope')).toBe('unknown')
    expect(cameraProblem(null)).toBe('unknown')
  })
})

describe('cameraConstraints', () => {
  it('asks for the front camera at 640x480 by default (a face at arm\'s length)', () => {
    expect(cameraConstraints()).toEqual({ audio: false, video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } })
  })

  it('asks for another camera and a larger frame as preferences only, so any camera still opens', () => {
    const video = cameraConstraints({ facing: 'environment', width: 1920, height: 1080 }).video as MediaTrackConstraints
    expect(video.facingMode).toBe('environment')
    expect(video.width).toEqual({ ideal: 1920 })
    expect(video.height).toEqual({ ideal: 1080 })
  })
})
