// The one face-match scale people see: similarity in percent, 100% for identical faces. Decisions are made on the
// L2 distance between unit descriptors (shared/face/match.ts); for unit vectors the cosine similarity s and the
// distance d say the same thing (s = 1 - d²/2), so a minimum similarity is exactly a maximum distance. The lists show
// a record's similarity (face_match_score), the settings set the minimum, and the review screens explain a match in
// the same percent (issue 18: "one scale the admin understands everywhere").
//
// The margin (how far the best member must be ahead of the next one) stays a distance in the rule: it was measured
// that way (server/face/MODEL.md) and a fixed distance gap is not a fixed gap in percent. People choose it as a level
// in words, and a record explains it with the two people's similarities.
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, distanceToScore, FACE_MARGIN_RANGE, FACE_THRESHOLD_RANGE } from './match'

/** Similarity in percent (0-100, not rounded) of two faces `distance` apart. */
export function similarityOf(distance: number): number {
  return distanceToScore(distance) * 100
}

/** The distance of faces `similarity` percent alike (the inverse of similarityOf, for 0-100). */
export function distanceFor(similarity: number): number {
  const s = Math.min(100, Math.max(0, similarity)) / 100
  return Math.sqrt(2 * (1 - s))
}

/** The minimum similarity an organization may set: the threshold's range, read as percent (50 to 87.5). */
export const SIMILARITY_RANGE = Object.freeze({ min: similarityOf(FACE_THRESHOLD_RANGE.max), max: similarityOf(FACE_THRESHOLD_RANGE.min) })
/** The default minimum similarity (59.5%, the default threshold 0.9). */
export const DEFAULT_MIN_SIMILARITY = similarityOf(DEFAULT_FACE_THRESHOLD)

/**
 * A minimum similarity as the threshold distance stored for it, to 4 decimals, kept inside the threshold's range (so
 * 50% and 87.5% give exactly 1.0 and 0.5).
 */
export function thresholdFor(similarity: number): number {
  const d = Math.round(distanceFor(similarity) * 10_000) / 10_000
  return Math.min(FACE_THRESHOLD_RANGE.max, Math.max(FACE_THRESHOLD_RANGE.min, d))
}

/** The look-alike protection levels an admin chooses from, as the margins they set. */
export const MARGIN_LEVELS = Object.freeze([
  { level: 'off', margin: 0 },
  { level: 'normal', margin: DEFAULT_FACE_MARGIN },
  { level: 'strict', margin: 0.1 },
  { level: 'strictest', margin: 0.2 },
] as const)
export type MarginLevel = (typeof MARGIN_LEVELS)[number]['level']

/** The level of a margin: the one it equals, else the nearest (a margin set through the API between two levels). */
export function marginLevel(margin: number): MarginLevel {
  let best: (typeof MARGIN_LEVELS)[number] = MARGIN_LEVELS[1]
  for (const l of MARGIN_LEVELS) if (Math.abs(l.margin - margin) < Math.abs(best.margin - margin)) best = l
  return best.level
}

/** The margin a level sets. */
export function marginOf(level: MarginLevel): number {
  return (MARGIN_LEVELS.find((l) => l.level === level) ?? MARGIN_LEVELS[1]).margin
}

// Every level is a margin the server accepts.
for (const l of MARGIN_LEVELS) if (l.margin < FACE_MARGIN_RANGE.min || l.margin > FACE_MARGIN_RANGE.max) throw new RangeError(`margin level ${l.level} is out of range`)
