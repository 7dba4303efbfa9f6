// Moving stored templates of face-api's old 128-d model to the current recognition model (issue 14): never mixed in
// matching, re-derived from the stored registration photo, or removed (register again) when there is no usable photo.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { facePhoto, faceEncoding } from '../../tools/test-support/faces'
import { auditLog, memberFaceData } from '../db/schema'
import { photoKey } from '../storage/storage'
import { normalizePhoto } from './photos'
import { FACE_MODEL, LEGACY_FACE_MODEL_ID } from '../../shared/face/model'
import { decodeDescriptor, descriptorFromBytes } from '../../shared/face/descriptor'
import { DEFAULT_FACE_THRESHOLD, l2Distance } from '../../shared/face/match'
import { galleryOf } from '../features/faces/faces.gallery'
import { migrateFaceTemplates } from './migrate'

/** 128 float32 values like face-api's descriptors (norm ~1.4): what an installation stored before issue 14. */
function legacyBytes(seed: number): Buffer {
  const v = Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 17 + i) * 0.125)
  return Buffer.from(v.buffer)
}

describe('face template migration to the current model', () => {
  let t: TestApp
  let a: OrgWorld
  let photo: string

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    // The member registered with the old model: three templates, the first with the reference photo (p01).
    photo = photoKey(a.id, 'faces', a.memberId)
    await t.deps.storage.put(photo, await normalizePhoto(facePhoto('people/p01/p01-1.jpg')))
    const registeredAt = new Date('2026-10-01T07:00:00Z')
    await t.db.insert(memberFaceData).values(
      [0, 1, 2].map((i) => ({ organizationId: a.id, organizationMemberId: a.memberId, model: LEGACY_FACE_MODEL_ID, faceEncoding: legacyBytes(i), faceImageUrl: i === 0 ? photo : null, faceRegisteredAt: registeredAt, faceVerified: true })),
    )
    // The petugas registered with the old model too, but the photo is gone: must register again.
    await t.db.insert(memberFaceData).values({ organizationId: a.id, organizationMemberId: a.petugasId, model: LEGACY_FACE_MODEL_ID, faceEncoding: legacyBytes(9), faceImageUrl: null, faceVerified: true })
    t.deps.faceIndex.invalidate(a.id)
  })
  afterAll(() => t.close())

  it('never matches templates of the old model: the gallery and the face status ignore them', async () => {
    expect((await galleryOf(t.deps, a.id)).size).toBe(0)
    const status = await a.member.get(`/api/members/${a.memberId}/face`)
    expect(status.status).toBe(200)
    expect(status.body.data).toMatchObject({ registered: false, templates: 0 })
  })

  it('re-derives a template from the stored photo, removes what has no photo, and audits both', async () => {
    const report = await migrateFaceTemplates(t.deps)
    expect(report).toEqual({ members: 2, rederived: 1, removed: 1, remaining: 0 })

    const mine = await t.db.select().from(memberFaceData).where(eq(memberFaceData.organizationMemberId, a.memberId))
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ model: FACE_MODEL.id, faceImageUrl: photo, faceVerified: true })
    expect(mine[0]!.faceRegisteredAt.toISOString()).toBe('2026-10-01T07:00:00.000Z')
    // It is the current model's descriptor of that photo (resized for storage): near the original, near the same
    // person's other photo, far from someone else.
    const template = descriptorFromBytes(new Uint8Array(mine[0]!.faceEncoding))
    expect(l2Distance(template, decodeDescriptor(await faceEncoding('people/p01/p01-1.jpg')))).toBeLessThan(0.3)
    expect(l2Distance(template, decodeDescriptor(await faceEncoding('people/p01/p01-5.jpg')))).toBeLessThan(DEFAULT_FACE_THRESHOLD)
    expect(l2Distance(template, decodeDescriptor(await faceEncoding('people/p02/p02-1.jpg')))).toBeGreaterThan(DEFAULT_FACE_THRESHOLD)
    expect(await t.deps.storage.get(photo)).not.toBeNull()

    expect(await t.db.select().from(memberFaceData).where(eq(memberFaceData.organizationMemberId, a.petugasId))).toHaveLength(0)
    const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.entityType, 'member')))
    const actions = entries.filter((e) => e.action.startsWith('face.model_')).map((e) => [e.action, Number(e.entityId)])
    expect(actions).toEqual(expect.arrayContaining([['face.model_migrated', a.memberId], ['face.model_removed', a.petugasId]]))

    // Matching sees the new template at once, and the member's face is registered again.
    expect((await galleryOf(t.deps, a.id)).size).toBe(1)
    expect((await a.member.get(`/api/members/${a.memberId}/face`)).body.data).toMatchObject({ registered: true, templates: 1 })
  })

  it('has nothing left to do the second time', async () => {
    expect(await migrateFaceTemplates(t.deps)).toEqual({ members: 0, rederived: 0, removed: 0, remaining: 0 })
  })
})
