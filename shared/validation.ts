// Zod primitives for values PostgreSQL can store, shared by every route schema of the server and by the sync protocol
// (shared/attendance/sync.ts). A value that passes one of these can go into its column (or a query parameter of that
// column's type) without a database error: before them, a year-0 date, an id of 2^31 or a real too small for `real`
// passed zod and came back as a 500 — and in a sync batch, as a 500 on every retry of the device's outbox.
//
//   pgDate        a calendar date YYYY-MM-DD (leap days checked), years 1900..9999           -> date
//   pgDateBetween the same within a product range of its own (reports: 2000..2100)
//   pgInstant     an ISO 8601 instant with its offset, 1900-01-01T00:00:00Z..9999-12-31T23:59:59.999Z -> timestamptz
//   rowId         an id in a JSON body: an integer 1..2^31-1                                   -> integer (serial ids)
//   pgInt         an integer in [min, max] within -2^31..2^31-1                                -> integer
//   pgSmallint    an integer in [min, max] within -2^15..2^15-1                                -> smallint
//   queryInt      an integer from a query or path string (coerced), in [min, max] within the integer range
//   rowIdParam    an id from a query or path string: 1..2^31-1
//   pgReal        a finite number in [min, max] that `real` holds (0, or at least ~1.2e-38 in size) -> real
//   pgDouble      a finite number in [min, max]                                                -> double precision
//   pgText        text without NUL (PostgreSQL text cannot hold it) nor a lone surrogate (jsonb cannot), at most
//                 `max` characters                                                               -> text, jsonb
//   pgArray       an array of at most `max` elements
//   pgUuid        a UUID in its lowercase form                                                    -> uuid
//   timeOfDay     a wall-clock time HH:MM or HH:MM:SS, answered as HH:MM:SS                       -> time
//   name          the name of anything an admin names (organization, member, department, ...): trimmed, 1..120
//   optionalText  trimmed text that may be absent (left alone) or empty (cleared: null)
//   email         an email address, trimmed and lowercased
//
// issueDetails() is how a refusal is described: the server's 422 lists these, and a form that checks its input with
// the same schema reads its own refusals through the same function, so both say the same thing under the field.
//
// Values from a query string or a path arrive as strings: use queryInt/rowIdParam there (z.coerce underneath), the
// others in JSON bodies.
import { z } from 'zod'

/** The `integer` range (every id column, counters, minutes). */
export const PG_INT_MIN = -2_147_483_648
export const PG_INT_MAX = 2_147_483_647
/** The `smallint` range (weekdays). */
export const PG_SMALLINT_MIN = -32_768
export const PG_SMALLINT_MAX = 32_767
/** A `bigint` read in drizzle's 'number' mode is exact only up to 2^53-1 (the audit log's ids). */
export const PG_BIGINT_SAFE_MAX = Number.MAX_SAFE_INTEGER
/** The largest finite `real` (float4). */
export const PG_REAL_MAX = 3.4028234663852886e38
/** The smallest normal `real`: PostgreSQL refuses a non-zero value that would round to 0 in a `real` ("out of range"). */
export const PG_REAL_MIN_NORMAL = 1.1754943508222875e-38

/** The years of the dates and instants the product accepts (PostgreSQL itself goes from 4713 BC to 5874897 AD). */
export const YEAR_MIN = 1900
export const YEAR_MAX = 9999
export const DATE_MIN = '1900-01-01'
export const DATE_MAX = '9999-12-31'
export const INSTANT_MIN = '1900-01-01T00:00:00.000Z'
export const INSTANT_MAX = '9999-12-31T23:59:59.999Z'
const INSTANT_MIN_MS = Date.parse(INSTANT_MIN)
const INSTANT_MAX_MS = Date.parse(INSTANT_MAX)

export const NUL_MESSAGE = 'Text may not contain the NUL character'
export const hasNoNul = (s: string): boolean => !s.includes('\u0000')
export const UNICODE_MESSAGE = 'Text must be valid Unicode (it holds half of a surrogate pair)'
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/**
 * Well-formed UTF-16: a lone surrogate is turned into U+FFFD on its way into a text column, but inside a `jsonb` value
 * (audit details, a capture's claims) PostgreSQL refuses its escape ("invalid input syntax for type json"): a 500.
 */
