import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { rollCallSchema } from '@shared/attendance/roll-call'
import { FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import type { DescriptorEntry } from '~/offline/db'
import { splitRows } from './gallery'
import { chooseMember, confirmFace, defaultKind, zoomRegion, type FoundFace, markOf, nameFaces, outcomeOf, outcomeSummary, photoScale, removeFace, rollCallBody, type RollCallFace, summarise } from './roll-call'

/** A unit vector mixing basis directions: unit(1) is member 1's face, mix([1, 1], [2, 1]) lies halfway to member 2's. */
function mix(...parts: [axis: number, weight: number][]): Float32Array {
  const v = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (const [axis, weight] of parts) v[axis] = (v[axis] ?? 0) + weight
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}
const unit = (axis: number) => mix([axis, 1])

function row(memberId: number, name: string, descriptors: Float32Array[], extra: Partial<DescriptorEntry> = {}): DescriptorEntry {
  const packed = new Float32Array(descriptors.length * FACE_DESCRIPTOR_LENGTH)
  descriptors.forEach((d, i) => packed.set(d, i * FACE_DESCRIPTOR_LENGTH))
  return { member_id: memberId, organization_id: 1, name, member_number: null, department_id: null, descriptors: packed.buffer, ...extra }
}

const rows = [row(1, 'Siti', [unit(1)]), row(2, 'Bambang', [unit(2), mix([2, 1], [40, 0.2])]), row(3, 'Yusuf', [unit(3)])]
const options = { threshold: 0.9, margin: 0.05 }
/** Names the faces over these rows as the kiosk keeps them (splitRows: the members, and one gallery of their descriptors). */
function nameOver(found: readonly FoundFace[], stored: readonly DescriptorEntry[], matchOptions: typeof options): RollCallFace[] {
  const { members, all } = splitRows(stored)
  return nameFaces(found, all, members, matchOptions)
}
const face = (x: number, descriptor: Float32Array | null): FoundFace => ({ box: { x, y: 100, width: 60, height: 60 }, score: 0.9, descriptor })

describe('naming the faces of a roll-call photo', () => {
  it('names each face one-to-one against the gallery; a stranger and a face too small to describe are unknown', () => {
    const faces = nameOver([face(0, mix([1, 1], [50, 0.1])), face(100, mix([2, 1], [51, 0.15])), face(200, unit(9)), face(300, null)], rows, options)
    expect(faces.map((f) => f.memberId)).toEqual([1, 2, null, null])
    expect(faces.map(markOf)).toEqual(['named', 'named', 'unknown', 'unknown'])
    expect(faces[0]!.distance).toBeCloseTo(0.0995, 3)
    expect(faces.every((f) => f.namedBy === 'recognised')).toBe(true)
    // The closest members of each described face, closest first, for the petugas's choice.
    expect(faces[0]!.candidates.map((c) => c.memberId)).toEqual([1, 2, 3])
    expect(faces[3]!.candidates).toEqual([])
  })

  it('never names one member twice: the face the member is closer to gets them, the other its next candidate or nobody', () => {
    const faces = nameOver([face(0, mix([1, 1], [50, 0.5])), face(100, mix([1, 1], [51, 0.1]))], rows, options)
    expect(faces.map((f) => f.memberId)).toEqual([null, 1])
  })

  it('marks a name for a look when another member is within the margin, or the member is confusable', () => {
    const halfway = mix([1, 1], [2, 1])
    const faces = nameOver([face(0, halfway)], rows, options)
    expect(faces[0]!.memberId).not.toBeNull()
    expect(faces[0]!.check).toBe('uncertain')
    expect(markOf(faces[0]!)).toBe('check')

    const twins = [row(1, 'Siti', [unit(1)], { confusable: true }), ...rows.slice(1)]
    const named = nameOver([face(0, mix([1, 1], [50, 0.1]))], twins, options)
    expect(named[0]).toMatchObject({ memberId: 1, check: 'confusable' })
  })

  it('uses the organization\'s threshold: a stricter one leaves a distant face unknown', () => {
    const probe = mix([1, 1], [50, 0.6]) // ~0.54 from member 1
    expect(nameOver([face(0, probe)], rows, options)[0]!.memberId).toBe(1)
    expect(nameOver([face(0, probe)], rows, { threshold: 0.5, margin: 0.05 })[0]!.memberId).toBeNull()
  })

  it('names nobody with an empty gallery', () => {
    expect(nameOver([face(0, unit(1))], [], options).map(markOf)).toEqual(['unknown'])
  })
})

describe('the petugas\'s fixes', () => {
  const named = () => nameOver([face(0, mix([1, 1], [50, 0.1])), face(100, mix([2, 1], [51, 0.1])), face(200, unit(9))], rows, options)

  it('a member chosen for one box leaves any other box, which becomes unknown', () => {
    const { faces, movedFrom } = chooseMember(named(), 2, 1)
    expect(faces.map((f) => f.memberId)).toEqual([null, 2, 1])
    expect(movedFrom).toBe(0)
    expect(faces[2]).toMatchObject({ namedBy: 'chosen', check: null })
    expect(faces[2]!.distance).toBeCloseTo(Math.SQRT2, 3) // the face's own distance to the chosen member
    expect(faces[0]).toMatchObject({ memberId: null, distance: null })
  })

  it('"unknown" takes the name off a box', () => {
    const { faces, movedFrom } = chooseMember(named(), 1, null)
    expect(faces.map((f) => f.memberId)).toEqual([1, null, null])
    expect(movedFrom).toBeNull()
    expect(summarise(faces)).toEqual({ faces: 3, named: 1, check: 0, unknown: 2 })
  })

  it('confirming a name marked for a look makes it the petugas\'s; removing a box drops it', () => {
    const faces = nameOver([face(0, mix([1, 1], [2, 1]))], rows, options)
    const confirmed = confirmFace(faces, 0)
    expect(confirmed[0]).toMatchObject({ memberId: faces[0]!.memberId, namedBy: 'chosen', check: null })
    expect(markOf(confirmed[0]!)).toBe('named')
    expect(removeFace(named(), 1).map((f) => f.box.x)).toEqual([0, 200])
  })

  it('keeps the roll-call one-to-one whatever the petugas taps', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.option(fc.constantFrom(1, 2, 3), { nil: null })), { maxLength: 20 }), (taps) => {
        let faces: RollCallFace[] = named()
        for (const [index, member] of taps) faces = chooseMember(faces, index, member).faces
        const members = faces.map((f) => f.memberId).filter((m) => m !== null)
        expect(new Set(members).size).toBe(members.length)
        const last = taps[taps.length - 1]
        if (last) expect(faces[last[0]]!.memberId).toBe(last[1])
      }),
    )
  })
})

