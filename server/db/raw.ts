// Helpers for raw statements (db.execute(sql`...`)) that both drivers run the same way.

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
/** Every element quoted, `"` and `\` escaped. */
export const textArray = (xs: readonly string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`
