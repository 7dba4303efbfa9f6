// Which face recognition model Hadir's descriptors come from (issue 14; decision and numbers: server/face/MODEL.md).
// Plain TypeScript: the browser, the server and the tests read the same constants. A descriptor is only ever compared
// with descriptors of the same model: stored templates carry the model's id, and templates of another model are
// re-derived from their photos or the member registers again (never mixed).

export const FACE_MODEL = Object.freeze({
  /** Stored with every template (member_face_data.model). */
  id: 'arcface-fp1',
  /** The file the build serves at /models/ and the server reads (scripts/face-model.mjs fetches it). */
  file: 'arcface-fr_feature.onnx',
  /** Descriptor length: unit-length float32 vectors. */
  length: 512,
})

/** The model of the templates stored before issue 14 (face-api's 128-d descriptor). */
export const LEGACY_FACE_MODEL_ID = 'faceapi-128'

/**
 * What a threshold means for this model, measured: of 25,159 pairs of photos of two different people (eval/faces, 45
 * Indonesian identities; `npm run -s face:eval -- eval/faces --sweep 0.90:1.0:0.01`, 2026-12-04), how many came closer
 * than each threshold. No pair came closer than 0.914. Settings says it in words ("1 in N pairs").
 */
export const IMPOSTOR_PAIRS = Object.freeze({
  pairs: 25_159,
  identities: 45,
  closest: 0.914,
  /** [threshold, pairs closer than it], ascending. */
  below: Object.freeze([
    [0.91, 0],
    [0.92, 2],
    [0.93, 3],
    [0.94, 5],
    [0.95, 9],
    [0.96, 15],
    [0.97, 21],
    [0.98, 35],
    [0.99, 42],
    [1.0, 48],
  ] as const),
})

/**
 * How many of the measured pairs of different people a threshold would let through: exact at the measured points, the
 * next measured point's count in between (never optimistic); null above the last measured threshold.
 */
export function impostorPairsBelow(threshold: number): number | null {
  if (!(threshold <= IMPOSTOR_PAIRS.closest)) {
    for (const [at, count] of IMPOSTOR_PAIRS.below) if (threshold <= at + 1e-9) return count
    return null
  }
  return 0
}
