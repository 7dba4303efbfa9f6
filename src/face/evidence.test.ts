import { describe, expect, it } from 'vitest'
import { EVIDENCE_CROP_SIZE, EVIDENCE_MAX_FRAMES, evidenceSchema } from '@shared/attendance/evidence'
import { syntheticLandmarks } from '@shared/face/synthetic'
import { ChallengeRun, type RunFrame } from './challenge-run'
import { evidenceCrop, EvidenceRecorder, evidenceToWire, evidenceWireBytes, keyMoment, storedEvidence } from './evidence'

// The evidence recorder keeps exactly the frames the server needs to re-check a liveness challenge: the held frontal
// start, each held turn, each held return, and a few steady frontal frames after; the crops are cut around the face.

describe('evidenceCrop', () => {
  it('grows the face box twice around its centre and scales it down to at most 256 px', () => {
    const crop = evidenceCrop({ x: 220, y: 140, width: 200, height: 200 }, { width: 640, height: 480 })
    expect(crop).toEqual({ sx: 120, sy: 40, sw: 400, sh: 400, dw: EVIDENCE_CROP_SIZE, dh: EVIDENCE_CROP_SIZE })
  })

  it('clamps to the frame, keeping the face where it is', () => {
    const crop = evidenceCrop({ x: 10, y: 300, width: 160, height: 160 }, { width: 640, height: 480 })!
    expect(crop).toMatchObject({ sx: 0, sy: 220, sw: 250, sh: 260 })
    expect(Math.max(crop.dw, crop.dh)).toBe(EVIDENCE_CROP_SIZE)
    expect(crop.dw).toBe(Math.round((250 * EVIDENCE_CROP_SIZE) / 260))
  })

  it('never scales a small crop up, and refuses a box outside the frame', () => {
    expect(evidenceCrop({ x: 100, y: 100, width: 50, height: 60 }, { width: 640, height: 480 })).toEqual({ sx: 75, sy: 70, sw: 100, sh: 120, dw: 100, dh: 120 })
    expect(evidenceCrop({ x: 700, y: 10, width: 50, height: 50 }, { width: 640, height: 480 })).toBeNull()
  })
})

describe('keyMoment', () => {
  const s = (phase: 'center' | 'turn' | 'return', step = 0, status: 'pending' | 'passed' | 'failed' = 'pending') => ({ phase, step, status })
  it('names the frames that complete a held pose, and nothing else', () => {
    expect(keyMoment(s('center'), s('turn'))).toBe('start')
    expect(keyMoment(s('turn'), s('return'))).toBe('turn')
    expect(keyMoment(s('return'), s('turn', 1))).toBe('return')
    expect(keyMoment(s('return', 1), s('return', 2, 'passed'))).toBe('return')
    expect(keyMoment(s('turn'), s('turn'))).toBeNull()
    expect(keyMoment(s('center'), s('center'))).toBeNull()
    expect(keyMoment(null, s('turn'))).toBeNull()
    expect(keyMoment(s('turn'), s('turn', 0, 'failed'))).toBeNull()
  })
})

/** Frames of a person at 10 fps following yaw angles (degrees); null is a frame without a face. */
function frames(yaws: readonly (number | null)[], start = 0): RunFrame<string>[] {
  return yaws.map((yaw, i) => ({
    t: start + i * 100,
    landmarks: yaw === null ? null : syntheticLandmarks({ yawDeg: yaw }),
    image: yaw === null ? null : `crop@${start + i * 100}`,
    steady: yaw !== null && Math.abs(yaw) < 5,
    faceLost: yaw === null,
  }))
}

// turn_left is a positive yaw in an un-mirrored frame (shared/face/liveness.ts).
const LEFT = 35
const RIGHT = -35

