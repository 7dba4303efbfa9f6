// A sync batch's statements reach the organization's records by index probes, never by reading all of them: with
// PostgreSQL's generic plan (what a prepared statement runs after its first few executions) and an organization whose
// size the planner does not know (its attendance tables not analyzed yet), joins on the batch's own rows were planned
// as a scan of every record, event or member of the organization, a cost growing with the table (1,800 records read
// for a 100-day update in the bench). Every statement of the three write paths is explained here as PostgreSQL would
// run it prepared; a scan of those tables whose only condition is the organization fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { idleJobs, orgWithMembers, type OrgWorld } from '../../../tools/test-support/fixtures'
import { statementsOfSync } from '../../../tools/test-support/statements'
import { sync } from '../../../tools/test-support/evidence-flow'
import { webhookEndpoints } from '../../db/schema'
import { toLocal } from '../../../shared/attendance/rules'
import { syncSettings } from './attendance.sync'

type Method = (...args: unknown[]) => Promise<unknown>
interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; 'Recheck Cond'?: string; 'Plans'?: PlanNode[] }

/** The tables that grow with an organization's use. */
const GROWING = new Set(['attendance_records', 'attendance_events', 'organization_members', 'member_face_data'])

/** A parameter as a SQL literal for EXECUTE (PostgreSQL casts it to the type the statement gives it). */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  const text = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return `'${text.replace(/'/g, '\'\'')}'`
}

/** The scans of `plan` that read a growing table by its organization alone (or whole). */
function organizationScans(plan: PlanNode, out: string[] = []): string[] {
  const cond = plan['Index Cond'] ?? plan['Recheck Cond']
  const onlyOrganization = cond !== undefined && cond.replace(/\(?\s*\(?organization_id = \$\d+\)?\s*\)?/g, '').replace(/[\s()]|AND/g, '') === ''
  if (plan['Node Type'] === 'Seq Scan' && GROWING.has(plan['Relation Name'] ?? '')) out.push(`Seq Scan on ${plan['Relation Name']}`)
  if (onlyOrganization && (GROWING.has(plan['Relation Name'] ?? '') || /^(attendance|organization_members|member_face)/.test(plan['Index Name'] ?? ''))) {
    out.push(`${plan['Node Type']} on ${plan['Relation Name'] ?? plan['Index Name']} by ${cond}`)
  }
  for (const child of plan.Plans ?? []) organizationScans(child, out)
  return out
}

