import { describe, expect, it } from 'vitest'
import { checkFaceQuality, dominantFace, type DetectedFaceLike } from './quality'

const frame = { width: 640, height: 480 }
const face = (x: number, y: number, w: number, h: number, score = 0.95): DetectedFaceLike => ({ box: { x, y, width: w, height: h }, score })

describe('checkFaceQuality', () => {
  it('accepts exactly one big, confident face', () => {
    expect(checkFaceQuality([face(200, 100, 200, 240)], frame)).toEqual({ ok: true, reason: 'ok', faceIndex: 0 })
  })

  it('no_face when nothing (or only noise) is detected', () => {
    expect(checkFaceQuality([], frame)).toMatchObject({ ok: false, reason: 'no_face' })
    expect(checkFaceQuality([face(200, 100, 200, 240, 0.1)], frame)).toMatchObject({ reason: 'no_face' })
  })

  it('multiple_faces for two people of similar size (a group photo)', () => {
    const r = checkFaceQuality([face(50, 100, 180, 220), face(380, 90, 170, 210, 0.9)], frame)
    expect(r).toMatchObject({ ok: false, reason: 'multiple_faces', faceIndex: null })
  })

  it('ignores duplicate boxes of the same face, far smaller background faces and partial faces cut by the edge', () => {
    const main = face(200, 100, 200, 240)
    expect(checkFaceQuality([main, face(210, 120, 180, 200, 0.6)], frame).reason).toBe('ok') // duplicate
    expect(checkFaceQuality([main, face(20, 20, 70, 80, 0.9)], frame).reason).toBe('ok') // background
    expect(checkFaceQuality([main, face(0, 100, 110, 230, 0.9)], frame).reason).toBe('ok') // cut by the left edge
    // The same size fully inside the frame is a second person.
    expect(checkFaceQuality([main, face(20, 100, 110, 230, 0.9)], frame).reason).toBe('multiple_faces')
    // A big face at the edge is a second person too.
    expect(checkFaceQuality([main, face(0, 100, 190, 230, 0.9)], frame).reason).toBe('multiple_faces')
  })

  it('picks the largest face as the main one, whatever the order', () => {
    const r = checkFaceQuality([face(20, 20, 70, 80, 0.99), face(200, 100, 200, 240, 0.9)], frame)
    expect(r).toEqual({ ok: true, reason: 'ok', faceIndex: 1 })
  })

  it('too_small relative to the frame and in absolute pixels', () => {
    expect(checkFaceQuality([face(300, 200, 50, 56)], frame)).toMatchObject({ reason: 'too_small', faceIndex: 0 })
    expect(checkFaceQuality([face(10, 10, 60, 70)], { width: 200, height: 200 })).toMatchObject({ reason: 'too_small' })
    expect(checkFaceQuality([face(300, 200, 70, 80)], frame, { minFaceRatio: 0.1 })).toMatchObject({ reason: 'ok' })
    expect(checkFaceQuality([face(300, 200, 70, 80)], frame, { minFaceRatio: 0.2 })).toMatchObject({ reason: 'too_small' })
  })

  it('low_confidence under the score threshold', () => {
    expect(checkFaceQuality([face(200, 100, 200, 240, 0.4)], frame)).toMatchObject({ reason: 'low_confidence', faceIndex: 0 })
    expect(checkFaceQuality([face(200, 100, 200, 240, 0.4)], frame, { minScore: 0.35 })).toMatchObject({ reason: 'ok' })
  })
})

describe('dominantFace', () => {
  it('the subject is the prominent face; two faces of similar size and score are rivals ("one at a time")', () => {
    expect(dominantFace([face(200, 100, 200, 240)], frame)).toEqual({ index: 0, rivals: [] })
    expect(dominantFace([face(50, 100, 180, 220), face(380, 90, 170, 210, 0.9)], frame)).toEqual({ index: 0, rivals: [1] })
    expect(dominantFace([], frame)).toEqual({ index: null, rivals: [] })
  })

  it('a detection clearly weaker than the subject (a pattern behind the person) is not a second person', () => {
    const subject = face(220, 100, 200, 240, 0.99)
    const pattern = face(20, 60, 160, 180, 0.45) // same size, inside the frame, scores under 0.6 x 0.99
    expect(dominantFace([subject, pattern], frame)).toEqual({ index: 0, rivals: [] })
    expect(checkFaceQuality([subject, pattern], frame).reason).toBe('ok')
    // A second face scoring like the subject still is one.
    expect(checkFaceQuality([subject, face(20, 60, 160, 180, 0.9)], frame).reason).toBe('multiple_faces')
    // The limit is an option: with 0.4 the same pattern counts.
    expect(checkFaceQuality([subject, pattern], frame, { otherFaceMinRelativeScore: 0.4 }).reason).toBe('multiple_faces')
  })

  it('a big but weak detection does not take the subject\'s place', () => {
    const pattern = face(10, 10, 300, 300, 0.35)
    const subject = face(360, 120, 200, 230, 0.98)
    expect(dominantFace([pattern, subject], frame).index).toBe(1)
    expect(checkFaceQuality([pattern, subject], frame)).toEqual({ ok: true, reason: 'ok', faceIndex: 1 })
  })

  it('between faces of equal size and score, the central one is the subject', () => {
    const corner = face(0, 0, 150, 150)
    const centre = face(245, 165, 150, 150)
    expect(dominantFace([corner, centre], frame).index).toBe(1)
    expect(dominantFace([centre, corner], frame).index).toBe(0)
  })

  it('answers the same whatever the order of the detections', () => {
    const faces = [face(50, 100, 180, 220, 0.8), face(380, 90, 170, 210, 0.9), face(20, 20, 60, 60, 0.99)]
    const a = dominantFace(faces, frame)
    const b = dominantFace([...faces].reverse(), frame)
    expect(faces[a.index!]).toBe([...faces].reverse()[b.index!])
    expect(a.rivals.map((i) => faces[i])).toEqual(b.rivals.map((i) => [...faces].reverse()[i]).reverse())
  })
})