describe('ChallengeRun', () => {
  it('keeps start, each turn, each return and three frontal frames after, timed from the first', () => {
    const run = new ChallengeRun<string>(['turn_left', 'turn_right'])
    const seq = frames([0, 0, 0, 20, LEFT, LEFT, LEFT, 10, 0, 0, 0, RIGHT, RIGHT, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    let last = run.state
    for (const f of seq) {
      last = run.feed(f)
      if (last.stage === 'done') break
    }
    expect(last.stage).toBe('done')
    const kept = run.frames()
    expect(kept.map((k) => k.moment)).toEqual(['start', 'turn', 'return', 'turn', 'return', 'after', 'after', 'after'])
    // start: the 2nd frontal frame (t=100); left held at its 2nd frame past the threshold (20° already is, t=400);
    // back at t=900; right held at t=1200; back at t=1400; then frontal frames at least 200 ms apart.
    expect(kept.map((k) => k.image)).toEqual(['crop@100', 'crop@400', 'crop@900', 'crop@1200', 'crop@1400', 'crop@1600', 'crop@1800', 'crop@2000'])
    expect(kept.map((k) => k.t)).toEqual([0, 300, 800, 1100, 1300, 1500, 1700, 1900])
    expect(kept.length).toBeLessThanOrEqual(EVIDENCE_MAX_FRAMES)
  })

  it('starts the same steps again after a turn the wrong way, keeping nothing from before', () => {
    const run = new ChallengeRun<string>(['turn_right'])
    const notices = frames([0, 0, LEFT, LEFT]).map((f) => run.feed(f).notice)
    expect(notices).toEqual([null, null, null, 'wrong_way'])
    expect(run.steps).toEqual(['turn_right'])
    expect(run.frames()).toEqual([])
    let state = run.state
    for (const f of frames([0, 0, RIGHT, RIGHT, 0, 0, 0, 0, 0, 0, 0, 0], 400)) state = run.feed(f)
    expect(state.stage).toBe('done')
    expect(run.frames().map((k) => k.moment)).toEqual(['start', 'turn', 'return', 'after', 'after', 'after'])
    expect(run.frames()[0]!.t).toBe(0)
  })

  it('keeps both ends of a \'move\' step\'s span (whichever came first) and the frontal frames after: valid evidence', () => {
    const run = new ChallengeRun<string>(['move'])
    // Stepping in glancing aside (held at 20°, then a little less), turning to the tablet, standing there.
    let state = run.state
    for (const f of frames([20, 20, 20, 15, 15, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) state = run.feed(f)
    expect(state.stage).toBe('done')
    const kept = run.frames()
    // The high end is the first held glance (t=100), the low end the frontal pose that completed the span (t=700).
    expect(kept.map((k) => [k.moment, k.image])).toEqual([
      ['start', 'crop@100'],
      ['turn', 'crop@700'],
      ['after', 'crop@900'],
      ['after', 'crop@1100'],
      ['after', 'crop@1300'],
    ])
    const wire = evidenceSchema.safeParse({ steps: ['move'], mode: 'offline', frames: kept.map((k) => ({ t: k.t, image: 'A'.repeat(64) })) })
    expect(wire.success).toBe(true)
    // A face that never moves keeps nothing while it waits.
    const still = new ChallengeRun<string>(['move'])
    for (const f of frames(Array.from({ length: 20 }, () => 0))) still.feed(f)
    expect(still.state.stage).toBe('liveness')
    expect(still.frames()).toEqual([])
  })

  it('fails a still face when the challenge times out, and keeps only the start', () => {
    const run = new ChallengeRun<string>(['turn_left'], { liveness: { timeoutMs: 1000 } })
    let state = run.state
    for (const f of frames(Array.from({ length: 15 }, () => 0))) state = run.feed(f)
    expect(state.stage).toBe('failed')
    expect(run.frames().map((k) => k.moment)).toEqual(['start'])
  })

  it('starts over when the face leaves the camera after the pass', () => {
    const run = new ChallengeRun<string>(['turn_left'])
    for (const f of frames([0, 0, LEFT, LEFT, 0, 0])) run.feed(f)
    expect(run.state.stage).toBe('after')
    let notice = null
    for (const f of frames(Array.from({ length: 20 }, () => null), 600)) notice = run.feed(f).notice ?? notice
    expect(notice).toBe('restarted')
    expect(run.state.stage).toBe('liveness')
    expect(run.frames()).toEqual([])
  })

  it('takes only steady frames after the pass (not turned, not moving)', () => {
    const run = new ChallengeRun<string>(['turn_left'], { recorder: { after: 2 } })
    for (const f of frames([0, 0, LEFT, LEFT, 0, 0])) run.feed(f)
    const unsteady = frames([0, 0, 0], 600).map((f) => ({ ...f, steady: false }))
    for (const f of unsteady) run.feed(f)
    expect(run.state.after).toBe(0)
    for (const f of frames([0, 0, 0], 900)) run.feed(f)
    expect(run.state).toMatchObject({ stage: 'done', after: 2 })
  })
})

describe('EvidenceRecorder', () => {
  it('never keeps more than the maximum', () => {
    const recorder = new EvidenceRecorder<string>({ max: 4, after: 3 })
    const before = { status: 'pending', phase: 'center', step: 0, steps: ['turn_left'], extreme: null } as never
    const after = { status: 'pending', phase: 'turn', step: 0, steps: ['turn_left'], extreme: null } as never
    for (let i = 0; i < 3; i++) recorder.observe(i, `k${i}`, before, after)
    expect(recorder.offerAfter(1000, 'a')).toBe('complete')
    expect(recorder.offerAfter(2000, 'b')).toBe('complete')
    expect(recorder.count).toBe(4)
  })
})

describe('stored evidence', () => {
  const jpeg = (n: number) => new Uint8Array(Array.from({ length: 60 }, (_, i) => (i * n) % 256)).buffer
  it('is what the server takes: the issued challenge, its steps, each crop as a JPEG data URL', () => {
    const stored = storedEvidence(
      { challenge_id: '0190f0a6-5a6e-7b3c-8d2e-1f2a3b4c5d6e', steps: ['turn_left', 'turn_right'], mode: 'online', expiresAt: null },
      [0, 300, 700].map((t, i) => ({ t, jpeg: jpeg(i + 1) })),
    )
    const wire = evidenceToWire(stored)
    expect(evidenceSchema.parse(wire)).toEqual(wire)
    expect(wire.frames[0]!.image.startsWith('data:image/jpeg;base64,')).toBe(true)
    expect(Buffer.from(wire.frames[1]!.image.split(',')[1]!, 'base64')).toEqual(Buffer.from(jpeg(2)))
    expect(evidenceWireBytes(stored)).toBeGreaterThan(3 * 80)
  })

  it('says offline, and names no challenge, when the device drew its own', () => {
    const stored = storedEvidence({ steps: ['turn_right'], mode: 'offline', expiresAt: null }, [0, 1, 2].map((t) => ({ t, jpeg: jpeg(3) })))
    expect(stored).not.toHaveProperty('challenge_id')
    expect(evidenceSchema.parse(evidenceToWire(stored)).mode).toBe('offline')
  })
})
