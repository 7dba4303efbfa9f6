// Report benchmark: monthlyRecap and dailyReport over 2,000 members x 22 working days (about 44,000 records, a share
// of them late), the size the issue asks to stay fast.
//
//   npx tsx tools/bench/reports.ts [--members N] [--runs N]
//   (PostgreSQL at HADIR_TEST_PG_URL when reachable, else PGlite; HADIR_TEST_DB=pglite forces PGlite)
import { sql } from 'drizzle-orm'
import { postgresReachable } from '../../scripts/test-env.mjs'

const args = process.argv.slice(2)
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const MEMBERS = arg('--members', 2000)
const RUNS = arg('--runs', 5)
const MONTH = '2026-10' // 22 weekdays

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function main() {
  if (process.env.HADIR_TEST_DB !== 'pglite') process.env.HADIR_TEST_DB = (await postgresReachable()) ? 'postgres' : 'pglite'
  const { backend, createTestApp } = await import('../test-support/harness')
  const { buildOrg } = await import('../test-support/fixtures')
  const { monthlyRecap, dailyReport } = await import('../../server/features/reports/reports.service')
  const t = await createTestApp()
  try {
    const org = await buildOrg(t, 'bench')
    const seed0 = performance.now()
    // Members in 10 departments, joined before the month, each with a member role.
    await t.db.execute(sql`insert into departments (organization_id, name) select ${org.id}, 'Dept ' || g from generate_series(1, 10) g`)
    await t.db.execute(sql`
      with u as (
        insert into users (name) select 'Bench member ' || lpad(g::text, 5, '0') from generate_series(1, ${MEMBERS}) g returning id
      ), m as (
        insert into organization_members (organization_id, user_id, member_number, department_id, created_at)
        select ${org.id}, u.id, 'BM-' || u.id,
          (select id from departments where organization_id = ${org.id} order by id offset (u.id % 10) limit 1),
          timestamptz '2026-09-01 00:00+07'
        from u returning id
      )
      insert into member_roles (organization_member_id, role_id, organization_id)
      select m.id, (select id from roles where key = 'member' and organization_id is null), ${org.id} from m`)
    // One record per member and weekday: ~80% on time, ~12% late, the rest absent (no record) or excused.
    await t.db.execute(sql`
      insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time, status, flags, source)
      select ${org.id}, om.id, d::date,
        case when h.v < 80 then time '07:45' + (h.v || ' minutes')::interval
             when h.v < 92 then time '08:16' + (h.v || ' minutes')::interval end,
        case when h.v < 92 then time '16:05' + (h.v || ' minutes')::interval end,
        case when h.v < 80 then 'present' when h.v < 92 then 'late' else 'excused' end,
        case when h.v >= 80 and h.v < 92 then array['late'] else array[]::text[] end,
        'manual'
      from organization_members om
      cross join generate_series(date '2026-10-01', date '2026-10-31', interval '1 day') d
      cross join lateral (select abs(hashtext(om.id::text || d::text)) % 100 as v) h
      where om.organization_id = ${org.id} and om.member_number like 'BM-%'
        and extract(isodow from d) < 6 and h.v < 97`)
    await t.db.execute(sql`analyze`)
    const seedMs = performance.now() - seed0
    const now = new Date('2026-11-24T09:00:00+07:00')

    const monthly: number[] = []
    let report = await monthlyRecap(t.db, org.id, { month: MONTH }, now)
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now()
      report = await monthlyRecap(t.db, org.id, { month: MONTH }, now)
      monthly.push(performance.now() - t0)
    }
    const daily: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now()
      await dailyReport(t.db, org.id, { date: '2026-10-14' }, now)
      daily.push(performance.now() - t0)
    }
    const result = {
      backend,
      members: report.totals.members,
      records: report.totals.present + report.totals.late + report.totals.excused,
      late_arrivals: report.late_arrivals.length,
      seed_ms: Math.round(seedMs),
      monthly_recap_ms: Math.round(median(monthly)),
      daily_report_ms: Math.round(median(daily)),
    }
    console.log(`reports on ${backend}: monthly recap of ${result.members} members / ${result.records} records in ${result.monthly_recap_ms} ms (median of ${RUNS}); daily list in ${result.daily_report_ms} ms`)
    console.log(JSON.stringify(result))
  } finally {
    await t.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
