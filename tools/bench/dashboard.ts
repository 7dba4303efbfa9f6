// The dashboard's heavy reads and writes on the production server (PostgreSQL), each beside the work at its core done
// directly:
// - the attendance list at 1,000,000 records (first page, with and without filters): p95 over HTTP vs the same SQL
//   (captured from the list function itself) run directly with the `postgres` driver;
// - the monthly report for 2,000 members × 22 working days, downloaded as .xlsx, vs its SQL aggregate run directly;
// - an Excel import of 10,000 members (upload, parse in the worker, validate, write) vs parsing the file alone.
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import * as schema from '../../server/db/schema'
import type { Db } from '../../server/db/client'
import { toXlsx } from '../../server/lib/spreadsheet'
import { DEPARTMENTS, personName, Rng } from './generators'
import { median, percentile, progress, round, row, type Row } from './lib'
import type { World } from './world'

/** April 2024: 22 working days (Monday to Friday), inside the seeded range in both modes. */
export const REPORT_MONTH = '2024-04'

/** Bulk-loads `days` weekdays of records (from 2024-01-01) for every bench member: the list's million rows. */
export async function seedAttendance(world: World, days: number): Promise<number> {
  const { sql } = world
  progress(`  seeding ${(days * world.members.length).toLocaleString('en')} attendance records (${world.members.length.toLocaleString('en')} members × ${days} working days)`)
  const t0 = performance.now()
  // A bulk load of rows consistent by construction: the foreign-key triggers are skipped for this session only.
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`
      insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, check_out_time, status,
        approval_status, flags, source, recorded_by, face_match_score, remarks, server_received_at, created_at, updated_at)
      select ${world.orgId}, m.id, d.day,
        case when h.v < 80 then time '06:40' + (h.v || ' minutes')::interval
             when h.v < 92 then time '08:16' + ((h.v - 80) * 4 || ' minutes')::interval end,
        case when h.v < 90 then time '16:00' + ((h.v * 7) % 90 || ' minutes')::interval end,
        case when h.v < 80 then 'present' when h.v < 92 then 'late' when h.v < 97 then 'excused' else 'absent' end,
        case when h.v % 23 = 0 then 'pending' else 'approved' end,
        case when h.v >= 80 and h.v < 92 then array['late'] when h.v >= 90 and h.v < 92 then array['late', 'auto_closed'] else array[]::text[] end,
        case when h.v < 60 then 'mobile' when h.v < 92 then 'mobile' else 'manual' end,
        case when h.v % 3 = 0 and h.v < 92 then ${world.petugasId}::integer end,
        case when h.v < 92 then 0.55 + (h.v % 40) / 100.0 end,
        case when h.v >= 92 and h.v < 97 then 'Sakit' end,
        d.day + time '07:00' + (h.v || ' minutes')::interval, now(), now()
      from (select id from organization_members where organization_id = ${world.orgId} and member_number like 'BM-%') m
      cross join (select day::date from generate_series(date '2024-01-01', date '2030-12-31', interval '1 day') day where extract(isodow from day) < 6 order by day limit ${days}) d
      cross join lateral (select abs(hashtext(m.id::text || d.day::text)) % 100 as v) h`
  })
  await sql`analyze attendance_records`
  const [counted] = await sql<{ n: number }[]>`select count(*)::int as n from attendance_records where organization_id = ${world.orgId}`
  const n = counted!.n
  progress(`    ${n.toLocaleString('en')} records in ${round((performance.now() - t0) / 1000, 0)} s`)
  return n
}

/** A drizzle database on the bench's PostgreSQL that records every statement it sends (text and parameters). */
function capturingDb(url: string): { db: Db; captured: { query: string; params: unknown[] }[]; client: postgres.Sql } {
  const client = postgres(url, { max: 2, onnotice: () => {} })
  const captured: { query: string; params: unknown[] }[] = []
  const db = drizzle(client, { schema, logger: { logQuery: (query, params) => void captured.push({ query, params }) } }) as unknown as Db
  return { db, captured, client }
}

/** Runs the captured statements directly `runs` times; answers each run's total ms. */
async function runDirect(client: postgres.Sql, statements: { query: string; params: unknown[] }[], runs: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now()
    for (const s of statements) await client.unsafe(s.query, s.params as postgres.ParameterOrJSON<never>[])
    if (i >= 2) out.push(performance.now() - t) // two warm-up runs
  }
  return out
}

