// Confusable members (issue 14, "product mechanisms that make a weak model safe"): pairs of members whose face
// templates sit so close that a capture of one could be matched to the other. Plain TypeScript (no DOM, no Node).
//
// A pair is confusable when the closest two templates of the two members are nearer than threshold + margin: a
// capture of A a little off A's template can then be under the threshold for B, or too close to B for the margin.
// Exact (every pair of rows of different members), with an early exit per row pair once the partial sum passes the
// limit, so unrelated faces cost a few of their values. O(rows^2): meant for an organization's gallery on demand
// or in a job, not for every frame.

import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import type { FaceGallery, MatchOptions } from './match'

export interface ConfusablePair {
  /** The smaller member id of the pair. */
  a: number
  b: number
  /** The L2 distance between the pair's two closest templates. */
  distance: number
}

/** The distance under which two members' templates make them confusable. */
export function confusableLimit(options: MatchOptions): number {
  return options.threshold + options.margin
}

/** Every confusable pair of the gallery, closest first (ties by member ids). */
export function confusablePairs(gallery: FaceGallery, options: MatchOptions): ConfusablePair[] {
  const limit = confusableLimit(options)
  if (!(limit > 0)) return []
  const limit2 = limit * limit
  const { descriptors, memberIds, size } = gallery
  const closest = new Map<string, ConfusablePair>()
  for (let i = 0; i < size; i++) {
    const mi = memberIds[i] as number
    const oi = i * FACE_DESCRIPTOR_LENGTH
    for (let j = i + 1; j < size; j++) {
      const mj = memberIds[j] as number
      if (mi === mj) continue
      const oj = j * FACE_DESCRIPTOR_LENGTH
      let sum = 0
      let k = 0
      for (; k < FACE_DESCRIPTOR_LENGTH; k++) {
        const d = (descriptors[oi + k] as number) - (descriptors[oj + k] as number)
        sum += d * d
        if (sum >= limit2) break
      }
      if (k < FACE_DESCRIPTOR_LENGTH) continue
      const distance = Math.sqrt(sum)
      const a = Math.min(mi, mj)
      const b = Math.max(mi, mj)
      const key = `${a}:${b}`
      const known = closest.get(key)
      if (!known || distance < known.distance) closest.set(key, { a, b, distance })
    }
  }
  return [...closest.values()].sort((x, y) => x.distance - y.distance || x.a - y.a || x.b - y.b)
}

/** The members of the gallery that are in at least one confusable pair. */
export function confusableMembers(pairs: readonly ConfusablePair[]): Set<number> {
  const out = new Set<number>()
  for (const p of pairs) {
    out.add(p.a)
    out.add(p.b)
  }
  return out
}