describe('a sync batch reads the organization by index probes, whatever the planner guesses of its size', () => {
  let t: TestApp
  let org: OrgWorld
  let members: number[]
  beforeAll(async () => {
    t = await createTestApp()
    await idleJobs(t)
    ;({ org, members } = await orgWithMembers(t, 'plans', 'PL', 6))
    // Years of one member's days and captures (3,000 of each): the organization's records outnumber a batch's many times
    // over, few enough that the planner may still think reading them all cheap (as in the bench, whose tables grow
    // from nothing while a prepared plan stays).
    await t.db.execute(sql`insert into attendance_records (organization_id, organization_member_id, attendance_date, status, source, client_id)
      select ${org.id}, ${org.memberId}, date '2015-01-01' + g, 'present', 'mobile', gen_random_uuid() from generate_series(0, 2999) as g`)
    await t.db.execute(sql`insert into attendance_events (organization_id, client_id, attendance_record_id, organization_member_id, kind, payload_hash, captured_at, device_captured_at, origin, verification)
      select a.organization_id, a.client_id, a.id, a.organization_member_id, 'check_in', 'x', a.attendance_date + time '07:00', a.attendance_date + time '07:00', 'member', 'done'
      from attendance_records a where a.organization_id = ${org.id}`)
  })
  afterAll(() => t.close())

  /** The generic plan of each statement as sent (PREPARE, then EXPLAIN EXECUTE with plan_cache_mode = force_generic_plan). */
  async function genericPlans(calls: { text: string; params: unknown[] }[]): Promise<{ text: string; scans: string[] }[]> {
    const client = (t.db as unknown as { $client: Record<string, Method> }).$client
    const out: { text: string; scans: string[] }[] = []
    const run = async (q: (text: string) => Promise<unknown>) => {
      await q('set plan_cache_mode = force_generic_plan')
      try {
        for (const [i, call] of calls.entries()) {
          if (!/^\s*(with|select|update|insert|delete)\b/i.test(call.text)) continue
          await q(`prepare hadir_plan_${i} as ${call.text}`)
          const rows = (await q(`explain (format json) execute hadir_plan_${i}${call.params.length ? `(${call.params.map(literal).join(', ')})` : ''}`)) as unknown
          await q(`deallocate hadir_plan_${i}`)
          const list = (Array.isArray(rows) ? rows : ((rows as { rows: unknown[] }).rows ?? [])) as Record<string, unknown>[]
          const json = Object.values(list[0]!)[0]
          const plan = (typeof json === 'string' ? JSON.parse(json) : json) as { Plan: PlanNode }[]
          out.push({ text: call.text.replace(/\s+/g, ' ').trim().slice(0, 60), scans: organizationScans(plan[0]!.Plan) })
        }
      } finally {
        await q('reset plan_cache_mode')
      }
    }
    if (typeof client.reserve === 'function') {
      // postgres-js: one connection for the session settings and the prepared statements.
      const conn = (await client.reserve()) as { unsafe: Method; release: () => void }
      try {
        await run((text) => conn.unsafe(text))
      } finally {
        conn.release()
      }
    } else await run((text) => client.query!(text))
    return out
  }

  const statementsOfBatch = async (records: unknown[]) => (await statementsOfSync(t, org.petugas, records)).calls

  it('on the optimistic batch, the locked batch and record by record', async () => {
    const day = toLocal(new Date(Date.now() - 86_400_000), 'Asia/Jakarta').date
    const rec = (memberId: number, kind: 'check_in' | 'check_out', hhmm: string) => ({ client_id: randomUUID(), member_id: memberId, kind, captured_at: new Date(`${day}T${hhmm}:00+07:00`).toISOString() })
    // A first batch teaches the server the organization's zone; then new days (inserted) and their check-outs (updated).
    await sync(org.petugas, [rec(members[5]!, 'check_in', '06:30'), rec(members[5]!, 'check_in', '06:31')])
    const calls = [
      ...(await statementsOfBatch([rec(members[0]!, 'check_in', '07:00'), rec(members[1]!, 'check_in', '07:01')])),
      ...(await statementsOfBatch([rec(members[0]!, 'check_out', '16:00'), rec(members[1]!, 'check_out', '16:01')])),
    ]
    // The locked batch: webhooks want the records.
    await t.db.insert(webhookEndpoints).values({ organizationId: org.id, url: 'http://127.0.0.1:9/hook', events: ['attendance.recorded'], secret: 'rahasia' })
    calls.push(...(await statementsOfBatch([rec(members[2]!, 'check_in', '07:02'), rec(members[3]!, 'check_in', '07:03')])))
    calls.push(...(await statementsOfBatch([rec(members[2]!, 'check_out', '16:02'), rec(members[3]!, 'check_out', '16:03')])))
    // Record by record.
    syncSettings.batchWrites = false
    try {
      calls.push(...(await statementsOfBatch([rec(members[4]!, 'check_in', '07:04'), rec(members[4]!, 'check_out', '16:04')])))
    } finally {
      syncSettings.batchWrites = true
    }
    const plans = await genericPlans(calls)
    expect(plans.length).toBeGreaterThanOrEqual(10)
    expect(plans.some((p) => p.text.startsWith('with ins as'))).toBe(true)
    expect(plans.some((p) => p.text.startsWith('with d as'))).toBe(true)
    expect(plans.filter((p) => p.scans.length > 0)).toEqual([])
  })
})
