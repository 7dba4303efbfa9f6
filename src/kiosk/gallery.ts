// The kiosk's offline 1:N gallery: GET /api/face/gallery (descriptors as base64), stored in Dexie's `descriptors`
// table scoped to the organization (one row per member, descriptors packed as n x FACE_DESCRIPTOR_LENGTH Float32), and turned into the
// shared matcher's FaceGallery for identify().
import { decodeDescriptor, FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import { buildGallery, type FaceGallery, type GalleryEntry } from '@shared/face/match'
import type { GalleryResponse } from '~/api/attendance'
import type { DescriptorEntry } from '~/offline/db'

/**
 * Dexie rows for the organization's gallery. A descriptor that does not decode (corrupt, another model's) is left out
 * rather than failing the whole gallery; a member left with none is not in the gallery at all.
 */
export function galleryRows(response: GalleryResponse, organizationId: number): DescriptorEntry[] {
  const rows: DescriptorEntry[] = []
  for (const member of response.members) {
    const decoded: Float32Array[] = []
    for (const text of member.descriptors) {
      try {
        decoded.push(decodeDescriptor(text))
      } catch {
        // skipped: see above
      }
    }
    if (decoded.length === 0) continue
    const packed = new Float32Array(decoded.length * FACE_DESCRIPTOR_LENGTH)
    decoded.forEach((d, i) => packed.set(d, i * FACE_DESCRIPTOR_LENGTH))
    rows.push({ member_id: member.id, organization_id: organizationId, name: member.name, member_number: member.member_number, department_id: member.department_id ?? null, confusable: member.confusable === true, descriptors: packed.buffer })
  }
  return rows
}

/** One member's descriptors (views into the stored buffer). */
export function rowDescriptors(row: Pick<DescriptorEntry, 'descriptors'>): Float32Array[] {
  const all = new Float32Array(row.descriptors)
  const out: Float32Array[] = []
  for (let off = 0; off + FACE_DESCRIPTOR_LENGTH <= all.length; off += FACE_DESCRIPTOR_LENGTH) out.push(all.subarray(off, off + FACE_DESCRIPTOR_LENGTH))
  return out
}

/** The matcher's gallery over the stored rows. */
export function galleryOfRows(rows: readonly DescriptorEntry[]): FaceGallery {
  const entries: GalleryEntry[] = []
  for (const row of rows) for (const descriptor of rowDescriptors(row)) entries.push({ memberId: row.member_id, descriptor })
  return buildGallery(entries)
}

/** A gallery member as the kiosk keeps it in memory: everything but the descriptors, which live in the gallery. */
export type MemberEntry = Omit<DescriptorEntry, 'descriptors'>

/**
 * The stored rows as the kiosk keeps them in memory: the members without their descriptors, and every descriptor once,
 * packed into one gallery. Keeping the rows' own buffers beside the gallery held each descriptor twice (2 x 586 MiB
 * at 100,000 members x 3).
 */
export function splitRows(rows: readonly DescriptorEntry[]): { members: MemberEntry[]; all: FaceGallery } {
  return { members: rows.map(({ descriptors: _descriptors, ...member }) => member), all: galleryOfRows(rows) }
}

/** The descriptor in row `row` of the gallery: a view into it, not a copy. */
export function galleryRow(gallery: FaceGallery, row: number): Float32Array {
  return gallery.descriptors.subarray(row * FACE_DESCRIPTOR_LENGTH, (row + 1) * FACE_DESCRIPTOR_LENGTH)
}

/** One member's descriptors in the gallery: views into it, not copies. */
export function memberDescriptors(gallery: FaceGallery, memberId: number): Float32Array[] {
  const out: Float32Array[] = []
  for (let row = 0; row < gallery.size; row++) if (gallery.memberIds[row] === memberId) out.push(galleryRow(gallery, row))
  return out
}

/** The gallery's rows of these members only (copied into a gallery of their own, in the gallery's order). */
export function galleryOfMembers(gallery: FaceGallery, memberIds: ReadonlySet<number>): FaceGallery {
  const entries: GalleryEntry[] = []
  for (let row = 0; row < gallery.size; row++) {
    const memberId = gallery.memberIds[row] as number
    if (memberIds.has(memberId)) entries.push({ memberId, descriptor: galleryRow(gallery, row) })
  }
  return buildGallery(entries)
}

/** Lower case, accents removed: "Siti Nurhaliza" is found by "nurhal", "José" by "jose". */
export function searchKey(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim()
}

/** Offline member search over the cached gallery: every word must appear in the name or the member number. */
export function searchRows<T extends Pick<DescriptorEntry, 'name' | 'member_number'>>(rows: readonly T[], query: string, limit = 20): T[] {
  const words = searchKey(query).split(/\s+/).filter(Boolean)
  if (words.length === 0) return []
  const hits = rows.filter((row) => {
    const haystack = `${searchKey(row.name)} ${searchKey(row.member_number ?? '')}`
    return words.every((w) => haystack.includes(w))
  })
  return hits.sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit)
}

/**
 * The members kiosk mode tries to recognise: everyone, or, when the organization says so (settings `kiosk_gallery`),
 * only the members of the department the station serves (issue 14: fewer faces to confuse). A station without a
 * department recognises everyone. Search and QR still reach every member.
 */
export function recognisedRows<T extends Pick<DescriptorEntry, 'department_id'>>(rows: readonly T[], scope: 'organization' | 'department' | undefined, departmentId: number | null | undefined): readonly T[] {
  if (scope !== 'department' || departmentId === null || departmentId === undefined) return rows
  return rows.filter((row) => row.department_id === departmentId)
}