describe('the request', () => {
  it('is a valid RollCall: every face, unknown ones without a member, boxes inside the photo', () => {
    const faces = chooseMember(nameOver([face(0, mix([1, 1], [50, 0.1])), face(100, unit(9)), face(1990, mix([2, 1], [50, 0.1]))], rows, options), 1, 3).faces
    const body = rollCallBody({
      clientId: '0190a5c8-7a4e-7000-8000-000000000001',
      deviceId: 'tablet-1',
      capturedAt: new Date('2026-12-04T07:30:00Z'),
      recordedBy: 42,
      kind: 'check_in',
      locationId: 5,
      position: { latitude: -6.2, longitude: 106.8, accuracy: 12.4 },
      photo: 'A'.repeat(100),
      width: 2000,
      height: 1500,
      faces,
    })
    const parsed = rollCallSchema.safeParse({ ...body, sent_at: new Date().toISOString() })
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
    expect(body.faces.map((f) => f.member_id)).toEqual([1, 3, 2])
    expect(body.faces.map((f) => f.named_by)).toEqual(['recognised', 'chosen', 'recognised'])
    expect(body.faces[2]!.box).toEqual({ x: 1990, y: 100, width: 10, height: 60 })
    expect(body).toMatchObject({ recorded_by: 42, location_id: 5, accuracy: 12, kind: 'check_in' })
    const unknown = rollCallBody({ ...baseInput(), faces: chooseMember(faces, 0, null).faces })
    expect(unknown.faces[0]).toEqual({ box: { x: 0, y: 100, width: 60, height: 60 }, member_id: null })
  })

  it('scales a photo to the longest side the server takes', () => {
    expect(photoScale(4000, 3000, 2048)).toBeCloseTo(0.512)
    expect(photoScale(1920, 1080, 2048)).toBe(1)
  })
})

