import { sql, type SQL, type Column } from 'drizzle-orm'
import { z } from 'zod'
import { ValidationError } from '../../errors'

/** A calendar day, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date such as 2026-03-01')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`)
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v
  }, 'Not a real date')

/** Filter days are the organization's days: from its midnight to its next midnight. `to` is included. */
export function dayRange(column: Column, timezone: string, from?: string, to?: string): SQL[] {
  if (from && to && from > to) {
    throw new ValidationError('The start date is after the end date', [{ path: 'from', message: 'After the end date', code: 'date_order' }])
  }
  const out: SQL[] = []
  if (from) out.push(sql`${column} >= ((${from})::timestamp at time zone ${timezone})`)
  if (to) out.push(sql`${column} < (((${to})::date + 1)::timestamp at time zone ${timezone})`)
  return out
}

/** A LIKE pattern that matches `prefix` literally at the start (its % and _ are not wildcards). */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (m) => `\\${m}`)}%`
}
