// face:eval --roll-call's reporting (tools/faces/eval-roll-call.ts), without models: a tiny gallery of one-hot
// descriptors, class photos whose found faces are placed by hand, and every outcome counted where it belongs.
import { describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { buildGallery, DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '../../shared/face/match'
import { countOutcomes, judgeRollCallPhoto, planClasses, type FoundFace, type TruthFace } from './eval-roll-call'

const match = { threshold: DEFAULT_FACE_THRESHOLD, margin: DEFAULT_FACE_MARGIN }

/** A unit descriptor from (axis, weight) parts. */
function vec(...parts: [number, number][]): Float32Array {
  const v = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (const [axis, weight] of parts) v[axis] = weight
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
}
/** A unit descriptor at L2 distance d from the one-hot `axis` (the rest on the unused axis `away`). */
function near(axis: number, d: number, away: number): Float32Array {
  const cos = 1 - (d * d) / 2
  return vec([axis, cos], [away, Math.sqrt(1 - cos * cos)])
}
const box = (x: number, y = 0, size = 50) => ({ x, y, width: size, height: size })

// Members 0-3 enrolled (one-hot templates e0..e3); identities 4 and 5 are strangers.
const gallery = buildGallery([0, 1, 2, 3].map((memberId) => ({ memberId, descriptor: vec([memberId, 1]) })))

describe('judgeRollCallPhoto', () => {
  const truth: TruthFace[] = [
    { identity: 0, enrolled: true, box: box(0) },
    { identity: 1, enrolled: true, box: box(100) },
    { identity: 2, enrolled: true, box: box(200) },
    { identity: 3, enrolled: true, box: box(300) },
    { identity: 4, enrolled: false, box: box(400) },
    { identity: 5, enrolled: false, box: box(500) },
  ]
  const found: FoundFace[] = [
    { box: box(2, 2), descriptor: near(0, 0.3, 100) }, // person 0, as themself
    { box: box(101, 1), descriptor: vec([11, 1]) }, // person 1, like nobody: missed
    { box: box(200, 1), descriptor: near(3, 0.5, 101) }, // person 2, looks like member 3: named wrong
    { box: box(330), descriptor: near(2, 0.4, 102) }, // IoU 0.25 with person 3's box: not theirs; named 2 (extra named)
    { box: box(402), descriptor: vec([20, 1]) }, // stranger 4: unknown
    { box: box(498, 3), descriptor: near(1, 0.35, 103) }, // stranger 5, looks like member 1: named
    { box: box(600), descriptor: vec([30, 1]) }, // a face on the wall: unknown
    { box: box(5, 5), descriptor: near(0, 0.6, 104) }, // person 0 seen again, worse box, farther: member 0 is taken
  ]

  it('pairs faces with people by overlap one-to-one and reads every outcome off the one-to-one naming', () => {
    const outcomes = judgeRollCallPhoto(truth, found, gallery, match)
    expect(outcomes.map((o) => o.kind)).toEqual([
      'named_right',
      'missed',
      'named_wrong',
      'not_found',
      'stranger_unknown',
      'stranger_named',
      'extra_named',
      'extra_unknown',
      'extra_unknown',
    ])
    expect(outcomes[2]).toMatchObject({ identity: 2, as: 3 })
    expect(outcomes[5]).toMatchObject({ identity: 5, as: 1 })
    expect(outcomes[6]).toMatchObject({ as: 2 })
    expect(outcomes[0]).toMatchObject({ identity: 0, uncertain: false })
    expect((outcomes[0] as { distance: number }).distance).toBeCloseTo(0.3, 5)
  })

  it('an enrolled person within the margin of another member is named right but uncertain', () => {
    // d = 0.85 to member 0 and 0.88 to member 1: under the threshold, 0.03 apart (margin 0.05).
    const a = 1 - 0.85 ** 2 / 2
    const b = 1 - 0.88 ** 2 / 2
    const descriptor = vec([0, a], [1, b], [9, Math.sqrt(1 - a * a - b * b)])
    const [o] = judgeRollCallPhoto([{ identity: 0, enrolled: true, box: box(0) }], [{ box: box(0), descriptor }], gallery, match)
    expect(o).toMatchObject({ kind: 'named_right', uncertain: true })
  })

  it('no face found: everyone is not found', () => {
    expect(judgeRollCallPhoto(truth.slice(0, 2), [], gallery, match).map((o) => o.kind)).toEqual(['not_found', 'not_found'])
  })
})

describe('countOutcomes', () => {
  it('adds up the outcomes overall and per group of the person (extra faces overall only)', () => {
    const a = 1 - 0.85 ** 2 / 2
    const b = 1 - 0.88 ** 2 / 2
    const photo1 = judgeRollCallPhoto(
      [
        { identity: 0, enrolled: true, box: box(0) },
        { identity: 1, enrolled: true, box: box(100) },
        { identity: 2, enrolled: true, box: box(200) },
        { identity: 3, enrolled: true, box: box(300) },
        { identity: 4, enrolled: false, box: box(400) },
        { identity: 5, enrolled: false, box: box(500) },
      ],
      [
        { box: box(2, 2), descriptor: near(0, 0.3, 100) },
        { box: box(101, 1), descriptor: vec([11, 1]) },
        { box: box(200, 1), descriptor: near(3, 0.5, 101) },
        { box: box(330), descriptor: near(2, 0.4, 102) },
        { box: box(402), descriptor: vec([20, 1]) },
        { box: box(498, 3), descriptor: near(1, 0.35, 103) },
        { box: box(600), descriptor: vec([30, 1]) },
        { box: box(5, 5), descriptor: near(0, 0.6, 104) },
      ],
      gallery,
      match,
    )
    const photo2 = judgeRollCallPhoto([{ identity: 0, enrolled: true, box: box(0) }], [{ box: box(0), descriptor: vec([0, a], [1, b], [9, Math.sqrt(1 - a * a - b * b)]) }], gallery, match)
    const groupOf = (identity: number) => (identity === 0 || identity === 1 || identity === 4 ? 'a' : 'b')
    const { total, groups } = countOutcomes([...photo1, ...photo2], groupOf)
    expect(total).toEqual({
      faces: 7,
      found: 6,
      named_right: 2,
      uncertain_right: 1,
      named_wrong: 1,
      missed: 1,
      stranger_faces: 2,
      strangers_unknown: 1,
      strangers_named: 1,
      extra_faces: 3,
      extra_named: 1,
      false_accepts: 3,
      recall: 0.4, // 2 named right of 5 enrolled people in the photos (one of them not found)
    })
    expect([...groups.keys()].sort()).toEqual(['a', 'b'])
    expect(groups.get('a')).toEqual({
      faces: 4,
      found: 4,
      named_right: 2,
      uncertain_right: 1,
      named_wrong: 0,
      missed: 1,
      stranger_faces: 1,
      strangers_unknown: 1,
      strangers_named: 0,
      extra_faces: 0,
      extra_named: 0,
      false_accepts: 0,
      recall: 0.6667,
    })
    expect(groups.get('b')).toEqual({
      faces: 3,
      found: 2,
      named_right: 0,
      uncertain_right: 0,
      named_wrong: 1,
      missed: 0,
      stranger_faces: 1,
      strangers_unknown: 0,
      strangers_named: 1,
      extra_faces: 0,
      extra_named: 0,
      false_accepts: 2,
      recall: 0,
    })
    // Without groups everyone is in "-".
    expect([...countOutcomes(photo2).groups.keys()]).toEqual(['-'])
  })
})

describe('planClasses', () => {
  it('puts each probe photo in one class photo, nobody twice in a photo, the most photos left first', () => {
    const classes = planClasses([['a1', 'a2', 'a3'], ['b1'], ['c1', 'c2'], []], 2)
    expect(classes.map((c) => c.map((p) => p.item))).toEqual([
      ['a1', 'c1'],
      ['a2', 'b1'],
      ['a3', 'c2'],
    ])
    for (const c of classes) expect(new Set(c.map((p) => p.identity)).size).toBe(c.length)
    expect(planClasses([[], []], 4)).toEqual([])
    expect(() => planClasses([['x']], 0)).toThrow(RangeError)
  })
})
