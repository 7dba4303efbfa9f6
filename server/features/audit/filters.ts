import { sql, type SQL, type Column } from 'drizzle-orm'
import { ValidationError } from '../../errors'
import { pgDate } from '../../../shared/validation'

/** A calendar day, YYYY-MM-DD, that exists (2026-02-30 does not), years 1900..9999 (0000-01-01 was a 500). */
export const isoDay = pgDate

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
