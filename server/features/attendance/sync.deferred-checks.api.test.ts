// Issue 16 item 4: a sync batch whose captures carry evidence images is answered without waiting for their analysis.
// The analysis is the verify job's (attendance.verify.ts), run by the job queue; here the queue's worker is held (its
// jobs are only recorded), so a sync that waited for the analysis, or ran it itself, could not answer as asserted:
// every capture applied and still `verifying`, its receipt checklist without a face decision, its job queued. Released
// afterwards, the worker's own handler decides each capture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { and, eq, inArray } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { capture, offlineEvidence, sync } from '../../../tools/test-support/evidence-flow'
import { attendanceEvents } from '../../db/schema'
import type { JobQueue } from '../../jobs/queue'
import { createMember } from '../members/members.service'
import { VERIFY_JOB, verifyCapture, type VerifyJob } from './attendance.verify'

describe('a sync with evidence images answers before any image is analysed', () => {
  let t: TestApp
  let org: OrgWorld
  let second: number
  /** What the sync sent to the job queue; nothing of it runs until the test releases it. */
  const held: { name: string; data: VerifyJob }[] = []

  beforeAll(async () => {
    t = await createTestApp()
    const real = t.deps.jobs
    const holding: JobQueue = {
      work: async () => {},
      send: async <T extends object>(name: string, data: T) => {
        held.push({ name, data: data as unknown as VerifyJob })
        return null
      },
      pending: async () => held.length,
      stop: () => real.stop(),
    }
    t.deps.jobs = holding
    org = await buildOrg(t, 'held')
    second = await createMember(t.db, org.id, { name: 'Second held', email: null, phone: null, member_number: 'S-held', role: 'member' })
  })
  afterAll(() => t.close())

  it('applies a kiosk batch with evidence at once, its checks queued, and decides them only when the job runs', async () => {
    const minuteAgo = new Date(Date.now() - 60_000).toISOString()
    const records = [
      capture(org.memberId, await offlineEvidence('people/p01/p01-5.jpg'), { captured_at: minuteAgo }),
      capture(second, await offlineEvidence('people/p02/p02-1.jpg'), { captured_at: minuteAgo }),
    ]
    const ids = records.map((r) => r.client_id as string)
    const results = await sync(org.petugas, records)

    // Answered while the worker is held: applied, still being checked.
    expect(results).toEqual(ids.map((id) => expect.objectContaining({ client_id: id, status: 'applied', approval_status: 'verifying' })))
    expect(held).toEqual(ids.map((id) => ({ name: VERIFY_JOB, data: { organization_id: org.id, client_id: id } })))
    const events = () => t.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.organizationId, org.id), inArray(attendanceEvents.clientId, ids)))
    for (const e of await events()) {
      expect(e.verification).toBe('verifying')
      expect(e.evidence!.frames.length).toBeGreaterThan(0)
      // The receipt's checklist: place and time only; no face or liveness decision was made.
      expect(e.assurance).toMatchObject({ face: { outcome: 'none' }, liveness: { outcome: 'none' }, checked_at: null })
    }

    // Released: the worker's handler analyses the images and decides each capture.
    for (const job of held) await verifyCapture(t.deps, job.data)
    for (const e of await events()) {
      expect(e.verification).toBe('done')
      expect(e.assurance!.checked_at).not.toBeNull()
    }
  })
})
