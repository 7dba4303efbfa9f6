import { describe, expect, it } from 'vitest'
import { encodeDescriptor, FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import { identify } from '@shared/face/match'
import type { GalleryResponse } from '~/api/attendance'
import { galleryOfMembers, galleryOfRows, galleryRows, memberDescriptors, recognisedRows, rowDescriptors, searchRows, splitRows } from './gallery'

/** A plausible descriptor (norm ~1.4) pointing mostly along one axis, so different seeds are far apart. */
function descriptor(seed: number, jitter = 0): Float32Array {
  const d = new Float32Array(FACE_DESCRIPTOR_LENGTH).fill(0.05)
  d[seed % FACE_DESCRIPTOR_LENGTH] = 0.9
  d[(seed * 7 + 3) % FACE_DESCRIPTOR_LENGTH] = 0.6 + jitter
  return d
}

const response: GalleryResponse = {
  organization_id: 5,
  threshold: 0.5,
  margin: 0.05,
  generated_at: '2026-11-23T00:00:00.000Z',
  version: 'v1',
  unchanged: false,
  members: [
    { id: 11, name: 'Siti Nurhaliza', member_number: 'S-011', department_id: 3, confusable: true, descriptors: [encodeDescriptor(descriptor(1)), encodeDescriptor(descriptor(1, 0.05))] },
    { id: 12, name: 'José Ramírez', member_number: null, department_id: null, confusable: false, descriptors: [encodeDescriptor(descriptor(2)), 'not-base64!'] },
    { id: 13, name: 'Without Face', member_number: 'W-1', department_id: 3, confusable: false, descriptors: [] },
  ],
}

describe('kiosk gallery from GET /api/face/gallery', () => {
  it('packs each member’s descriptors into one row of the organization, skipping what does not decode', () => {
    const rows = galleryRows(response, 5)
    expect(rows.map((r) => [r.member_id, r.organization_id, r.name, r.member_number, r.department_id, r.confusable])).toEqual([
      [11, 5, 'Siti Nurhaliza', 'S-011', 3, true],
      [12, 5, 'José Ramírez', null, null, false],
    ])
    expect(rows[0]!.descriptors.byteLength).toBe(2 * FACE_DESCRIPTOR_LENGTH * 4)
    expect(rowDescriptors(rows[1]!)).toHaveLength(1)
    expect(Array.from(rowDescriptors(rows[0]!)[1]!)).toEqual(Array.from(descriptor(1, 0.05)))
  })

  it('identifies over the rows like the server does', () => {
    const gallery = galleryOfRows(galleryRows(response, 5))
    expect(gallery.size).toBe(3)
    const hit = identify(gallery, descriptor(2, 0.02), { threshold: 0.5, margin: 0.05 })
    expect(hit).toMatchObject({ memberId: 12, verified: true })
    expect(identify(gallery, descriptor(40), { threshold: 0.5, margin: 0.05 }).verified).toBe(false)
  })

  it('is kept in memory once: the members without descriptors, every descriptor in one gallery, a member\'s as views into it', () => {
    const stored = galleryRows(response, 5)
    const { members, all } = splitRows(stored)
    expect(members.map((m) => m.member_id)).toEqual([11, 12])
    for (const m of members) expect(m).not.toHaveProperty('descriptors')
    expect(members[0]).toMatchObject({ name: 'Siti Nurhaliza', member_number: 'S-011', department_id: 3, confusable: true })
    expect(Array.from(all.memberIds)).toEqual([11, 11, 12])
    const siti = memberDescriptors(all, 11)
    expect(siti.map((d) => Array.from(d))).toEqual(rowDescriptors(stored[0]!).map((d) => Array.from(d)))
    for (const d of siti) expect(d.buffer).toBe(all.descriptors.buffer) // no copy
    expect(memberDescriptors(all, 99)).toEqual([])
    // A department's gallery: those members' rows only, as a gallery of their own.
    const narrowed = galleryOfMembers(all, new Set([12]))
    expect(Array.from(narrowed.memberIds)).toEqual([12])
    expect(Array.from(narrowed.descriptors)).toEqual(Array.from(descriptor(2)))
    expect(identify(narrowed, descriptor(1), { threshold: 0.5, margin: 0.05 }).verified).toBe(false)
  })

  it('searches names and numbers offline, case and accent blind, every word must match', () => {
    const rows = galleryRows(response, 5)
    expect(searchRows(rows, 'nurhal').map((r) => r.member_id)).toEqual([11])
    expect(searchRows(rows, 'JOSE').map((r) => r.member_id)).toEqual([12])
    expect(searchRows(rows, 's-011').map((r) => r.member_id)).toEqual([11])
    expect(searchRows(rows, 'siti ramirez')).toEqual([])
    expect(searchRows(rows, '   ')).toEqual([])
  })
})

describe('which members kiosk mode recognises', () => {
  const rows = [
    { member_id: 1, department_id: 3 },
    { member_id: 2, department_id: null },
    { member_id: 3, department_id: 4 },
  ]
  it('is everyone unless the organization narrows it to the station’s department', () => {
    expect(recognisedRows(rows, 'organization', 3)).toHaveLength(3)
    expect(recognisedRows(rows, undefined, 3)).toHaveLength(3)
    expect(recognisedRows(rows, 'department', 3).map((r) => r.member_id)).toEqual([1])
    expect(recognisedRows(rows, 'department', 5)).toEqual([])
    expect(recognisedRows(rows, 'department', null)).toHaveLength(3) // a station for the whole organization
  })
})
