// Roll-call from one photo (issue 14 item 5): every face of a group photo is named with a one-to-one assignment, no
// member twice and no face twice. Plain TypeScript (no DOM, no Node).
//
// Each face's distance to each member is the smallest over the member's templates (as in identify()). Among the pairs
// under the threshold, the assignment minimises the sum of the distances, where leaving a face unnamed costs the
// threshold: a face is named only when that beats leaving it unknown, and two faces that both look most like one
// member do not both get that member (the one the member is closer to does; the other gets its next candidate, or
// nobody). Solved exactly with the Hungarian method (O(F^2 (M + F)) for F faces and M candidate members).
//
// A named face is 'uncertain' when another member is within the margin of its distance (the rule identify() uses for
// one face): the petugas confirms or fixes it before it is recorded.

import { FACE_DESCRIPTOR_LENGTH } from './descriptor'
import { l2Distance, type FaceGallery, type MatchOptions } from './match'

export type FaceAssignmentStatus = 'named' | 'uncertain' | 'unknown'

export interface FaceAssignment {
  /** Index into the faces given. */
  face: number
  /** The member named, or null (unknown). */
  memberId: number | null
  /** Distance to the member named (null when unknown). */
  distance: number | null
  /** The closest member other than the one named (any member, assigned elsewhere or not), for display. */
  nextMemberId: number | null
  nextDistance: number | null
  status: FaceAssignmentStatus
}

/** Every member's smallest distance to `probe`, as a map. */
function memberDistances(gallery: FaceGallery, probe: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>()
  for (let row = 0; row < gallery.size; row++) {
    const id = gallery.memberIds[row] as number
    const d = l2Distance(gallery.descriptors.subarray(row * FACE_DESCRIPTOR_LENGTH, (row + 1) * FACE_DESCRIPTOR_LENGTH), probe)
    const known = out.get(id)
    if (known === undefined || d < known) out.set(id, d)
  }
  return out
}

/**
 * Minimum-cost assignment of every row to a distinct column (rows <= columns), by the Hungarian method with
 * potentials. `cost[r][c]` finite. Answers the column of each row.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length
  if (n === 0) return []
  const m = (cost[0] as readonly number[]).length
  if (m < n) throw new RangeError(`hungarian: ${n} rows need at least as many columns, got ${m}`)
  const u = new Float64Array(n + 1)
  const v = new Float64Array(m + 1)
  const p = new Int32Array(m + 1) // p[c] = row (1-based) assigned to column c, 0 = none
  const way = new Int32Array(m + 1)
  for (let i = 1; i <= n; i++) {
    p[0] = i
    let j0 = 0
    const minv = new Float64Array(m + 1).fill(Infinity)
    const used = new Uint8Array(m + 1)
    do {
      used[j0] = 1
      const i0 = p[j0] as number
      let delta = Infinity
      let j1 = 0
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue
        const cur = ((cost[i0 - 1] as readonly number[])[j - 1] as number) - (u[i0] as number) - (v[j] as number)
        if (cur < (minv[j] as number)) {
          minv[j] = cur
          way[j] = j0
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number
          j1 = j
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta
          v[j] = (v[j] as number) - delta
        } else {
          minv[j] = (minv[j] as number) - delta
        }
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0] as number
      p[j0] = p[j1] as number
      j0 = j1
    } while (j0 !== 0)
  }
  const assignment = Array.from<number>({ length: n }).fill(-1)
  for (let j = 1; j <= m; j++) if ((p[j] as number) > 0) assignment[(p[j] as number) - 1] = j - 1
  return assignment
}

/** Names the faces of one photo (their descriptors, in any order) against the gallery. */
export function assignFaces(gallery: FaceGallery, faces: readonly ArrayLike<number>[], options: MatchOptions): FaceAssignment[] {
  const distances = faces.map((f) => memberDistances(gallery, f))
  // Candidate members: under the threshold for at least one face.
  const candidates = [...new Set(distances.flatMap((d) => [...d.entries()].filter(([, x]) => x < options.threshold).map(([id]) => id)))].sort((a, b) => a - b)
  // Columns: the candidates, then one "unknown" column per face (cost = threshold). A pair over the threshold costs
  // more than leaving the face unknown, so it is never chosen.
  const over = options.threshold * 2 + 1
  const cost = distances.map((d, i) => [
    ...candidates.map((id) => {
      const x = d.get(id)
      return x !== undefined && x < options.threshold ? x : over
    }),
    ...faces.map((_, k) => (k === i ? options.threshold : over)),
  ])
  const columns = hungarian(cost)
  return distances.map((d, i) => {
    const column = columns[i] as number
    const memberId = column < candidates.length ? (candidates[column] as number) : null
    const distance = memberId === null ? null : (d.get(memberId) as number)
    let nextMemberId: number | null = null
    let nextDistance: number | null = null
    for (const [id, x] of d) {
      if (id === memberId) continue
      if (nextDistance === null || x < nextDistance || (x === nextDistance && id < (nextMemberId as number))) {
        nextMemberId = id
        nextDistance = x
      }
    }
    let status: FaceAssignmentStatus = 'unknown'
    if (memberId !== null && distance !== null) status = nextDistance !== null && nextDistance - distance < options.margin ? 'uncertain' : 'named'
    return { face: i, memberId, distance, nextMemberId, nextDistance, status }
  })
}
