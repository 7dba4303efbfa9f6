import { describe, expect, it } from 'vitest'
import {
  chooseChallenge,
  DEFAULT_LIVENESS_OPTIONS,
  estimateYaw,
  LivenessChallenge,
  runLiveness,
  type LivenessDirection,
  type LivenessFrame,
} from './liveness'
import { headTurnFrames, syntheticLandmarks } from './synthetic'

/** Deterministic random source (Park–Miller). */
function seeded(seed: number): () => number {
  let s = seed
  return () => (s = (s * 16807) % 2147483647) / 2147483647
}

/** A recorded sequence of yaw angles (degrees) at 10 fps. */
function framesFromYaws(yaws: readonly (number | null)[], opts: { fps?: number; startT?: number } = {}): LivenessFrame[] {
  const fps = opts.fps ?? 10
  return yaws.map((yawDeg, i) => ({
    t: (opts.startT ?? 0) + (i * 1000) / fps,
    landmarks: yawDeg === null ? null : syntheticLandmarks({ yawDeg }),
  }))
}

describe('estimateYaw', () => {
  it('is 0 for a frontal face and grows with the head turn, signed by direction', () => {
    expect(estimateYaw(syntheticLandmarks({ yawDeg: 0 }))).toBeCloseTo(0, 6)
    const y10 = estimateYaw(syntheticLandmarks({ yawDeg: 10 }))!
    const y30 = estimateYaw(syntheticLandmarks({ yawDeg: 30 }))!
    expect(y10).toBeGreaterThan(0.1)
    expect(y30).toBeGreaterThan(y10)
    expect(y30).toBeGreaterThan(DEFAULT_LIVENESS_OPTIONS.turnYaw)
    expect(estimateYaw(syntheticLandmarks({ yawDeg: -30 }))).toBeCloseTo(-y30, 6)
  })

  it('flips sign for mirrored frames', () => {
    const lm = syntheticLandmarks({ yawDeg: 25 })
    expect(estimateYaw(lm, true)).toBeCloseTo(-estimateYaw(lm)!, 6)
  })

  it('does not depend on position, scale or head roll', () => {
    const ref = estimateYaw(syntheticLandmarks({ yawDeg: 20 }))!
    expect(estimateYaw(syntheticLandmarks({ yawDeg: 20, scale: 40, cx: 50, cy: 900 }))).toBeCloseTo(ref, 6)
    expect(estimateYaw(syntheticLandmarks({ yawDeg: 20, rollDeg: 25 }))).toBeCloseTo(ref, 6)
  })

  it('does not move when a flat photo of a frontal face is turned or tilted', () => {
    for (const squashX of [1, 0.8, 0.6, 0.4]) {
      expect(Math.abs(estimateYaw(syntheticLandmarks({ yawDeg: 0, squashX, rollDeg: 10 }))!)).toBeLessThan(1e-6)
    }
  })

  it('returns null for unusable landmarks', () => {
    expect(estimateYaw([])).toBeNull()
    expect(estimateYaw(syntheticLandmarks({ yawDeg: 0 }).slice(0, 67))).toBeNull()
    expect(estimateYaw(Array.from({ length: 68 }, () => ({ x: 5, y: 5 })))).toBeNull()
  })
})

describe('chooseChallenge', () => {
  it('draws each step from the injected random source', () => {
    const values = [0.1, 0.9, 0.49, 0.5]
    let i = 0
    expect(chooseChallenge(() => values[i++]!, 4)).toEqual(['turn_left', 'turn_right', 'turn_left', 'turn_right'])
    expect(chooseChallenge(seeded(5), 3)).toEqual(chooseChallenge(seeded(5), 3))
    expect(() => chooseChallenge(Math.random, 0)).toThrow(RangeError)
  })

  it('produces every sequence over many draws', () => {
    const seen = new Set<string>()
    const rnd = seeded(123)
    for (let k = 0; k < 200; k++) seen.add(chooseChallenge(rnd, 2).join(','))
    expect(seen.size).toBe(4)
  })
})