/**
 * The same, inside the transaction the route opens for them (server/db/tenant.ts: the hadir_tenant role and
 * app.org_id, so PostgreSQL's row-level security applies), to tell the wall's cost from the app's.
 */
async function runDirectInTenant(client: postgres.Sql, organizationId: number, statements: { query: string; params: unknown[] }[], runs: number): Promise<number[] | null> {
  const [role] = await client<{ ok: boolean }[]>`select exists (select 1 from pg_roles where rolname = 'hadir_tenant') as ok`
  if (!role?.ok) return null
  const out: number[] = []
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now()
    await client.begin(async (tx) => {
      await tx`select set_config('app.org_id', ${String(organizationId)}, true), set_config('role', 'hadir_tenant', true)`
      for (const s of statements) await tx.unsafe(s.query, s.params as postgres.ParameterOrJSON<never>[])
    })
    if (i >= 2) out.push(performance.now() - t)
  }
  return out
}

async function timeHttp(world: World, path: string, runs: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now()
    const res = await world.admin.raw('GET', path)
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`)
    await res.arrayBuffer()
    if (i >= 2) out.push(performance.now() - t)
  }
  return out
}

export async function benchList(world: World, records: number, runs: number): Promise<Row[]> {
  const { listAttendance } = await import('../../server/features/attendance/admin/attendance-list')
  const cap = capturingDb(world.db.url)
  const department = world.departments[3]!
  const cases = [
    { id: 'list.unfiltered', label: 'no filters', query: {} as Record<string, string | number> },
    { id: 'list.filtered', label: 'department + status + date range', query: { department_id: department, status: 'late', start_date: '2024-03-01', end_date: '2024-05-31' } },
  ]
  const rows: Row[] = []
  try {
    for (const c of cases) {
      const qs = new URLSearchParams(Object.entries({ ...c.query, limit: 50 }).map(([k, v]) => [k, String(v)])).toString()
      progress(`attendance list (${c.label}): ${runs} first pages over HTTP, and the same SQL directly`)
      const httpMs = await timeHttp(world, `/api/organizations/${world.orgId}/attendance?${qs}`, runs)
      cap.captured.length = 0
      const page = await listAttendance(cap.db, world.orgId, { ...c.query, limit: 50 } as never)
      const statements = [...cap.captured]
      const directMs = await runDirect(cap.client, statements, runs)
      const tenantMs = await runDirectInTenant(cap.client, world.orgId, statements, runs)
      progress(`  p95 ${round(percentile(httpMs, 95), 0)} ms over HTTP; the same ${statements.length} statement(s) directly ${round(percentile(directMs, 95), 0)} ms${tenantMs ? `, directly behind the row-level-security wall ${round(percentile(tenantMs, 95), 0)} ms` : ''}`)
      rows.push(
        row({
          id: c.id,
          name: `attendance list at ${(records / 1e6).toLocaleString('en')}M records, first page, ${c.label}, p95`,
          value: round(percentile(httpMs, 95), 0),
          unit: 'ms',
          baseline: round(percentile(directMs, 95), 0),
          baseline_name: `the same SQL run directly (${statements.length} statement${statements.length === 1 ? '' : 's'})`,
          better: 'lower',
          target: '< 100 ms',
          note: `median ${round(median(httpMs), 0)} ms (direct ${round(median(directMs), 0)} ms${tenantMs ? `; the same SQL directly inside the route's row-level-security transaction: p95 ${round(percentile(tenantMs, 95), 0)} ms, median ${round(median(tenantMs), 0)} ms` : ''}); ${runs} requests of 50 rows, ${page.total === null ? '' : `${page.total.toLocaleString('en')}${page.total_capped ? '+' : ''} matching, counted on the first page${page.total_capped ? ' up to the cap' : ''}; `}admin session over HTTP`,
        }),
      )
    }
  } finally {
    await cap.client.end({ timeout: 5 })
  }
  return rows
}

export async function benchReport(world: World, runs: number): Promise<Row[]> {
  const { monthlyRecap } = await import('../../server/features/reports/reports.service')
  const cap = capturingDb(world.db.url)
  try {
    progress(`monthly report ${REPORT_MONTH} to .xlsx: ${runs} downloads, and its SQL aggregate directly`)
    const httpMs = await timeHttp(world, `/api/organizations/${world.orgId}/reports/monthly/export?month=${REPORT_MONTH}&format=xlsx`, runs)
    cap.captured.length = 0
    const report = await monthlyRecap(cap.db, world.orgId, { month: REPORT_MONTH })
    const statements = [...cap.captured]
    const directMs = await runDirect(cap.client, statements, runs)
    const tenantMs = await runDirectInTenant(cap.client, world.orgId, statements, runs)
    progress(`  ${round(median(httpMs), 0)} ms per .xlsx; SQL alone ${round(median(directMs), 0)} ms${tenantMs ? ` (behind the row-level-security wall ${round(median(tenantMs), 0)} ms)` : ''}`)
    return [
      row({
        id: 'report.monthly.xlsx',
        name: `monthly report, ${report.members.length.toLocaleString('en')} members × 22 working days, to .xlsx`,
        value: round(median(httpMs), 0),
        unit: 'ms',
        baseline: round(median(directMs), 0),
        baseline_name: `the raw SQL aggregate (${statements.length} statement${statements.length === 1 ? '' : 's'} of the report, run directly)`,
        better: 'lower',
        note: `median of ${runs} downloads (p95 ${round(percentile(httpMs, 95), 0)} ms) of GET /reports/monthly/export?format=xlsx: recap, sheets, file${tenantMs ? `; the SQL directly inside the route's row-level-security transaction: ${round(median(tenantMs), 0)} ms` : ''}`,
      }),
    ]
  } finally {
    await cap.client.end({ timeout: 5 })
  }
}

const POSITIONS = ['Guru', 'Staf Tata Usaha', 'Wali Kelas', 'Pustakawan', 'Laboran', 'Satpam', 'Petugas Kebersihan', 'Siswa']

/** An .xlsx of `count` members as a school would fill the template (some in departments that do not exist yet). */
export async function importWorkbook(count: number, seed = 77): Promise<Buffer> {
  const rng = new Rng(seed)
  const departments = [...DEPARTMENTS, 'Kelas X-1', 'Kelas X-2', 'Kelas XI IPA', 'Kelas XII IPS']
  const rows: (string | number)[][] = [['name', 'email', 'phone', 'member_number', 'department', 'position', 'role']]
  for (let i = 1; i <= count; i++) {
    const name = personName(rng)
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '.')
    rows.push([name, i % 4 === 0 ? '' : `${slug}.${i}@harapan.sch.id`, `08${String(1_100_000_000 + rng.int(900_000_000))}`, `IM-${String(i).padStart(6, '0')}`, rng.pick(departments), rng.pick(POSITIONS), 'member'])
  }
  // Written as the app writes spreadsheets (server/lib/spreadsheet.ts: xlsx 0.18.5).
  return toXlsx([{ name: 'Anggota', rows }])
}

export async function benchImport(world: World, members: number): Promise<Row[]> {
  const { parseSpreadsheet } = await import('../../server/features/imports/import.worker')
  const file = await importWorkbook(members)
  progress(`Excel import of ${members.toLocaleString('en')} members (${round(file.length / 1024, 0)} KB .xlsx): parse alone, then upload + parse + validate + write`)
  const parseMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    const parsed = await parseSpreadsheet(new Uint8Array(file), 'xlsx')
    parseMs.push(performance.now() - t)
    if (!parsed.ok) throw new Error(`the bench's file does not parse: ${parsed.code} ${parsed.message}`)
  }
  const form = new FormData()
  form.set('file', new Blob([new Uint8Array(file)], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), 'anggota.xlsx')
  form.set('dry_run', 'false')
  const t = performance.now()
  const result = await world.admin.call<{ result?: { created?: number; updated?: number } } & Record<string, unknown>>('POST', `/api/organizations/${world.orgId}/members/import`, form)
  const importMs = performance.now() - t
  const created = (result.result as { created?: number } | undefined)?.created
  progress(`  ${round(importMs / 1000, 1)} s (parse alone ${round(median(parseMs), 0)} ms)${created !== undefined ? `, ${created} created` : ''}`)
  return [
    row({
      id: 'import.10k',
      name: `Excel import of ${members.toLocaleString('en')} members (upload, parse, validate, write)`,
      value: round(importMs, 0),
      unit: 'ms',
      baseline: round(median(parseMs), 0),
      baseline_name: 'parse alone (the same worker, same file)',
      better: 'lower',
      note: `one POST /members/import with dry_run=false (one transaction)${created !== undefined ? `: ${created.toLocaleString('en')} members created` : ''}; parse: median of 3`,
    }),
  ]
}
