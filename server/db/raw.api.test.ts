import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { backend, createTestApp, type TestApp } from '../../tools/test-support/harness'
import { executePrepared, jsonRowsSelect, rowsOf, textArray } from './raw'

// Rows sent as ONE jsonb parameter of arrays (the sync's write): every column type the writes use reads back exactly as
// sent, and a JSON null is SQL NULL in every column (jsonb ones too: not the jsonb value `null`), on both databases.

const COLUMNS = [
  ['i', 'integer'], ['r', 'real'], ['d', 'double precision'], ['ts', 'timestamptz'], ['day', 'date'], ['tm', 'time'],
  ['u', 'uuid'], ['t', 'text'], ['tags', 'text[]'], ['doc', 'jsonb'],
] as const

describe('rows as one jsonb parameter (jsonRowsSelect)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())

  const read = async (rows: unknown[][]) => {
    const text = 'a "quote", a \\ backslash, ünïcode, 🙂'
    const tags = ['a "b"', 'c\\d', '', 'NULL']
    const doc = { a: [1, null, 2.5], b: 'x', c: { d: null } }
    const uuid = '0192f5e4-7b1c-7cc3-9a53-4b1b0d0f2a11'
    const all = rowsOf<Record<string, boolean>>(
      await executePrepared(t.db, sql`
        select x.i = 2147483647 as i, x.r = 0.62::real as r, x.d = 106.81672345678901::double precision as d,
          x.ts = '2026-11-23T01:02:03.456Z'::timestamptz as ts, x.day = '2026-02-28'::date as day, x.tm = '07:30:05'::time as tm,
          x.u = ${uuid}::uuid as u, x.t = ${text}::text as t, x.tags = ${textArray(tags)}::text[] as tags, x.doc = ${JSON.stringify(doc)}::jsonb as doc,
          x.i is null as i_null, x.r is null as r_null, x.d is null as d_null, x.ts is null as ts_null, x.day is null as day_null,
          x.tm is null as tm_null, x.u is null as u_null, x.t is null as t_null, x.tags is null as tags_null, x.doc is null as doc_null
        from (select ${sql.raw(jsonRowsSelect(COLUMNS))} from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as e(v)) as x`),
    )
    return { all, values: [2147483647, 0.62, 106.81672345678901, '2026-11-23T01:02:03.456Z', '2026-02-28', '07:30:05', uuid, text, textArray(tags), doc] }
  }

  it('reads every value back as sent', async () => {
    const { values } = await read([])
    const { all } = await read([values])
    expect(all).toHaveLength(1)
    for (const [name] of COLUMNS) {
      expect(all[0]![name], name).toBe(true)
      expect(all[0]![`${name}_null`], name).toBe(false)
    }
  })

  it('reads a JSON null as SQL NULL in every column', async () => {
    const { all } = await read([COLUMNS.map(() => null)])
    for (const [name] of COLUMNS) expect(all[0]![`${name}_null`], name).toBe(true)
  })

  it.runIf(backend === 'pglite')('runs on an embedded database with the tests\' own settings (server/db/client.ts settings)', async () => {
    // PGlite's 128 MB default would be ~30k more pages touched at every test database's start.
    expect(rowsOf<{ shared_buffers: string }>(await executePrepared(t.db, sql`show shared_buffers`))).toEqual([{ shared_buffers: '16MB' }])
  })
})
