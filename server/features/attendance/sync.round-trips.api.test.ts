// Issue 16 item 4: a sync batch costs the same few statements whatever its size: the caller's session, ONE read of
// everything the checks need (webhook subscriptions included), ONE write. Counted at the database driver, so a
// per-record query or an extra round trip fails here on either database, without timing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { idleJobs, orgWithMembers, type OrgWorld } from '../../../tools/test-support/fixtures'
import { capture, sync } from '../../../tools/test-support/evidence-flow'
import { statementsOf } from '../../../tools/test-support/statements'

describe('a sync batch reads and writes in a fixed number of statements', () => {
  let t: TestApp
  let org: OrgWorld
  let members: number[]

  beforeAll(async () => {
    t = await createTestApp()
    // The job queue's polls would be counted on PGlite (they go through the app's one connection): stopped, and the
    // queue replaced by one that only records (no capture here has evidence, so nothing is queued anyway).
    await idleJobs(t, true)
    ;({ org, members } = await orgWithMembers(t, 'trips', 'T', 100))
  })
  afterAll(() => t.close())

  /** 100 captures of one kind, a member each, `daysAgo` (Jakarta) from 07:00 or 16:00, a second apart. */
  const batch = (kind: 'check_in' | 'check_out', daysAgo: number) => {
    const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)
    const start = new Date(`${day}T${kind === 'check_in' ? '07' : '16'}:00:00+07:00`).getTime()
    return members.map((m, i) => capture(m, undefined, { kind, captured_at: new Date(start + i * 1000).toISOString() }))
  }

  it('sends the session read, one lookup and one write for 100 new days, and again for their 100 check-outs', async () => {
    // The organization's first batch may be written under locks (its time zone is learnt with it): not counted.
    const first = await sync(org.petugas, batch('check_in', 2))
    expect(first.every((r) => r.status === 'applied')).toBe(true)

    for (const kind of ['check_in', 'check_out'] as const) {
      const records = batch(kind, 1)
      const sent = statementsOf(t)
      let results: { status: string }[]
      try {
        results = await sync(org.petugas, records)
      } finally {
        sent.stop()
      }
      expect(results.map((r) => r.status)).toEqual(records.map(() => 'applied'))
      expect(sent.texts.length, sent.texts.map((s) => s.slice(0, 80)).join('\n')).toBeLessThanOrEqual(3)
    }
  })
})