describe('the part of the photo shown', () => {
  const photo = { width: 1920, height: 1080 }
  const inside = (r: { x: number; y: number; width: number; height: number }, b: typeof r) => b.x >= r.x && b.y >= r.y && b.x + b.width <= r.x + r.width && b.y + b.height <= r.y + r.height

  it('zooms to the faces of a class in the middle of the frame, every face and its name inside, between 4:3 and 2:1', () => {
    const boxes = [{ x: 800, y: 300, width: 50, height: 60 }, { x: 900, y: 310, width: 50, height: 60 }, { x: 850, y: 420, width: 70, height: 80 }]
    const r = zoomRegion(boxes, photo)
    for (const b of boxes) expect(inside(r, b)).toBe(true)
    expect(inside(r, { x: 850, y: 420 + 80, width: 70, height: 80 })).toBe(true) // room for the name under the face
    expect(inside({ x: 0, y: 0, ...photo }, r)).toBe(true)
    expect(r.width / r.height).toBeGreaterThanOrEqual(4 / 3 - 0.01)
    expect(r.width / r.height).toBeLessThanOrEqual(2 + 0.01)
    expect(r.width).toBeGreaterThanOrEqual(photo.width * 0.4 - 1)
    expect(r.width).toBeLessThan(photo.width)
  })

  it('stays inside the photo for faces at its edge, and shows the whole photo when the faces fill it or there are none', () => {
    const corner = zoomRegion([{ x: 0, y: 0, width: 60, height: 60 }], photo)
    expect(corner.x).toBe(0)
    expect(corner.y).toBe(0)
    expect(zoomRegion([{ x: 50, y: 50, width: 80, height: 80 }, { x: 1800, y: 900, width: 80, height: 80 }], photo)).toEqual({ x: 0, y: 0, ...photo })
    expect(zoomRegion([], photo)).toEqual({ x: 0, y: 0, ...photo })
  })
})

describe('the answer', () => {
  it('says in words what became of each face', () => {
    expect(outcomeOf({ status: 'applied', approval_status: 'verifying' })).toBe('checking')
    expect(outcomeOf({ status: 'applied', approval_status: 'pending' })).toBe('review')
    expect(outcomeOf({ status: 'duplicate', approval_status: 'approved' })).toBe('recorded')
    expect(outcomeOf({ status: 'applied', approval_status: 'rejected' })).toBe('refused')
    expect(outcomeOf({ status: 'rejected' })).toBe('refused')
    expect(outcomeOf({ status: 'conflict' })).toBe('refused')
    expect(outcomeOf({ status: 'unnamed' })).toBe('unknown')
    expect(outcomeSummary([{ status: 'applied', approval_status: 'verifying' }, { status: 'applied', approval_status: 'pending' }, { status: 'rejected' }, { status: 'unnamed' }])).toEqual({ recorded: 2, refused: 1, unknown: 1 })
  })

  it('proposes check-in in the morning and check-out after the middle of the working day', () => {
    expect(defaultKind('07:10:00', '07:00', '15:00')).toBe('check_in')
    expect(defaultKind('10:59:59', '07:00', '15:00')).toBe('check_in')
    expect(defaultKind('11:00:00', '07:00', '15:00')).toBe('check_out')
    expect(defaultKind('23:00', '22:00', '06:00')).toBe('check_in') // a night shift: the petugas chooses
  })
})

function baseInput() {
  return { clientId: '0190a5c8-7a4e-7000-8000-000000000002', deviceId: 'tablet-1', capturedAt: new Date(), recordedBy: null, kind: 'check_in' as const, locationId: null, position: null, photo: 'A'.repeat(100), width: 2000, height: 1500 }
}
