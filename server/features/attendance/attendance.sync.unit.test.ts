import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FACE_DESCRIPTOR_LENGTH } from '../../../shared/face/descriptor'
import { buildGallery, identify, verify } from '../../../shared/face/match'
import type { AppDeps } from '../../context'
import { faceDecision } from './attendance.verify'

// The server's own face decision of a capture (faceDecision, run by the verify job on the probe
// it derived from the evidence frames) must conclude what identify() and verify() conclude over the same gallery.

/** Park–Miller + Box–Muller: reproducible gaussian numbers. */
function gaussian(seed: number): () => number {
  let s = seed % 2147483647 || 1
  const uniform = () => (s = (s * 16807) % 2147483647) / 2147483647
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

/**
 * Every number below was chosen for 128-d descriptors; S keeps the same geometry in FACE_DESCRIPTOR_LENGTH dimensions
 * (distances, norms, thresholds and margins all scaled alike), so every vector stays a plausible descriptor (norm 0.5-3).
 */
const S = Math.sqrt(128 / FACE_DESCRIPTOR_LENGTH)

/** A gallery of look-alikes: members whose faces are close to one common face, `spread` apart. */
function lookAlikes(seed: number, members: number, perMember: number, spread: number) {
  const g = gaussian(seed)
  const base = Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, () => g() * 0.1 * S)
  const centres = Array.from({ length: members }, () => Float32Array.from(base, (v) => v + g() * spread * S))
  const entries = centres.flatMap((c, m) => Array.from({ length: perMember }, () => ({ memberId: m + 1, descriptor: Float32Array.from(c, (v) => v + g() * 0.02 * S) })))
  return { g, base, centres, entries, gallery: buildGallery(entries) }
}

describe('faceDecision (the verify job)', () => {
  /** Just what faceDecision reads of the app: the organization's cached gallery. */
  const depsWith = (gallery: ReturnType<typeof buildGallery>) => ({ faceIndex: { get: async () => gallery } }) as unknown as AppDeps

  it('names the member only when they are the closest, under the threshold and clear of everyone else by the margin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.005, max: 0.06, noNaN: true }),
        fc.constantFrom(0, 0.02, 0.05, 0.1),
        fc.constantFrom(0.4, 0.5, 0.6),
        async (seed, members, perMember, spread, margin128, threshold128) => {
          const [margin, threshold] = [margin128 * S, threshold128 * S]
          const { g, base, centres, entries, gallery } = lookAlikes(seed, members, perMember, spread)
          const deps = depsWith(gallery)
          const options = { threshold, margin }
          for (let k = 0; k < 6; k++) {
            const who = 1 + (Math.floor(Math.abs(g() * 1000)) % members)
            const near = Float32Array.from(centres[who - 1]!, (v) => v + g() * 0.02 * S)
            const other = centres[Math.floor(Math.abs(g() * 1000)) % members]!
            const between = Float32Array.from(near, (v, i) => (v + (other[i] as number)) / 2)
            const stranger = Float32Array.from(base, (v) => v + g() * 0.06 * S)
            for (const probe of [near, between, stranger]) {
              for (const asked of [who, 1 + ((who + 1) % members), members + 7]) {
                const got = await faceDecision(deps, 1, asked, probe, threshold, margin)
                const own = entries.filter((e) => e.memberId === asked).map((e) => e.descriptor)
                const hit = identify(gallery, probe, options)
                const mine = verify(own, probe, threshold)
                const want =
                  own.length === 0 ? 'not_registered' : !mine.verified || hit.memberId !== asked ? 'not_member' : hit.verified ? 'ok' : 'low_margin'
                expect({ seed, k, asked, code: got.code }).toEqual({ seed, k, asked, code: want })
                expect(got.outcome).toBe({ ok: 'pass', low_margin: 'warn', not_member: 'fail', not_registered: 'fail' }[want])
                expect(got).toMatchObject({ threshold, margin })
                if (own.length > 0) expect(got.distance).toBeCloseTo(mine.distance!, 3)
                else expect(got.distance).toBeNull()
              }
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('fails a member with no face registered, and a face in an empty gallery', async () => {
    const probe = Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, (_, i) => Math.sin(i) * 0.1)
    expect(await faceDecision(depsWith(buildGallery([])), 1, 1, probe, 0.5, 0.05)).toMatchObject({ outcome: 'fail', code: 'not_registered', distance: null })
  })
})
