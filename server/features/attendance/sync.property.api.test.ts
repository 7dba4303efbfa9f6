import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import fc from 'fast-check'
import { inArray } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceEvents } from '../../db/schema'
import { isAcknowledged, type SyncResult } from '../../../shared/attendance/sync'

describe('sync under any interleaving (property)', () => {
  let t: TestApp
  let a: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
  })
  afterAll(() => t.close())

  it('leaves exactly one row per client id, and the acknowledged ids are exactly the created ones', async () => {
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000
    const delivery = fc.record({
      // Indexes into the device's records: duplicated, reordered, partial.
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      concurrent: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ day: fc.integer({ min: 1, max: 9 }), kind: fc.constantFrom('check_in', 'check_out'), minute: fc.integer({ min: 0, max: 600 }) }), { minLength: 1, maxLength: 6 }),
        fc.array(delivery, { minLength: 1, maxLength: 4 }),
        async (captures, deliveries) => {
          const records = captures.map((c) => ({
            client_id: crypto.randomUUID(),
            member_id: a.memberId,
            kind: c.kind,
            // Days 1..9 are the 9 days before yesterday..yesterday (UTC), never in the future whatever today is.
            captured_at: new Date(midnight + (c.day - 10) * 86_400_000 + c.minute * 60_000).toISOString(),
          }))
          const acknowledged = new Set<string>()
          const send = async (list: typeof records) => {
            const res = await a.member.post('/api/attendance/sync', { device_id: 'prop', sent_at: new Date().toISOString(), records: list })
            expect(res.status).toBe(200)
            for (const r of res.body.data.results as SyncResult[]) {
              expect(['applied', 'duplicate']).toContain(r.status)
              if (isAcknowledged(r)) acknowledged.add(r.client_id!)
            }
          }
          for (const d of deliveries) {
            const batch = d.picks.map((i) => records[i % records.length]!)
            if (d.concurrent) await Promise.all([send(batch), send([...batch].reverse())])
            else await send(batch)
          }
          await send(records) // the device's final retry of everything still in its outbox
          const rows = await t.db
            .select({ clientId: attendanceEvents.clientId })
            .from(attendanceEvents)
            .where(inArray(attendanceEvents.clientId, records.map((r) => r.client_id)))
          expect(rows.map((r) => r.clientId).sort()).toEqual(records.map((r) => r.client_id).sort())
          expect([...acknowledged].sort()).toEqual(records.map((r) => r.client_id).sort())
        },
      ),
      { numRuns: 20 },
    )
  })
})
