// Helpers for raw statements (db.execute(sql`...`)) that both drivers run the same way.
import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Tx } from './client'

/** Rows of a raw statement, whichever driver ran it (postgres-js answers an array, PGlite `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as T[]
}

/**
 * PostgreSQL array literals, passed as ONE parameter and cast in the statement (`${intArray(ids)}::int[]`): drizzle's
 * sql template would spread a JS array into a list of parameters, and a statement whose text does not depend on the
 * list's length is prepared once.
 */
export const intArray = (xs: readonly (number | null)[]) => `{${xs.map((x) => (x === null ? 'NULL' : Math.trunc(Number(x)))).join(',')}}`
const NEEDS_ESCAPE = /["\\]/
/** Every element quoted, `"` and `\` escaped (an element without them is copied as it is: 17 -> 5 µs for 100 ids). */
export const textArray = (xs: readonly string[]) => {
  let out = '{'
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    out += `${i ? ',' : ''}"${NEEDS_ESCAPE.test(x) ? x.replace(/["\\]/g, '\\$&') : x}"`
  }
  return `${out}}`
}

const dialect = new PgDialect()

/**
 * A raw statement run as a prepared statement. db.execute() sends every raw statement unnamed, so PostgreSQL parses and
 * plans it again each time; prepared, postgres-js prepares its text once per connection and PostgreSQL keeps the parse
 * and (after a few runs) the plan. For statements whose text does not depend on their data (lists as one array or JSON
 * parameter), else every variant would be kept. Answers what execute() answers; PGlite runs it as execute() does.
 */
export function executePrepared(db: Tx, query: SQL): Promise<unknown> {
  return db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, 'raw', false).execute()
}

/**
 * Rows as ONE jsonb parameter, each row an array of its values in `columns`' order, read back typed by the select list
 * this answers: `select ${sql.raw(jsonRowsSelect(COLUMNS))} from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as e(v)`.
 * Positional rather than objects (jsonb_to_recordset): no row carries its keys, so there is less to serialize, send,
 * parse and look up (a 100-record sync batch's write: its parameters 160 -> 110 KB, 3.3 -> 2.2 ms a round trip).
 * A JSON null is SQL NULL in every column, jsonb ones included; an array column takes its PostgreSQL literal (textArray).
 */
export function jsonRowsSelect(columns: readonly (readonly [name: string, type: string])[]): string {
  return columns.map(([name, type], i) => `${type === 'jsonb' ? `nullif(v->${i}, 'null'::jsonb)` : `(v->>${i})::${type}`} as ${name}`).join(', ')
}
