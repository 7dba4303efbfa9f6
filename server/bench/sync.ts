// Sync ingest benchmark: records/s through POST /api/attendance/sync (validation, idempotency, rules, fold into the
// day record, one transaction per record) against the raw rate of single-row INSERTs on the same database.
//
//   npx tsx server/bench/sync.ts [--records N]     (PostgreSQL at HADIR_TEST_PG_URL when reachable, else PGlite)
import crypto from 'node:crypto'
import { sql } from 'drizzle-orm'
import { postgresReachable } from '../../scripts/test-env.mjs'

const args = process.argv.slice(2)
const flag = args.indexOf('--records')
const total = flag >= 0 ? Number(args[flag + 1]) : 2000

async function main() {
  process.env.HADIR_TEST_DB = (await postgresReachable()) ? 'postgres' : 'pglite'
  // The harness reads HADIR_TEST_DB when it loads, so it is imported only now.
  const { backend, createTestApp } = await import('../test/harness')
  const { buildOrg } = await import('../test/fixtures')
  const t = await createTestApp()
  try {
    const org = await buildOrg(t, 'bench')
    // Members to spread records over (one record per member and day, like real traffic).
    const members: number[] = [org.memberId]
    const start = Date.UTC(2026, 0, 1)
    const records = Array.from({ length: total }, (_, i) => ({
      client_id: crypto.randomUUID(),
      member_id: members[0]!,
      kind: i % 2 === 0 ? 'check_in' : 'check_out',
      captured_at: new Date(start + Math.floor(i / 2) * 86_400_000 + (i % 2 ? 9 : 1) * 3600_000).toISOString(),
    }))
    const t0 = performance.now()
    for (let i = 0; i < records.length; i += 100) {
      const res = await org.member.post('/api/attendance/sync', { device_id: 'bench', sent_at: new Date().toISOString(), records: records.slice(i, i + 100) })
      if (res.status !== 200 || res.body.data.failed) throw new Error(`sync failed: ${JSON.stringify(res.body).slice(0, 300)}`)
    }
    const syncMs = performance.now() - t0

    await t.db.execute(sql`create temporary table bench_raw (id serial primary key, org int, client_id uuid, payload text, at timestamptz)`)
    const t1 = performance.now()
    for (let i = 0; i < total; i++) {
      await t.db.execute(sql`insert into bench_raw (org, client_id, payload, at) values (${org.id}, ${crypto.randomUUID()}, ${'x'.repeat(64)}, now())`)
    }
    const rawMs = performance.now() - t1
    const result = {
      backend,
      records: total,
      sync_records_per_s: Math.round((total / syncMs) * 1000),
      raw_inserts_per_s: Math.round((total / rawMs) * 1000),
      ratio: Number((rawMs / syncMs).toFixed(2)),
    }
    console.log(`sync ingest on ${backend}: ${result.sync_records_per_s} records/s; raw single-row INSERT: ${result.raw_inserts_per_s}/s (ratio ${result.ratio})`)
    console.log(JSON.stringify(result))
  } finally {
    await t.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
