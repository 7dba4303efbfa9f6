// Templates that follow the member (issue 14): only a capture the server verified at the highest level teaches the
// member's templates, at most once a week, keeping the newest few; registration templates stay. Real photos.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { faceEncoding } from '../../../tools/test-support/faces'
import { answeredEvidence, capture, offlineEvidence, registerFace, settled, sync } from '../../../tools/test-support/evidence-flow'
import { auditLog, memberFaceData } from '../../db/schema'
import { decodeDescriptor, descriptorFromBytes } from '../../../shared/face/descriptor'
import { LEARN_EVERY_MS, LEARNED_MAX, learnFromCapture } from './learn'
import { CONDITION_WAIT_MS } from '../../../tools/test-support/waits'

const INSIDE = { latitude: -6.2002, longitude: 106.8001, accuracy: 12 }

describe('templates learned from verified check-ins', () => {
  let t: TestApp
  let a: OrgWorld
  const templates = async () =>
    t.db
      .select({ id: memberFaceData.id, source: memberFaceData.source, createdAt: memberFaceData.createdAt, encoding: memberFaceData.faceEncoding })
      .from(memberFaceData)
      .where(and(eq(memberFaceData.organizationId, a.id), eq(memberFaceData.organizationMemberId, a.memberId)))
  const learned = async () => (await templates()).filter((r) => r.source === 'checkin')

  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    await registerFace(a.member, a.memberId, 'people/p01/p01-5.jpg')
  })
  afterAll(() => t.close())

  it('learns from an online capture that passed everything, never from an offline one, and only once a week', async () => {
    const registered = await templates()
    expect(registered.length).toBeGreaterThan(0)
    expect(registered.every((r) => r.source === 'registration')).toBe(true)

    // Offline evidence (the phone's own challenge): at most 'medium', so nothing is learned.
    const offline = capture(a.memberId, await offlineEvidence('people/p01/p01-6.jpg'), INSIDE)
    await sync(a.member, [offline])
    expect((await settled(t, offline.client_id as string)).event.assurance!.level).not.toBe('high')
    expect(await learned()).toHaveLength(0)

    // Online, on the server's challenge, the face clear of everyone: one template learned, and audited.
    const online = capture(a.memberId, (await answeredEvidence(a.member, 'attendance', 'people/p01/p01-6.jpg')).evidence, { ...INSIDE, kind: 'check_out' })
    await sync(a.member, [online])
    const checked = await settled(t, online.client_id as string)
    expect(checked.event.assurance).toMatchObject({ level: 'high', face: { code: 'ok' } })
    await expect.poll(async () => (await learned()).length, { timeout: CONDITION_WAIT_MS }).toBe(1)
    const trail = await t.db.select().from(auditLog).where(and(eq(auditLog.organizationId, a.id), eq(auditLog.action, 'face.template_learned')))
    expect(trail).toHaveLength(1)
    expect(trail[0]!.details).toMatchObject({ attendance_event_id: checked.event.id })
    expect((await templates()).length).toBe(registered.length + 1)

    // A second verified capture within the week adds nothing.
    const again = capture(a.memberId, (await answeredEvidence(a.member, 'attendance', 'people/p01/p01-2.jpg')).evidence, { ...INSIDE, kind: 'check_out' })
    await sync(a.member, [again])
    expect((await settled(t, again.client_id as string)).event.assurance!.level).toBe('high')
    expect(await learned()).toHaveLength(1)
  })

  it('keeps the newest few learned templates, never a near copy, and never touches the registration', async () => {
    const registered = (await templates()).filter((r) => r.source === 'registration').map((r) => r.id)
    const probes = await Promise.all(['p01-1.jpg', 'p01-2.jpg', 'p01-3.jpg', 'p01-4.jpg'].map(async (f) => decodeDescriptor(await faceEncoding(`people/p01/${f}`))))
    let now = Date.now() + LEARN_EVERY_MS + 60_000
    const outcomes: string[] = []
    for (const [i, probe] of probes.entries()) {
      outcomes.push(await learnFromCapture(t.deps, { organizationId: a.id, memberId: a.memberId, probe, eventId: 1000 + i, now: new Date(now) }))
      now += LEARN_EVERY_MS + 60_000
    }
    expect(outcomes.filter((o) => o === 'learned').length).toBeGreaterThanOrEqual(3)
    const kept = await learned()
    expect(kept).toHaveLength(LEARNED_MAX)
    expect((await templates()).filter((r) => r.source === 'registration').map((r) => r.id)).toEqual(registered)
    // The newest learned template is the last probe that was learned.
    const newest = kept.sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())[0]!
    const lastLearned = probes[outcomes.lastIndexOf('learned')]!
    expect(Array.from(descriptorFromBytes(new Uint8Array(newest.encoding)))).toEqual(Array.from(lastLearned))
    // The same face again (a week later) is no news.
    expect(await learnFromCapture(t.deps, { organizationId: a.id, memberId: a.memberId, probe: lastLearned, eventId: 2000, now: new Date(now) })).toBe('not_new')
    // Too soon after the last one.
    expect(await learnFromCapture(t.deps, { organizationId: a.id, memberId: a.memberId, probe: probes[0]!, eventId: 2001, now: new Date(now - LEARN_EVERY_MS) })).toBe('too_soon')
  })

  it('learns nothing for a member whose face was withdrawn, and withdrawal removes what was learned', async () => {
    const withdrawn = await a.member.delete(`/api/members/${a.memberId}/face`)
    expect(withdrawn.status).toBe(200)
    expect(await templates()).toHaveLength(0)
    const probe = decodeDescriptor(await faceEncoding('people/p01/p01-1.jpg'))
    expect(await learnFromCapture(t.deps, { organizationId: a.id, memberId: a.memberId, probe, eventId: 3000, now: new Date(Date.now() + 400 * 86_400_000) })).toBe('no_registration')
    expect(await templates()).toHaveLength(0)
  })
})
