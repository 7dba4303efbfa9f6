import { describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import { syntheticLandmarks } from '@shared/face/synthetic'
import type { CaptureChallenge } from '~/face/evidence'
import { KioskProof, type ProofFrame } from './proof'

// The kiosk runs one person's one-turn challenge on the same frames that recognise them; the evidence is only ever
// of the member it is handed over for.

const LEFT = 35
const RIGHT = -35
const left: CaptureChallenge = { challenge_id: '0190f0a6-5a6e-7b3c-8d2e-000000000001', steps: ['turn_left'], mode: 'online', expiresAt: null }

/** A person's face descriptor (frontal frames carry it; people differ by far more than SAME_PERSON_MAX). */
function face(person: number): Float32Array {
  return Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, (_, i) => Math.sin(person * 7.3 + i) * 0.06)
}

function frames(yaws: readonly (number | null)[], memberId: number | null | undefined, start = 0, person = memberId ?? 0): ProofFrame<string>[] {
  return yaws.map((yaw, i) => ({
    t: start + i * 100,
    landmarks: yaw === null ? null : syntheticLandmarks({ yawDeg: yaw }),
    image: yaw === null ? null : `m${memberId}@${start + i * 100}`,
    steady: yaw !== null && Math.abs(yaw) < 5,
    faceLost: yaw === null,
    // A turned face rarely matches anyone: the frame says nothing about who it is.
    memberId: yaw !== null && Math.abs(yaw) < 5 ? memberId : undefined,
    descriptor: yaw !== null && Math.abs(yaw) < 5 ? face(person) : null,
  }))
}

describe('KioskProof', () => {
  it('hands over the member\'s evidence once they turned as asked: start, turn, return and two frontal frames', () => {
    const proof = new KioskProof<string>()
    for (const f of frames([0, 0, 0, LEFT, LEFT, 0, 0, 0, 0, 0, 0], 7)) proof.feed(f, left)
    const done = proof.proofOf(7)!
    expect(done.challenge).toBe(left)
    expect(done.frames.map((k) => k.moment)).toEqual(['start', 'turn', 'return', 'after', 'after'])
    expect(done.frames.every((k) => k.image.startsWith('m7@'))).toBe(true)
    expect(proof.proofOf(8)).toBeNull()
  })

  it('waits for the turn: nothing to hand over while the member only looks at the camera', () => {
    const proof = new KioskProof<string>()
    let state = null
    for (const f of frames([0, 0, 0, 0, 0, 0], 7)) state = proof.feed(f, left)
    expect(state).toMatchObject({ stage: 'liveness', liveness: { prompt: 'turn_left' } })
    expect(proof.proofOf(7)).toBeNull()
  })

  it('starts over when another member steps in, keeping nothing of the first', () => {
    const proof = new KioskProof<string>()
    for (const f of frames([0, 0, 0, LEFT, LEFT], 7)) proof.feed(f, left)
    for (const f of frames([0, 0, 0, LEFT, LEFT, 0, 0, 0, 0, 0, 0], 9, 500)) proof.feed(f, left)
    expect(proof.proofOf(7)).toBeNull()
    const done = proof.proofOf(9)!
    expect(done.frames.every((k) => k.image.startsWith('m9@'))).toBe(true)
    expect(done.frames[0]!.image).toBe('m9@600')
  })

  it('never mixes a stranger into the evidence: a different face starts over, even one that matches nobody', () => {
    const proof = new KioskProof<string>()
    // Someone nobody registered (their frames match no member) starts the challenge and turns...
    for (const f of frames([0, 0, 0, LEFT, LEFT], null, 0, 99)) proof.feed(f, left)
    // ...then the member steps in without a gap and finishes it.
    for (const f of frames([0, 0, LEFT, LEFT, 0, 0, 0, 0, 0, 0], 7, 500)) proof.feed(f, left)
    const done = proof.proofOf(7)!
    expect(done.frames.every((k) => k.image.startsWith('m7@'))).toBe(true)
  })

  it('asks again, silently, after someone stood there too long without turning', () => {
    const proof = new KioskProof<string>({ timeoutMs: 1000 })
    for (const f of frames(Array.from({ length: 15 }, () => 0), 7)) proof.feed(f, left)
    expect(proof.state!.stage).toBe('liveness')
    for (const f of frames([0, 0, LEFT, LEFT, 0, 0, 0, 0, 0, 0], 7, 1500)) proof.feed(f, left)
    expect(proof.proofOf(7)).not.toBeNull()
  })

  it('has nothing to start with until the kiosk has a challenge ready', () => {
    const proof = new KioskProof<string>()
    expect(proof.feed(frames([0], 7)[0]!, null)).toBeNull()
    expect(proof.feed(frames([0], 7, 100)[0]!, left)).toMatchObject({ stage: 'liveness' })
  })

  it('never answers a challenge a record already used: the run starts again on the next one', () => {
    const proof = new KioskProof<string>()
    for (const f of frames([0, 0, 0, LEFT, LEFT], 7)) proof.feed(f, left)
    // A record used `left` (the kiosk fetches the next): nothing ready for a moment, then a new one.
    expect(proof.feed(frames([0], 7, 500)[0]!, null)).toBeNull()
    const right: CaptureChallenge = { challenge_id: '0190f0a6-5a6e-7b3c-8d2e-000000000002', steps: ['turn_right'], mode: 'online', expiresAt: null }
    for (const f of frames([0, 0, RIGHT, RIGHT, 0, 0, 0, 0, 0, 0], 7, 600)) proof.feed(f, right)
    const done = proof.proofOf(7)!
    expect(done.challenge).toBe(right)
    expect(done.frames[0]!.image).toBe('m7@700')
  })
})