export const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s)

// ------------------------------------------------------------------------------------------------ dates and times

/**
 * A calendar date YYYY-MM-DD between `min` and `max` (both YYYY-MM-DD, four-digit years): 2026-02-30 and 2023-02-29
 * are refused by the format, a year outside the range by the second check, each with its own message.
 */
export function pgDateBetween(min: string, max: string) {
  return z.iso
    .date({ error: 'Use a real calendar date like 2026-11-23' })
    .refine((v) => v >= min && v <= max, { error: `Use a date between ${min} and ${max}`, abort: true, params: { reason: 'date_out_of_range' } })
}

/** A calendar date (years 1900..9999) for a `date` column or a date filter. */
export const pgDate = pgDateBetween(DATE_MIN, DATE_MAX)

/**
 * An instant: ISO 8601 with seconds and an offset ("2026-11-23T08:00:00+07:00", "...Z"), between 1900-01-01T00:00:00Z
 * and 9999-12-31T23:59:59.999Z in UTC (an offset can carry 9999-12-31T23:00-05:00 into year 10000, which PostgreSQL
 * cannot read back from the ISO text JavaScript writes for it).
 */
export const pgInstant = z.iso
  .datetime({ offset: true, error: 'Use an ISO 8601 time with an offset, like 2026-11-23T08:00:00+07:00' })
  .refine(
    (v) => {
      const ms = Date.parse(v)
      return Number.isFinite(ms) && ms >= INSTANT_MIN_MS && ms <= INSTANT_MAX_MS
    },
    { error: `Use a time between ${INSTANT_MIN} and ${INSTANT_MAX}`, abort: true },
  )

/** A wall-clock time, 24-hour "08:00" or "08:00:30"; the value is always "HH:MM:SS". */
export const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'Use 24-hour time, e.g. 08:00')
  .transform((v) => (v.length === 5 ? `${v}:00` : v))

// ------------------------------------------------------------------------------------------------ numbers

function intBetween(base: z.ZodNumber, min: number, max: number, lo: number, hi: number) {
  if (min < lo || max > hi || min > max) throw new Error(`integer bounds [${min}, ${max}] outside [${lo}, ${hi}]`)
  return base.int().min(min).max(max)
}

/** An integer of a JSON body for an `integer` column, in [min, max] (defaults: the whole `integer` range). */
export function pgInt(min: number = PG_INT_MIN, max: number = PG_INT_MAX) {
  return intBetween(z.number(), min, max, PG_INT_MIN, PG_INT_MAX)
}

/** An integer of a JSON body for a `smallint` column. */
export function pgSmallint(min: number = PG_SMALLINT_MIN, max: number = PG_SMALLINT_MAX) {
  return intBetween(z.number(), min, max, PG_SMALLINT_MIN, PG_SMALLINT_MAX)
}

/** A row id in a JSON body (every id column is a serial `integer`). */
export const rowId = z.number().int().min(1, 'Use an id of 1 or more').max(PG_INT_MAX, `Use an id of at most ${PG_INT_MAX}`)

/**
 * An integer from a query string or a path segment (a string, coerced): "12" -> 12; "", "abc", "NaN", "1.5" and
 * "Infinity" are refused, and so is anything outside [min, max] (within the `integer` range).
 */
export function queryInt(min: number = PG_INT_MIN, max: number = PG_INT_MAX) {
  return intBetween(z.coerce.number(), min, max, PG_INT_MIN, PG_INT_MAX)
}

/** A row id from a query string or a path segment. */
export const rowIdParam = z.coerce.number().int().min(1, 'Use an id of 1 or more').max(PG_INT_MAX, `Use an id of at most ${PG_INT_MAX}`)

/** A finite number in [min, max] for a `double precision` column (zod numbers are finite already). */
export function pgDouble(min: number, max: number) {
  return z.number().min(min).max(max)
}

