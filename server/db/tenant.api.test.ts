import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'
import { attendanceRecords, departments, organizationMembers, organizations, roles } from './schema'
import { TENANT_ROLE, tenantWallAvailable, withTenant } from './tenant'

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as Record<string, unknown>[]
}

/** Every table with an organization_id column, read from the database itself (so a new table cannot be forgotten). */
async function tenantTables(t: TestApp): Promise<string[]> {
  const r = await t.db.execute(sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'organization_id' order by table_name`)
  return rowsOf(r).map((x) => String(x.table_name))
}

describe('row-level security: the second wall', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    await t.db.insert(departments).values([{ organizationId: a.id, name: 'Dept A' }, { organizationId: b.id, name: 'Dept B' }])
    await t.db.insert(attendanceRecords).values([
      { organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: '2026-11-02', status: 'present', source: 'manual' },
      { organizationId: b.id, organizationMemberId: b.memberId, attendanceDate: '2026-11-02', status: 'present', source: 'manual' },
    ])
  })
  afterAll(() => t.close())

  it('is in place on every table that carries an organization, forced, with the tenant role', async () => {
    expect(await tenantWallAvailable(t.db)).toBe(true)
    const tables = await tenantTables(t)
    expect(tables.length).toBeGreaterThanOrEqual(18)
    const r = rowsOf(await t.db.execute(sql`select relname, relrowsecurity, relforcerowsecurity from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`))
    const byName = new Map(r.map((x) => [String(x.relname), x]))
    for (const table of [...tables, 'organizations']) {
      expect(byName.get(table), table).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true })
    }
  })

  it('a query that forgets its organization sees nothing without a scope, and only its organization with one', async () => {
    for (const table of await tenantTables(t)) {
      const unscoped = await t.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', ${TENANT_ROLE}, true)`)
        return rowsOf(await tx.execute(sql.raw(`select count(*)::int as n from "${table}"`)))[0]!.n
      })
      const nulls = table === 'roles' ? rowsOf(await t.db.execute(sql`select count(*)::int as n from roles where organization_id is null`))[0]!.n : 0
      expect(unscoped, table).toBe(nulls)
      const scoped = await withTenant(t.db, a.id, async (tx) =>
        rowsOf(await tx.execute(sql.raw(`select count(*)::int as n from "${table}" where organization_id is distinct from ${a.id}${table === 'roles' ? ' and organization_id is not null' : ''}`)))[0]!.n,
      )
      expect(scoped, table).toBe(0)
    }
    // The queries of the app itself, without a where clause: one organization's rows only.
    const seen = await withTenant(t.db, a.id, async (tx) => ({
      records: await tx.select().from(attendanceRecords),
      members: await tx.select().from(organizationMembers),
      organizations: await tx.select().from(organizations),
      systemRoles: await tx.select().from(roles),
    }))
    expect(seen.records.map((r) => r.organizationId)).toEqual([a.id])
    expect(new Set(seen.members.map((m) => m.organizationId))).toEqual(new Set([a.id]))
    expect(seen.organizations.map((o) => o.id)).toEqual([a.id])
    expect(seen.systemRoles.length).toBeGreaterThanOrEqual(5)
  })

  it('refuses to write another organization\'s rows under the wall, and leaves the rest of the app unaffected', async () => {
    const refused = await withTenant(t.db, a.id, (tx) => tx.insert(departments).values({ organizationId: b.id, name: 'Smuggled' })).catch((e: Error & { cause?: Error }) => e)
    expect(String((refused as Error & { cause?: Error }).cause?.message ?? refused)).toMatch(/row-level security/)
    const updated = await withTenant(t.db, a.id, (tx) => tx.update(departments).set({ name: 'Renamed' }).returning())
    expect(updated.map((d) => d.organizationId)).toEqual([a.id])
    const dB = await t.db.select().from(departments).where(sql`organization_id = ${b.id}`)
    expect(dB.map((d) => d.name)).toEqual(['Dept B'])
    // Outside the wall (the connecting role), the app's own scoping works as before.
    expect((await a.admin.get(`/api/organizations/${a.id}/departments`)).status).toBe(200)
    expect((await t.db.select().from(attendanceRecords)).length).toBe(2)
  })
})
