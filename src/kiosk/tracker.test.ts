import { describe, expect, it } from 'vitest'
import { FaceTracker, type Observation, yawSpread } from './tracker'

type Obs = Observation<string>
const ok = (t: number, memberId: number | null, yaw: number, distance = 0.3, payload = `f${t}`): Obs => ({ t, quality: 'ok', memberId, distance, yaw, payload })
const noFace = (t: number): Obs => ({ t, quality: 'no_face', memberId: undefined, distance: null, yaw: null })

function run(tracker: FaceTracker<string>, frames: Obs[]) {
  return frames.map((f) => tracker.feed(f))
}

describe('kiosk face tracker', () => {
  it('accepts a member after two matching frames with a little head movement, keeping the best frame', () => {
    const tracker = new FaceTracker<string>()
    const [first, second] = run(tracker, [ok(0, 7, 0.02, 0.35), ok(250, 7, 0.1, 0.28)])
    expect(first).toMatchObject({ status: 'checking', memberId: 7, frames: 1 })
    expect(second).toMatchObject({ status: 'accepted', memberId: 7, distance: 0.28, payload: 'f250', frames: 2, elapsedMs: 250 })
    // The next acceptance needs fresh frames.
    expect(tracker.feed(ok(500, 7, 0.12))).toMatchObject({ status: 'checking', frames: 1 })
  })

  it('a still picture (no yaw change) is never accepted, and the screen asks for a slight turn', () => {
    const tracker = new FaceTracker<string>()
    const states = run(tracker, Array.from({ length: 12 }, (_, i) => ok(i * 250, 7, 0.031)))
    expect(states.every((s) => s.status === 'checking')).toBe(true)
    expect(states[3]).toMatchObject({ needsMotion: false })
    expect(states.at(-1)).toMatchObject({ needsMotion: true })
    // Movement then completes it.
    expect(tracker.feed(ok(3100, 7, 0.11))).toMatchObject({ status: 'accepted', memberId: 7 })
  })

  it('with the motion check off, two frames are enough', () => {
    const tracker = new FaceTracker<string>({ minMotion: 0 })
    expect(run(tracker, [ok(0, 3, 0), ok(200, 3, 0)])[1]).toMatchObject({ status: 'accepted', memberId: 3 })
  })

  it('frames of different members never add up to one acceptance', () => {
    const tracker = new FaceTracker<string>()
    const states = run(tracker, [ok(0, 1, 0), ok(250, 2, 0.2), ok(500, 1, -0.2), ok(750, 2, 0)])
    expect(states.map((s) => s.status)).toEqual(['checking', 'checking', 'checking', 'checking'])
    expect(tracker.feed(ok(1000, 2, 0.15))).toMatchObject({ status: 'accepted', memberId: 2, frames: 2 })
  })

  it('a good face that matches nobody three frames running is "not recognised", never a guess', () => {
    const tracker = new FaceTracker<string>()
    const states = run(tracker, [ok(0, null, 0, 0.62), ok(250, null, 0.1, 0.6), ok(500, null, -0.1, 0.61)])
    expect(states.map((s) => s.status)).toEqual(['searching', 'searching', 'unknown'])
    // One miss inside a member's frames (a turned head) does not break them.
    const t2 = new FaceTracker<string>()
    expect(run(t2, [ok(0, 4, 0), ok(250, null, 0.3), ok(500, 4, 0.2)]).map((s) => s.status)).toEqual(['checking', 'checking', 'accepted'])
  })

  it('frames too far apart do not add up; a face gone for a second starts over', () => {
    const tracker = new FaceTracker<string>({ windowMs: 1000 })
    run(tracker, [ok(0, 5, 0)])
    expect(tracker.feed(ok(1500, 5, 0.2))).toMatchObject({ status: 'checking', frames: 1 })
    const t2 = new FaceTracker<string>()
    run(t2, [ok(0, 5, 0), noFace(200)])
    expect(t2.state.status).toBe('checking') // a single missed frame keeps it
    expect(t2.feed(noFace(1300))).toEqual({ status: 'idle' })
    expect(t2.feed(ok(1400, 5, 0.2))).toMatchObject({ status: 'checking', frames: 1 })
  })

  it('a second person in view stops the check; too small or dark faces ask to adjust', () => {
    const tracker = new FaceTracker<string>()
    run(tracker, [ok(0, 5, 0)])
    expect(tracker.feed({ t: 100, quality: 'multiple_faces', memberId: undefined, distance: null, yaw: null })).toEqual({ status: 'adjust', reason: 'multiple_faces' })
    expect(tracker.feed(ok(200, 5, 0.2))).toMatchObject({ status: 'checking', frames: 1 })
    expect(tracker.feed({ t: 300, quality: 'too_small', memberId: undefined, distance: null, yaw: 0 })).toEqual({ status: 'adjust', reason: 'too_small' })
  })

  it('yaw spread ignores frames without a yaw', () => {
    expect(yawSpread([{ yaw: 0.1 }, { yaw: null }, { yaw: -0.05 }])).toBeCloseTo(0.15)
    expect(yawSpread([{ yaw: 0.1 }])).toBe(0)
    expect(yawSpread([])).toBe(0)
  })
})