/**
 * A number in [min, max] for a `real` column: besides the range, a non-zero value must not be so small that it
 * underflows a `real` (1e-50 is refused by PostgreSQL with an error, not stored as 0).
 */
export function pgReal(min: number, max: number) {
  if (min < -PG_REAL_MAX || max > PG_REAL_MAX) throw new Error(`real bounds [${min}, ${max}] outside the real range`)
  return z
    .number()
    .min(min)
    .max(max)
    .refine((v) => v === 0 || Math.abs(v) >= PG_REAL_MIN_NORMAL, { error: `Use 0 or a number of at least ${PG_REAL_MIN_NORMAL} in size` })
}

// ------------------------------------------------------------------------------------------------ identifiers

/**
 * A UUID as devices make them (UUIDv7, lowercase): the idempotency key of a capture. The uppercase spelling of a stored
 * id is refused: the sync looks ids up as text, so it would not find the record it already has (a 500 on every retry
 * before this check).
 */
export const pgUuid = z.uuid().regex(/^[0-9a-f-]+$/, { error: 'Use the lowercase form of the UUID' })

// ------------------------------------------------------------------------------------------------ text and arrays

export interface TextOptions {
  /** Trim spaces first (the limits apply to the trimmed text). */
  trim?: boolean
  min?: number
  minMessage?: string
  maxMessage?: string
}

/**
 * Text of at most `max` characters (UTF-16 code units, as zod counts) without NUL and well-formed (no lone surrogate:
 * audit details and capture claims keep texts in `jsonb`, which refuses one). Every text column is `text`, so
 * the limit is the product's; it keeps values well under PostgreSQL's index-entry limit (~2.7 kB) where a column is
 * indexed.
 */
export function pgText(max: number, opts: TextOptions = {}) {
  let s = z.string()
  if (opts.trim) s = s.trim()
  if (opts.min !== undefined) s = s.min(opts.min, opts.minMessage)
  return s.max(max, opts.maxMessage).refine(hasNoNul, { error: NUL_MESSAGE }).refine(isWellFormed, { error: UNICODE_MESSAGE })
}

/** The longest name of anything an admin names. */
export const NAME_MAX = 120

/** The name of an organization, member, department, position, schedule, location, tablet, ...: trimmed, required. */
export const name = pgText(NAME_MAX, { trim: true, min: 1, minMessage: 'Required' })

/** Optional text of at most `max` characters, trimmed. */
export const optionalText = (max: number) =>
  pgText(max, { trim: true })
    .nullish()
    // Absent stays absent (a PATCH leaves the field alone); empty means "clear it".
    .transform((v) => (v === undefined ? undefined : v || null))

/** An email address as people type it: trimmed, compared in lowercase (an account's email), at most 254 characters. */
export const email = z.string().trim().toLowerCase().max(254).pipe(z.email('Enter a valid email address'))

/** An array of [min, max] elements. */
export function pgArray<T extends z.ZodType>(element: T, max: number, min = 0) {
  return z.array(element).min(min).max(max)
}

// ------------------------------------------------------------------------------------------------ refusals

/** One refused field as the server's 422 lists it (and as a form's own check sees it): path joined with dots. */
export interface IssueDetail {
  path: string
  message: string
  code: string
  minimum?: number
  maximum?: number
  format?: string
  /** Which of a schema's own checks refused (a `custom` issue's `params.reason`): a UI tells them apart by it. */
  reason?: string
}

/** zod's issues as the API describes them: path, message and code, plus the limit a UI needs to say it in words. */
export function issueDetails(issues: readonly z.core.$ZodIssue[]): IssueDetail[] {
  return issues.map((i) => {
    const issue = i as typeof i & { minimum?: unknown; maximum?: unknown; format?: unknown; params?: { reason?: unknown } }
    return {
      path: i.path.join('.'),
      message: i.message,
      code: i.code,
      ...(issue.minimum !== undefined && { minimum: Number(issue.minimum) }),
      ...(issue.maximum !== undefined && { maximum: Number(issue.maximum) }),
      ...(typeof issue.format === 'string' && { format: issue.format }),
      ...(typeof issue.params?.reason === 'string' && { reason: issue.params.reason }),
    }
  })
}
