// The edges of what PostgreSQL stores, as values for the fields of a zod schema: the route fuzzer's boundary cases
// (tools/hardening/fuzz.ts, boundaryRoutes) and the sync's property test (sync.boundaries.api.test.ts) draw from here.
import crypto from 'node:crypto'

interface Def { type: string; [k: string]: unknown }
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def
const checksOf = (d: Def): Def[] => ((d.checks as { _zod: { def: Def } }[] | undefined) ?? []).map((c) => c._zod.def)

/*
 * The edges of what PostgreSQL stores, drawn for every field of every route from the route's own zod schemas: each
 * case is an otherwise valid request (its required fields filled with the world's real ids, so it reaches the code
 * behind validation) with ONE field set to a boundary value — a date of year 0 or 10000, an integer of 2^31, a real
 * that underflows, a text one character over its limit or with a NUL, an array one element too long. Query strings,
 * path parameters and JSON bodies alike, and every field of a record inside a sync batch (next to valid records).
 * `core` values come first in each list: the quick run (npm test) sends those, the full run (test:stress) all.
 */

/** A value written into the JSON text as it is: 1e309, -0, 1.0 and 1E2 cannot be written by JSON.stringify. */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const RAW_PLACEHOLDER = /"\\u0001raw(\d+)\\u0001"/g

/** JSON text of a value that may hold RawJson numbers. */
export function toJsonText(value: unknown): string {
  const raws: string[] = []
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof RawJson ? `\u0001raw${raws.push(v.text) - 1}\u0001` : v)) ?? 'null'
  return text.replace(RAW_PLACEHOLDER, (_m, i: string) => raws[Number(i)]!)
}

export function holdsRaw(value: unknown, depth = 0): boolean {
  if (value instanceof RawJson) return true
  if (!value || typeof value !== 'object' || depth > 20) return false
  return Object.values(value as Record<string, unknown>).some((v) => holdsRaw(v, depth + 1))
}

/** Calendar dates around what `date` and the product accept (years 1900..9999), leap days and impossible days. */
export const DATE_BOUNDARIES = {
  core: ['0000-01-01', '9999-12-31', '10000-01-01', '2023-02-29'],
  more: [
    '0001-01-01',
    '1899-12-31',
    '1900-01-01',
    '1969-12-31',
    '1970-01-01',
    '2000-02-29',
    '2024-02-29',
    '2100-02-29',
    '2026-02-30',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '-000001-01-01',
    '+010000-01-01',
    '2026-1-1',
    '20260101',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '2026-01-01\u0000',
    '',
  ],
}

/** Instants around what `timestamptz` (and the ISO text JavaScript writes) can carry, offsets that cross a year. */
export const INSTANT_BOUNDARIES = {
  core: ['0001-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-05:00'],
  more: [
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '1899-12-31T23:59:59.999Z',
    '1900-01-01T00:00:00Z',
    '1900-01-01T00:00:00+01:00',
    '0001-01-01T00:00:00+14:00',
    '2024-02-29T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2026-02-30T08:00:00Z',
    '10000-01-01T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2026-06-01T24:00:00Z',
    '2026-06-01T12:00:00',
    '2026-06-01T12:00:00+23:59',
    '2026-06-01T12:00:00.123456789Z',
    '2026-06-01',
    '2026-06-01T12:00:00Z\u0000',
    '',
  ],
}

/** Integers around `integer`, `smallint` and JavaScript's safe range, as JSON numbers (some written raw). */
function intBoundaries(min: number, max: number): { core: unknown[]; more: unknown[] } {
  return {
    core: [2_147_483_648, -2_147_483_649, max + 1, min - 1],
    more: [
      2_147_483_647,
      -2_147_483_648,
      0,
      new RawJson('-0'),
      -1,
      1,
      32_767,
      32_768,
      2 ** 53 + 1,
      1e308,
      new RawJson('1e309'),
      new RawJson('-1e309'),
      new RawJson('1.0'),
      new RawJson('1E2'),
      new RawJson('123456789012345678901234567890'),
      1.5,
      min,
      max,
      Number.isFinite(max) ? String(max) : '1',
      true,
      null,
    ],
  }
}

/** The same, as query-string and path values (where "NaN", "" and "0x10" arrive too). */
function intStringBoundaries(min: number, max: number): { core: string[]; more: string[] } {
  return {
    core: ['2147483648', '-2147483649', String(max + 1), String(min - 1)],
    more: [
      '2147483647',
      '-2147483648',
      '0',
      '-0',
      '-1',
      '9007199254740993',
      '1e308',
      '1e309',
      'NaN',
      'Infinity',
      '-Infinity',
      '',
      ' ',
      '1.5',
      '1e3',
      '0x10',
      '+1',
      '00000000001',
      '١٢',
      '9'.repeat(400),
      String(min),
      String(max),
    ],
  }
}

/** Floating point values around `real` (underflow below ~1.2e-38, overflow above ~3.4e38) and `double precision`. */
function realBoundaries(min: number, max: number): { core: unknown[]; more: unknown[] } {
  const eps = (v: number) => Math.max(Math.abs(v) * 1e-9, 1e-9)
  return {
    core: [1e-50, max + eps(max), min - eps(min), 5e-324],
    more: [-1e-50, 1e-39, 1.2e-38, 3.5e38, -3.5e38, 1e308, -1e308, new RawJson('1e309'), new RawJson('-0'), 0, min, max, new RawJson('1e-400'), '0.5', null],
  }
}

function realStringBoundaries(min: number, max: number): { core: string[]; more: string[] } {
  return { core: ['1e-50', String(max * 2 + 1), 'NaN', '1e309'], more: ['5e-324', '3.5e38', '-0', 'Infinity', '', String(min), String(max)] }
}

