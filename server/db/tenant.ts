import { sql } from 'drizzle-orm'
import type { Db, Tx } from './client'
import { rowsOf } from './raw'

/** The database role whose queries row-level security confines to one organization (migration 0003_tenant_rls). */
export const TENANT_ROLE = 'hadir_tenant'

const available = new WeakMap<object, Promise<boolean>>()

/** Whether the tenant role exists and the connecting user may switch to it (checked once per database). */
export function tenantWallAvailable(db: Db): Promise<boolean> {
  let known = available.get(db)
  if (!known) {
    known = db
      .execute(sql`select exists (select 1 from pg_roles where rolname = ${TENANT_ROLE}) and pg_has_role(current_user, ${TENANT_ROLE}, 'MEMBER') as ok`)
      .then((r) => Boolean((rowsOf(r)[0] as { ok?: boolean } | undefined)?.ok))
      .catch(() => false)
    available.set(db, known)
  }
  return known
}

/**
 * Runs `fn` in a transaction confined to one organization by PostgreSQL itself: the role switches to hadir_tenant
 * and app.org_id is set for this transaction only, so even a query that forgets its `organization_id` condition sees
 * and writes only this organization's rows. The application's own scoping stays the first wall; this is the second.
 */
export async function withTenant<T>(db: Db, organizationId: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!Number.isInteger(organizationId) || organizationId <= 0) throw new Error('withTenant needs an organization id')
  const wall = await tenantWallAvailable(db)
  return db.transaction(async (tx) => {
    if (wall) await tx.execute(sql`select set_config('app.org_id', ${String(organizationId)}, true), set_config('role', ${TENANT_ROLE}, true)`)
    else await tx.execute(sql`select set_config('app.org_id', ${String(organizationId)}, true)`)
    return fn(tx)
  })
}