describe('LivenessChallenge', () => {
  const sequences: LivenessDirection[][] = [
    ['turn_left'],
    ['turn_right'],
    ['turn_left', 'turn_right'],
    ['turn_right', 'turn_left'],
    ['turn_left', 'turn_left'],
  ]
  for (const steps of sequences) {
    it(`passes a recorded head-turn sequence: ${steps.join(' then ')}`, () => {
      const c = new LivenessChallenge(steps)
      expect(c.state).toMatchObject({ status: 'pending', phase: 'center', prompt: 'look_straight' })
      const state = runLiveness(c, headTurnFrames(steps))
      expect(state).toMatchObject({ status: 'passed', prompt: 'done', reason: null, step: steps.length })
    })
  }

  it('prompts each step in turn', () => {
    const c = new LivenessChallenge(['turn_right', 'turn_left'])
    const prompts = headTurnFrames(['turn_right', 'turn_left']).map((f) => c.feed(f).prompt)
    const distinct = prompts.filter((p, i) => p !== prompts[i - 1])
    expect(distinct).toEqual(['look_straight', 'turn_right', 'look_straight', 'turn_left', 'look_straight', 'done'])
  })

  it('a still image fails: frontal photo, turned photo, and a photo tilted or turned in the hand', () => {
    const still = (deg: number, n = 250): LivenessFrame[] => framesFromYaws(Array.from({ length: n }, () => deg))
    expect(runLiveness(new LivenessChallenge(['turn_left']), still(0))).toMatchObject({ status: 'failed', reason: 'timeout' })
    expect(runLiveness(new LivenessChallenge(['turn_left']), still(30))).toMatchObject({ status: 'failed', reason: 'timeout' })
    // A shorter recording of a still image never passes either.
    expect(runLiveness(new LivenessChallenge(['turn_right']), still(0, 40)).status).toBe('pending')
    // Waving a printed frontal photo around (turning the sheet, tilting it) keeps the yaw at 0.
    const waved: LivenessFrame[] = Array.from({ length: 250 }, (_, i) => ({
      t: i * 100,
      landmarks: syntheticLandmarks({ yawDeg: 0, squashX: 0.5 + 0.5 * Math.abs(Math.cos(i / 5)), rollDeg: 15 * Math.sin(i / 7), cx: 300 + i }),
    }))
    expect(runLiveness(new LivenessChallenge(['turn_left', 'turn_right']), waved)).toMatchObject({ status: 'failed', reason: 'timeout' })
  })

  it('fails when the head turns the wrong way', () => {
    const state = runLiveness(new LivenessChallenge(['turn_left']), headTurnFrames(['turn_right']))
    expect(state).toMatchObject({ status: 'failed', reason: 'wrong_direction' })
    const second = runLiveness(new LivenessChallenge(['turn_left', 'turn_right']), headTurnFrames(['turn_left', 'turn_left']))
    expect(second).toMatchObject({ status: 'failed', reason: 'wrong_direction', step: 1 })
  })

  it('does not pass without coming back to frontal', () => {
    const state = runLiveness(new LivenessChallenge(['turn_left']), framesFromYaws([0, 0, 0, 10, 20, 30, 30, 30, 30, 30, 30]))
    expect(state).toMatchObject({ status: 'pending', phase: 'return' })
  })

  it('does not start until the face is frontal', () => {
    // Starts turned to the left already: the left turn only counts after a frontal pose.
    const c = new LivenessChallenge(['turn_left'])
    runLiveness(c, framesFromYaws([30, 30, 30, 30]))
    expect(c.state).toMatchObject({ status: 'pending', phase: 'center' })
    expect(runLiveness(c, framesFromYaws([0, 0, 30, 30, 0, 0], { startT: 500 })).status).toBe('passed')
  })

  it('needs a small turn to be large enough, and ignores one-frame spikes', () => {
    expect(runLiveness(new LivenessChallenge(['turn_left']), headTurnFrames(['turn_left'], { peakDeg: 8 })).status).toBe('pending')
    const spike = framesFromYaws([0, 0, 0, 35, 0, 0, 0, 35, 0, 0])
    expect(runLiveness(new LivenessChallenge(['turn_left']), spike)).toMatchObject({ status: 'pending', phase: 'turn' })
  })

  it('tolerates frames without a face but resets the hold', () => {
    const yaws = [0, null, 0, 0, 30, null, 30, 30, 0, 0]
    const state = runLiveness(new LivenessChallenge(['turn_left']), framesFromYaws(yaws))
    expect(state.status).toBe('passed')
  })

  it('tolerates landmark jitter', () => {
    const rnd = seeded(99)
    const frames = headTurnFrames(['turn_right', 'turn_left']).map((f, i) => ({
      t: f.t,
      landmarks: syntheticLandmarks({ yawDeg: estimateYawDeg(f), jitter: { pixels: 1.5, random: rnd }, cx: 320 + i }),
    }))
    expect(runLiveness(new LivenessChallenge(['turn_right', 'turn_left']), frames).status).toBe('passed')
  })

  it('times out when the turns come too late, and stays final once decided', () => {
    const c = new LivenessChallenge(['turn_left'], { timeoutMs: 1000 })
    const late = headTurnFrames(['turn_left'], { fps: 5 }) // 16 frames at 5 fps = 3 s
    expect(runLiveness(c, late)).toMatchObject({ status: 'failed', reason: 'timeout' })
    expect(c.feed({ t: 0, landmarks: syntheticLandmarks({ yawDeg: 0 }) }).status).toBe('failed')
  })

  it('works on mirrored previews when told so', () => {
    const mirroredFrames = headTurnFrames(['turn_left']).map((f) => ({
      t: f.t,
      landmarks: f.landmarks!.map((p) => ({ x: 640 - p.x, y: p.y })).map((_, i, all) => all[MIRROR_INDEX[i]!]!),
    }))
    expect(runLiveness(new LivenessChallenge(['turn_left'], { mirrored: true }), mirroredFrames).status).toBe('passed')
    expect(runLiveness(new LivenessChallenge(['turn_left']), mirroredFrames).reason).toBe('wrong_direction')
  })

  it('picks a random sequence through the injected source', () => {
    const c = LivenessChallenge.random(() => 0.7, 2)
    expect(c.steps).toEqual(['turn_right', 'turn_right'])
    expect(() => new LivenessChallenge([])).toThrow(RangeError)
    expect(() => new LivenessChallenge(['turn_left'], { frontalYaw: 0.5, turnYaw: 0.4 })).toThrow(RangeError)
  })
})

