import { describe, expect, it } from 'vitest'
import { LivenessChallenge } from '@shared/face/liveness'
import { checkFaceQuality, type FaceQualityResult } from '@shared/face/quality'
import { headTurnFrames, syntheticLandmarks } from '@shared/face/synthetic'
import { faceMovement, type HintInput, livenessLandmarks, MOVING_THRESHOLD, selectHint } from './hints'

const frame = { width: 640, height: 480 }
const face = (x: number, y: number, w: number, h: number, score = 0.95) => ({ box: { x, y, width: w, height: h }, score, landmarks: syntheticLandmarks({ yawDeg: 0 }) })
const ok = checkFaceQuality([face(200, 100, 200, 240)], frame)
const noFace = checkFaceQuality([], frame)
const group = checkFaceQuality([face(50, 100, 180, 220), face(380, 90, 170, 210)], frame)
const small = checkFaceQuality([face(300, 200, 50, 56)], frame)
const dim = checkFaceQuality([face(200, 100, 200, 240, 0.4)], frame)

const pending = (phase: 'center' | 'turn' | 'return', prompt: 'look_straight' | 'turn_left' | 'turn_right') => ({ status: 'pending' as const, phase, prompt })
const input = (quality: FaceQualityResult, extra: Partial<HintInput> = {}): HintInput => ({
  stage: 'liveness',
  quality,
  liveness: pending('center', 'look_straight'),
  moving: false,
  frontal: true,
  ...extra,
})

describe('selectHint', () => {
  it('names the quality problem first: no face, only one face, move closer, more light', () => {
    expect(selectHint(input(noFace))).toBe('no_face')
    expect(selectHint(input(group))).toBe('one_face')
    expect(selectHint(input(small))).toBe('move_closer')
    expect(selectHint(input(dim))).toBe('more_light')
    expect(selectHint(input(group, { stage: 'capture' }))).toBe('one_face')
  })

  it('asks for the liveness step once the face is good', () => {
    expect(selectHint(input(ok))).toBe('look_straight')
    expect(selectHint(input(ok, { liveness: pending('turn', 'turn_left') }))).toBe('turn_left')
    expect(selectHint(input(ok, { liveness: pending('turn', 'turn_right') }))).toBe('turn_right')
    expect(selectHint(input(ok, { liveness: pending('return', 'look_straight') }))).toBe('look_straight')
    expect(selectHint(input(ok, { liveness: { status: 'passed', phase: 'return', prompt: 'done' } }))).toBe('hold_still')
  })

  it('does not ask for light or distance while the head is turned (turned faces score lower)', () => {
    expect(selectHint(input(dim, { liveness: pending('turn', 'turn_left') }))).toBe('turn_left')
    expect(selectHint(input(small, { liveness: pending('return', 'look_straight') }))).toBe('look_straight')
    // ...but a second person or no face at all is always said.
    expect(selectHint(input(group, { liveness: pending('turn', 'turn_left') }))).toBe('one_face')
    expect(selectHint(input(noFace, { liveness: pending('turn', 'turn_left') }))).toBe('no_face')
  })

  it('during the captures: look straight, hold still, then capturing', () => {
    expect(selectHint(input(ok, { stage: 'capture', frontal: false }))).toBe('look_straight')
    expect(selectHint(input(ok, { stage: 'capture', moving: true }))).toBe('hold_still')
    expect(selectHint(input(ok, { stage: 'capture' }))).toBe('capturing')
    expect(selectHint(input(dim, { stage: 'capture' }))).toBe('more_light')
    expect(selectHint(input(noFace, { stage: 'done' }))).toBe('done')
  })

  it('follows a recorded head-turn sequence through a whole challenge', () => {
    const challenge = new LivenessChallenge(['turn_left', 'turn_right'])
    const hints = new Set<string>()
    for (const f of headTurnFrames(['turn_left', 'turn_right'])) {
      const quality = checkFaceQuality([{ box: { x: 200, y: 100, width: 200, height: 240 }, score: 0.9 }], frame)
      const state = challenge.feed(f)
      hints.add(selectHint({ stage: 'liveness', quality, liveness: state, moving: false, frontal: true }))
    }
    expect(challenge.state.status).toBe('passed')
    expect([...hints]).toEqual(['look_straight', 'turn_left', 'turn_right', 'hold_still'])
  })
})

describe('livenessLandmarks', () => {
  it('gives the one face’s landmarks when it is good or only scores low', () => {
    expect(livenessLandmarks(ok, [face(200, 100, 200, 240)])).toHaveLength(68)
    expect(livenessLandmarks(dim, [face(200, 100, 200, 240, 0.4)])).toHaveLength(68)
  })

  it('gives nothing for no face, a group or a face too small to measure', () => {
    expect(livenessLandmarks(noFace, [])).toBeNull()
    expect(livenessLandmarks(group, [face(50, 100, 180, 220), face(380, 90, 170, 210)])).toBeNull()
    expect(livenessLandmarks(small, [face(300, 200, 50, 56)])).toBeNull()
  })
})

describe('faceMovement', () => {
  const box = { x: 200, y: 100, width: 200, height: 240 }
  it('is 0 for the same box and grows with shift and size change', () => {
    expect(faceMovement(box, box)).toBe(0)
    expect(faceMovement(box, { ...box, x: 204 })).toBeLessThan(MOVING_THRESHOLD)
    expect(faceMovement(box, { ...box, x: 230 })).toBeGreaterThan(MOVING_THRESHOLD)
    expect(faceMovement(box, { ...box, width: 240, height: 280 })).toBeGreaterThan(MOVING_THRESHOLD)
  })

  it('counts a missing previous or current face as movement', () => {
    expect(faceMovement(null, box)).toBe(Number.POSITIVE_INFINITY)
    expect(faceMovement(box, null)).toBe(Number.POSITIVE_INFINITY)
  })
})