function stringBoundaries(min: number, max: number): { core: string[]; more: string[] } {
  const limit = Number.isFinite(max) ? max : 10_000
  const core = ['x'.repeat(limit + 1), 'x'.repeat(limit), 'a\u0000b', '']
  const more = [
    'x',
    ' ',
    '\u0000',
    ' '.repeat(limit + 1),
    'é'.repeat(limit),
    '😀'.repeat(Math.ceil(limit / 2)),
    '\uD800'.repeat(Math.min(limit, 50)),
    'x'.repeat(1 << 20),
    ...(min > 0 ? ['x'.repeat(min - 1), 'x'.repeat(min)] : []),
  ]
  return { core, more }
}

const UUID_BOUNDARIES = {
  core: ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', `${crypto.randomUUID()}\u0000`],
  more: ['ffffffff-ffff-ffff-ffff-ffffffffffff', crypto.randomUUID().toUpperCase(), crypto.randomUUID(), '{00000000-0000-0000-0000-000000000000}', ''],
}

export interface Boundaries { core: unknown[]; more: unknown[] }

export interface Leaf {
  /** Where the field is, inside the request part. */
  path: (string | number)[]
  kind: 'date' | 'instant' | 'int' | 'number' | 'string' | 'uuid' | 'enum' | 'boolean' | 'array'
  values: Boundaries
}

export function lengthBounds(d: Def): { min: number; max: number } {
  let min = 0
  let max = Infinity
  for (const c of [d, ...checksOf(d)]) {
    if (c.check === 'min_length') min = Number(c.minimum)
    if (c.check === 'max_length') max = Number(c.maximum)
    if (c.check === 'length_equals') min = max = Number(c.length)
  }
  return { min, max }
}

function numberBounds(d: Def): { min: number; max: number; int: boolean } {
  let min = -Infinity
  let max = Infinity
  let int = false
  for (const c of checksOf(d)) {
    if (c.check === 'greater_than') min = Math.max(min, Number(c.value))
    if (c.check === 'less_than') max = Math.min(max, Number(c.value))
    if (c.check === 'number_format' && /int/.test(String(c.format))) int = true
  }
  if (int) {
    if (!Number.isFinite(min)) min = -(2 ** 31)
    if (!Number.isFinite(max)) max = 2 ** 31 - 1
  } else {
    if (!Number.isFinite(min)) min = -1e6
    if (!Number.isFinite(max)) max = 1e6
  }
  return { min, max, int }
}

/** Every field of a schema that a request can set, with the boundary values of its kind. */
export function schemaLeaves(schema: unknown, asStrings: boolean, path: (string | number)[] = [], out: Leaf[] = [], depth = 0): Leaf[] {
  const d = defOf(schema)
  if (depth > 12) return out
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return schemaLeaves(d.innerType, asStrings, path, out, depth + 1)
    case 'pipe':
      return schemaLeaves(defOf(d.in).type === 'transform' ? d.out : d.in, asStrings, path, out, depth + 1)
    case 'lazy':
      return schemaLeaves((d.getter as () => unknown)(), asStrings, path, out, depth + 1)
    case 'union':
      for (const o of d.options as unknown[]) schemaLeaves(o, asStrings, path, out, depth + 1)
      return out
    case 'intersection':
      schemaLeaves(d.left, asStrings, path, out, depth + 1)
      return schemaLeaves(d.right, asStrings, path, out, depth + 1)
    case 'object':
      for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) schemaLeaves(v, asStrings, [...path, k], out, depth + 1)
      return out
    case 'array': {
      const { min, max } = lengthBounds(d)
      const top = Number.isFinite(max) ? max : 1000
      // Filled with valid elements when the case is made (see boundaryCases): only the length is the boundary here.
      out.push({ path, kind: 'array', values: { core: [top + 1, 0], more: [top, ...(min > 1 ? [min - 1] : []), 10_000] } })
      return schemaLeaves(d.element, asStrings, [...path, 0], out, depth + 1)
    }
    case 'string': {
      const format = String(d.format ?? '')
      const { min, max } = lengthBounds(d)
      if (format === 'date') out.push({ path, kind: 'date', values: DATE_BOUNDARIES })
      else if (format === 'datetime') out.push({ path, kind: 'instant', values: INSTANT_BOUNDARIES })
      else if (format === 'uuid' || format === 'guid') out.push({ path, kind: 'uuid', values: UUID_BOUNDARIES })
      else out.push({ path, kind: 'string', values: stringBoundaries(min, max) })
      return out
    }
    case 'number': {
      const { min, max, int } = numberBounds(d)
      if (int) out.push({ path, kind: 'int', values: asStrings ? intStringBoundaries(min, max) : intBoundaries(min, max) })
      else out.push({ path, kind: 'number', values: asStrings ? realStringBoundaries(min, max) : realBoundaries(min, max) })
      return out
    }
    case 'enum':
    case 'literal': {
      const first = String(Object.values((d.entries ?? {}) as Record<string, unknown>)[0] ?? (d.values as unknown[] | undefined)?.[0] ?? '')
      out.push({ path, kind: 'enum', values: { core: [`${first}\u0000`, first.toUpperCase() === first ? `${first}x` : first.toUpperCase()], more: ['', 'x'.repeat(1000), ` ${first}`] } })
      return out
    }
    case 'boolean':
      out.push({ path, kind: 'boolean', values: { core: asStrings ? ['yes', ''] : ['true', 1], more: asStrings ? ['1', 'TRUE', '\u0000'] : [0, null, 'false'] } })
      return out
    default:
      return out
  }
}
