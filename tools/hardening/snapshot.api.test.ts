// The write detector of the hardening suites (world.ts snapshot): every insert, update and delete shows as a changed
// table, a change of the volatile columns alone does not, and a table whose rows did not move keeps its checksum
// without being hashed again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../test-support/harness'
import { rowsOf, snapshot, snapshotDiff } from './world'

describe('snapshot', () => {
  let t: TestApp
  let id: number
  beforeAll(async () => {
    t = await createTestApp()
    await t.db.execute(sql`insert into organizations (name, slug) values ('Sekolah Satu', 'sekolah-satu'), ('Sekolah Dua', 'sekolah-dua')`)
    id = Number(rowsOf(await t.db.execute(sql`select min(id) as id from organizations`))[0]!.id)
  })
  afterAll(() => t?.close())

  const changed = async (write: () => Promise<unknown>) => {
    const before = await snapshot(t)
    await write()
    return snapshotDiff(before, await snapshot(t))
  }

  it('sees every kind of write, and nothing when nothing was written', async () => {
    expect(await changed(async () => {})).toEqual([])
    expect(await changed(() => t.db.execute(sql`update organizations set name = 'Sekolah Satu Baru' where id = ${id}`))).toEqual(['organizations (2 -> 2 rows)'])
    expect(await changed(() => t.db.execute(sql`insert into organizations (name, slug) values ('Sekolah Tiga', 'sekolah-tiga')`))).toEqual(['organizations (2 -> 3 rows)'])
    expect(await changed(() => t.db.execute(sql`delete from organizations where slug = 'sekolah-tiga'`))).toEqual(['organizations (3 -> 2 rows)'])
    // A delete and an insert that leave the count as it was.
    expect(await changed(() => t.db.execute(sql`with d as (delete from organizations where slug = 'sekolah-dua') insert into organizations (name, slug) values ('Sekolah Empat', 'sekolah-empat')`))).toEqual(['organizations (2 -> 2 rows)'])
  })

  it('ignores the columns that change on reads, and a value written back as it was', async () => {
    expect(await changed(() => t.db.execute(sql`update organizations set updated_at = now() + interval '1 day' where id = ${id}`))).toEqual([])
    expect(await changed(() => t.db.execute(sql`update organizations set name = name where id = ${id}`))).toEqual([])
  })

  it('answers what a snapshot taken from scratch answers', async () => {
    await snapshot(t)
    await t.db.execute(sql`update organizations set name = 'Sekolah Satu Lagi' where id = ${id}`)
    await t.db.execute(sql`update organizations set updated_at = now() where id <> ${id}`)
    const kept = await snapshot(t)
    // Another handle on the same database keeps no checksums of its own yet: every table is hashed.
    expect(await snapshot({ ...t })).toEqual(kept)
    expect(kept.get('organizations')).toMatch(/^2:[0-9a-f]{32}$/)
    expect((await snapshot(t, id)).get('organizations')).toMatch(/^1:/)
  })
})