/** The synthetic frames carry no yaw; recover the degrees they were generated with (inverse of the monotone map). */
function estimateYawDeg(frame: LivenessFrame): number {
  const target = estimateYaw(frame.landmarks!)!
  let lo = -60
  let hi = 60
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2
    if (estimateYaw(syntheticLandmarks({ yawDeg: mid }))! < target) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/**
 * iBUG-68 index of the mirror-image point: flipping an image horizontally swaps left/right landmarks, and a detector
 * run on the flipped image labels them by their new image position.
 */
const MIRROR_INDEX: number[] = (() => {
  const m = Array.from({ length: 68 }, (_, i) => i)
  const pair = (a: number, b: number): void => {
    m[a] = b
    m[b] = a
  }
  for (let i = 0; i <= 7; i++) pair(i, 16 - i) // jaw
  for (let i = 0; i < 5; i++) pair(17 + i, 26 - i) // brows
  pair(31, 35)
  pair(32, 34) // nose base
  pair(36, 45)
  pair(37, 44)
  pair(38, 43)
  pair(39, 42)
  pair(40, 47)
  pair(41, 46) // eyes
  pair(48, 54)
  pair(49, 53)
  pair(50, 52)
  pair(55, 59)
  pair(56, 58) // outer lip
  pair(60, 64)
  pair(61, 63)
  pair(65, 67) // inner lip
  return m
})()

describe('LivenessChallenge: the kiosk\'s \'move\' step (natural movement)', () => {
  // Degrees of the synthetic head whose yaw spans the device's moveYaw from frontal (and a margin).
  const glance = (() => {
    for (let deg = 1; deg < 40; deg++) if (estimateYaw(syntheticLandmarks({ yawDeg: deg }))! >= DEFAULT_LIVENESS_OPTIONS.moveYaw + 0.03) return deg
    throw new Error('no glance')
  })()
  const held = (deg: number, n = 4) => Array.from({ length: n }, () => deg)

  it('passes a pupil stepping in: glancing aside, then looking at the tablet (no prompt, either order, either side)', () => {
    for (const yaws of [
      [...held(glance), ...held(0)],
      [...held(-glance), ...held(0)],
      [...held(0), ...held(glance)],
      [...held(0), ...held(-glance / 2), ...held(glance / 2)],
    ]) {
      const c = new LivenessChallenge(['move'])
      const prompts = new Set<string>()
      const state = runLiveness(c, framesFromYaws(yaws))
      for (const f of framesFromYaws(yaws)) prompts.add(new LivenessChallenge(['move']).feed(f).prompt)
      expect(state, yaws.join(',')).toMatchObject({ status: 'passed', prompt: 'done', step: 1 })
      expect(prompts.has('move')).toBe(false)
    }
  })

  it('marks the frames at both ends of the span as it widens (the evidence keeps them)', () => {
    const c = new LivenessChallenge(['move'])
    const marks = framesFromYaws([glance, glance, glance / 2, 0, 0]).map((f) => c.feed(f).extreme)
    // The first held pose is both ends; the face turning to frontal lowers the low end twice; the last frame passes.
    expect(marks).toEqual([null, 'both', null, null, 'low'])
    expect(c.state.status).toBe('passed')
  })

  it('a still face, a photo moved closer, tilted or rotated never passes, and the card asks for a small turn after a while', () => {
    const still = new LivenessChallenge(['move'])
    const frames = framesFromYaws(held(0, 60))
    const prompts = frames.map((f) => still.feed(f).prompt)
    expect(still.state.status).toBe('pending')
    const askedAt = prompts.indexOf('move')
    expect(frames[askedAt]!.t - frames[1]!.t).toBeGreaterThanOrEqual(DEFAULT_LIVENESS_OPTIONS.moveAskAfterMs)
    expect(prompts.slice(0, askedAt).every((p) => p === 'look_straight')).toBe(true)
    // Asked: a small turn from where the head is, to either side, passes.
    for (const side of [1, -1]) {
      const c = new LivenessChallenge(['move'])
      runLiveness(c, framesFromYaws([...held(glance / 4, 40), ...held(glance / 4 + side * glance)]))
      expect(c.state.status, `side ${side}`).toBe('passed')
    }
    const photo: LivenessFrame[] = Array.from({ length: 150 }, (_, i) => ({
      t: i * 100,
      landmarks: syntheticLandmarks({ yawDeg: 0, scale: 60 + i, squashX: 0.5 + 0.5 * Math.abs(Math.cos(i / 5)), rollDeg: 15 * Math.sin(i / 7), cx: 300 + i }),
    }))
    expect(runLiveness(new LivenessChallenge(['move']), photo).status).toBe('pending')
    expect(runLiveness(new LivenessChallenge(['move']), framesFromYaws(held(0, 250)))).toMatchObject({ status: 'failed', reason: 'timeout' })
  })

  it('ignores a one-frame spike and a head still turning (a pose is held), and needs a frontal pose', () => {
    expect(runLiveness(new LivenessChallenge(['move']), framesFromYaws([0, 0, 0, glance * 2, 0, 0, glance * 2, 0, 0])).status).toBe('pending')
    // Sweeping without ever holding a pose off frontal.
    const sweep = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 0 : glance * 1.5))
    expect(runLiveness(new LivenessChallenge(['move']), framesFromYaws(sweep)).status).toBe('pending')
    // Two turned poses a span apart, neither frontal: not yet.
    const turned = new LivenessChallenge(['move'])
    runLiveness(turned, framesFromYaws([...held(glance * 1.2), ...held(glance * 2.6)]))
    expect(turned.state.status).toBe('pending')
  })

  it('is a challenge of its own: \'move\' beside a turn is refused', () => {
    expect(() => new LivenessChallenge(['move', 'turn_left'])).toThrow(RangeError)
  })
})
