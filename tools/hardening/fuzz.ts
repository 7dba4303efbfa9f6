// Property-based fuzzing of every JSON route: request parts generated from each route's own zod schemas (read from
// the app's route table, see server/lib/validate.ts) and from hostile junk, sent through the app in-process. The
// invariants: never a 5xx, a refused request writes nothing (database-wide checksum), errors keep their stable shape,
// no prototype pollution. Used by tools/hardening/fuzz.api.test.ts (quick) and scripts/stress.mjs (full size).
import crypto from 'node:crypto'
import fc from 'fast-check'
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import { encodeDescriptor } from '../../shared/face/descriptor'
import { MAX_SYNC_BATCH, syncBatchSchema, syncRecordSchema } from '../../shared/attendance/sync'
import { type Boundaries, holdsRaw, lengthBounds, schemaLeaves, toJsonText } from './boundaries'
import { type ApiRoute, apiRoutes, LOG_OF_REFUSALS, type Caller, call, expectedOwn, fakeDescriptor, resolvePath, rowsOf, snapshot, snapshotDiff, type World, agentOf } from './world'

// ------------------------------------------------------------------------------------------------ zod -> arbitrary

interface Def { type: string; [k: string]: unknown }
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def
const checksOf = (d: Def): Def[] => ((d.checks as { _zod: { def: Def } }[] | undefined) ?? []).map((c) => c._zod.def)

/** Strings and values that have broken servers before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\' OR \'1\'=\'1',
  '\'; DROP TABLE users; --',
  '"; SELECT pg_sleep(5); --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  // eslint-disable-next-line no-template-curly-in-string -- a template-injection probe, sent as text
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '\uD800',
  '\uDFFF\uD800',
  '\uFFFF\uFFFE',
  '\u202Eevil',
  'Ω≈ç√∫˜µ≤≥÷',
  '😀👩‍👩‍👧‍👦🇮🇩',
  'ẞ'.repeat(300),
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '2147483648',
  '=cmd|/C calc!A0',
  'x'.repeat(5000),
  '\n'.repeat(200),
]

const nastyString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }))

/** Any JSON-able value, including very deep and very wide ones. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER) },
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 3000 }).map((n) => nest(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')) },
)

function nest(depth: number): unknown {
  let v: unknown = 'deep'
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

function stringArb(d: Def, valid: boolean): fc.Arbitrary<string> {
  const checks = [d, ...checksOf(d)]
  let min = 0
  let max = 60
  let format: Def | undefined
  for (const c of checks) {
    if (c.check === 'min_length') min = Number(c.minimum)
    if (c.check === 'max_length') max = Number(c.maximum)
    if (c.check === 'length_equals') min = max = Number(c.length)
    if (c.check === 'string_format' || (c.format && c.type === 'string')) format = c
  }
  const sized = (a: fc.Arbitrary<string>) => a.filter((s) => s.length >= min && s.length <= max)
  let base: fc.Arbitrary<string>
  switch (format?.format) {
    case 'email':
      base = fc.emailAddress().filter((e) => (format!.pattern as RegExp).test(e))
      break
    case 'uuid':
    case 'guid':
      base = fc.uuid({ version: 7 })
      break
    case 'datetime':
      base = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((x) => x.toISOString())
      break
    case 'date':
      base = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((x) => x.toISOString().slice(0, 10))
      break
    case 'time':
      base = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
      break
    case 'regex':
      base = fc.stringMatching(format.pattern as RegExp).filter((s) => s.length <= max)
      break
    case 'url':
      base = fc.webUrl()
      break
    default:
      if (format?.pattern instanceof RegExp) base = fc.stringMatching(format.pattern).filter((s) => s.length <= max)
      else base = sized(fc.oneof(fc.string({ minLength: min, maxLength: Math.min(max, min + 40) }), fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, min + 20) })))
  }
  if (valid) return base
  // Hostile strings: too long, nasty, or at the limits.
  return fc.oneof(base, nastyString, fc.constant('x'.repeat(max + 1)), fc.constant('y'.repeat(Math.max(0, min - 1))))
}

function numberArb(d: Def, valid: boolean): fc.Arbitrary<number> {
  let min = -1e6
  let max = 1e6
  let int = false
  for (const c of checksOf(d)) {
    if (c.check === 'greater_than') min = Number(c.value) + (c.inclusive ? 0 : int ? 1 : 1e-9)
    if (c.check === 'less_than') max = Number(c.value) - (c.inclusive ? 0 : int ? 1 : 1e-9)
    if (c.check === 'number_format' && /int/.test(String(c.format))) int = true
  }
  // `greater_than` may come before the int format: re-apply the integer rounding.
  if (int) {
    min = Math.ceil(min)
    max = Math.floor(max)
  }
  const lo = Math.max(min, -1e9)
  const hi = Math.min(max, 1e9)
  const base = int ? fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }) : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true })
  if (valid) return base
  return fc.oneof(base, fc.constantFrom(min - 1, max + 1, 0.5, -1, 2 ** 31, 2 ** 53, 1e308, -0))
}

export interface ArbOptions {
  /** Mostly schema-valid values (to reach the code behind validation), or hostile ones. */
  valid: boolean
  /** Query and path values travel as strings. */
  asStrings?: boolean
}

/** A fast-check arbitrary for values of a zod (v4) schema. Refinements it cannot see are simply sometimes failed. */
export function arbitraryFor(schema: unknown, opts: ArbOptions, depth = 0): fc.Arbitrary<unknown> {
  const d = defOf(schema)
  const str = (a: fc.Arbitrary<unknown>) => (opts.asStrings ? a.map((v) => (v === undefined || v === null ? v : typeof v === 'string' ? v : JSON.stringify(v))) : a)
  const hostile = (a: fc.Arbitrary<unknown>) => (opts.valid ? a : fc.oneof({ weight: 4, arbitrary: a }, { weight: 1, arbitrary: junkValue }))
  if (depth > 12) return fc.constant(null)
  switch (d.type) {
    case 'string':
      return hostile(stringArb(d, opts.valid))
    case 'number':
      return hostile(str(numberArb(d, opts.valid)))
    case 'bigint':
      return hostile(str(fc.bigInt({ min: -100n, max: 100n }).map(String)))
    case 'boolean':
      return hostile(str(fc.boolean()))
    case 'date':
      return hostile(fc.date({ noInvalidDate: true }).map((x) => x.toISOString()))
    case 'null':
      return fc.constant(null)
    case 'undefined':
    case 'void':
      return fc.constant(undefined)
    case 'literal':
      return hostile(fc.constantFrom(...(d.values as unknown[])))
    case 'enum':
      return hostile(fc.constantFrom(...Object.values(d.entries as Record<string, unknown>)))
    case 'optional':
      return fc.option(arbitraryFor(d.innerType, opts, depth + 1), { nil: undefined, freq: 3 })
    case 'nullable':
      return fc.option(arbitraryFor(d.innerType, opts, depth + 1), { nil: null, freq: 4 })
    case 'default':
    case 'prefault':
      return fc.option(arbitraryFor(d.innerType, opts, depth + 1), { nil: undefined, freq: 3 })
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return arbitraryFor(d.innerType, opts, depth + 1)
    case 'pipe':
      return arbitraryFor(defOf(d.in).type === 'transform' ? d.out : d.in, opts, depth + 1)
    case 'lazy':
      return arbitraryFor((d.getter as () => unknown)(), opts, depth + 1)
    case 'union':
      return fc.oneof(...(d.options as unknown[]).map((o) => arbitraryFor(o, opts, depth + 1)))
    case 'intersection':
      return fc.tuple(arbitraryFor(d.left, opts, depth + 1), arbitraryFor(d.right, opts, depth + 1)).map(([l, r]) =>
        l && r && typeof l === 'object' && typeof r === 'object' ? { ...(l as object), ...(r as object) } : l,
      )
    case 'object': {
      const shape = d.shape as Record<string, unknown>
      const record: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [k, v] of Object.entries(shape)) record[k] = arbitraryFor(v, opts, depth + 1)
      let obj: fc.Arbitrary<Record<string, unknown>> = fc.record(record).map((o) => {
        for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
        return o
      })
      if (!opts.valid) {
        // Extra keys: unknown ones, prototype keys, and a field of the wrong type.
        obj = fc.tuple(obj, fc.option(fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'extra', 'organization_id', 'id', 'is_admin'), junkValue, { maxKeys: 2 }))).map(([o, extra]) => {
          if (extra) for (const [k, v] of Object.entries(extra)) Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true })
          return o
        })
      }
      return obj
    }
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 10 }), arbitraryFor(d.valueType, opts, depth + 1), { maxKeys: 4 })
    case 'array': {
      let min = 0
      let max = 5
      for (const c of checksOf(d)) {
        if (c.check === 'min_length') min = Number(c.minimum)
        if (c.check === 'max_length') max = Number(c.maximum)
        if (c.check === 'length_equals') min = max = Number(c.length)
      }
      const arr = fc.array(arbitraryFor(d.element, opts, depth + 1), { minLength: min, maxLength: Math.min(max, min + 5) })
      return opts.valid ? arr : fc.oneof(arr, fc.array(arbitraryFor(d.element, opts, depth + 1), { minLength: max + 1, maxLength: max + 3 }), junkValue)
    }
    case 'tuple':
      return fc.tuple(...(d.items as unknown[]).map((i) => arbitraryFor(i, opts, depth + 1)))
    case 'unknown':
    case 'any':
      return junkValue
    case 'file':
      return fc.uint8Array({ maxLength: 2000 }).map((b) => new File([b], 'upload.bin'))
    default:
      return junkValue
  }
}

// ------------------------------------------------------------------------------------------------ cases

export interface FuzzCase {
  route: string
  caller: Caller
  method: string
  path: string
  /** JSON body, or raw text/bytes with a content type. */
  body?: unknown
  raw?: string | Uint8Array
  contentType?: string
  kind: string
}

/** Inner schemas a route validates by hand (a sync batch's records are checked one by one). */
export const INNER_SCHEMAS: Record<string, z.ZodType> = {
  'POST /api/attendance/sync': syncBatchSchema.extend({ records: z.array(syncRecordSchema).max(MAX_SYNC_BATCH) }),
}

const INNER: Record<string, (valid: boolean) => fc.Arbitrary<unknown>> = {
  'POST /api/attendance/sync': (valid) =>
    fc.record({
      device_id: stringArb(defOf(z.string().min(1).max(100)), valid),
      sent_at: fc.date({ min: new Date('2025-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      records: fc.array(arbitraryFor(syncRecordSchema, { valid }), { maxLength: valid ? 4 : 8 }),
    }),
}

/** Who calls a route in the fuzzer: someone it lets through, so the body is parsed and used. */
export function callerFor(route: ApiRoute): Caller {
  if (route.access.kind === 'public') return 'anonymous'
  if (route.access.kind === 'device') return 'tablet'
  if (route.access.kind === 'session') return route.access.surface === 'web' ? 'admin' : 'member'
  for (const c of ['admin', 'petugas', 'member', 'support', 'manager'] as const) if (expectedOwn(route.access, c) === 'allowed') return c
  return 'admin'
}

const BAD_PATH_VALUES = ['0', '-1', '1.5', '1e3', 'abc', '99999999999', '2147483648', '%00', '%E0%A4%A', '1\'%20OR%20\'1\'=\'1', '..%2F..%2Fetc', 'x'.repeat(300), '%F0%9F%98%80', '__proto__']
const BAD_RAW_BODIES = [
  '{',
  '{"a":',
  '[',
  'nul',
  '\u0000',
  '"just a string"',
  '[]',
  '1',
  'null',
  'true',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '\uFEFF{}',
  '{"a":1,"a":2}',
]

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
export function encode(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) out += /[\w\-.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

function queryString(value: unknown): string {
  if (!value || typeof value !== 'object') return ''
  const parts: string[] = []
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${encode(k)}=${encode(typeof one === 'string' ? one : String(JSON.stringify(one)))}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

/** A generator of requests for one route, mixing schema-valid, mutated and junk ones. */
export function caseArbitrary(route: ApiRoute, basePath: string): fc.Arbitrary<FuzzCase> {
  const key = `${route.method} ${route.path}`
  const caller = callerFor(route)
  const jsonSchema = route.validations.find((v) => v.target === 'json')?.schema
  const querySchema = route.validations.find((v) => v.target === 'query')?.schema
  const mutating = route.method !== 'GET' && route.method !== 'HEAD'
  const bodyArb = (valid: boolean): fc.Arbitrary<unknown> =>
    INNER[key]?.(valid) ?? (jsonSchema ? arbitraryFor(jsonSchema, { valid }) : valid ? fc.constant({}) : junkValue)
  const queryArb = (valid: boolean) =>
    querySchema ? arbitraryFor(querySchema, { valid, asStrings: true }) : fc.dictionary(fc.constantFrom('q', 'limit', 'offset', 'cursor', 'id', '__proto__'), nastyString, { maxKeys: 2 })
  const base = { route: key, caller, method: route.method }
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)

  const options: fc.Arbitrary<FuzzCase>[] = [
    queryArb(true).map((q) => ({ ...base, path: basePath + queryString(q), kind: 'valid query' })),
    queryArb(false).map((q) => ({ ...base, path: basePath + queryString(q), kind: 'hostile query' })),
  ]
  if (params.length) {
    options.push(
      fc.tuple(fc.constantFrom(...params), fc.constantFrom(...BAD_PATH_VALUES)).map(([p, v]) => {
        // Replace the resolved value of that parameter in the path with a bad one.
        const segs = route.path.split('/')
        const real = basePath.split('/')
        const i = segs.indexOf(`:${p}`)
        real[i] = v
        return { ...base, path: real.join('/'), body: mutating ? {} : undefined, kind: `bad :${p}` }
      }),
    )
  }
  if (mutating) {
    options.push(
      bodyArb(true).map((body) => ({ ...base, path: basePath, body, kind: 'valid body' })),
      bodyArb(true).map((body) => ({ ...base, path: basePath, body, kind: 'valid body' })),
      bodyArb(false).map((body) => ({ ...base, path: basePath, body, kind: 'hostile body' })),
      bodyArb(false).map((body) => ({ ...base, path: basePath, body, kind: 'hostile body' })),
      junkValue.map((body) => ({ ...base, path: basePath, body, kind: 'junk body' })),
      fc.constantFrom(...BAD_RAW_BODIES).map((raw) => ({ ...base, path: basePath, raw, contentType: 'application/json', kind: 'raw body' })),
      fc.integer({ min: 1000, max: 100_000 }).map((n) => ({ ...base, path: basePath, raw: '['.repeat(n) + ']'.repeat(n), contentType: 'application/json', kind: 'deep nesting' })),
      fc
        .tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'image/jpeg'), fc.uint8Array({ maxLength: 300 }))
        .map(([contentType, raw]) => ({ ...base, path: basePath, raw, contentType, kind: 'wrong content type' })),
      bodyArb(true).map((body) => {
        // A schema-valid body with prototype keys spliced in as own JSON keys.
        const text = JSON.stringify(body ?? {})
        const raw = text.startsWith('{') && text !== '{}' ? `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${text.slice(1)}` : '{"__proto__":{"polluted":"yes"}}'
        return { ...base, path: basePath, raw, contentType: 'application/json', kind: 'prototype keys' }
      }),
    )
  }
  return fc.oneof(...options)
}

// ------------------------------------------------------------------------------------------------ runner

export interface FuzzStats {
  cases: number
  fiveXX: number
  writesOnReject: number
  badErrorShape: number
  pollution: number
  failures: string[]
  byRoute: Map<string, number>
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Routes that end the caller's own session are fuzzed with a fresh sign-in each time (see heal). */
const SESSION_ENDING = new Set(['POST /api/auth/logout', 'POST /api/mobile/logout'])

/** Brings the agents back to a known state: org A chosen, sessions alive (a fuzzed body may switch or end them). */
export async function heal(world: World): Promise<void> {
  const { t, a } = world
  const me = await call(t, a.admin, 'POST', '/api/auth/select', { organization_id: a.id })
  if (me.status !== 200) throw new Error(`fuzz: admin of A cannot select A any more: ${me.status} ${me.text}`)
  for (const k of ['member', 'petugas'] as const) {
    const r = await call(t, a[k], 'GET', '/api/mobile/me')
    if (r.status !== 200) throw new Error(`fuzz: the ${k} session of A ended: ${r.status} ${r.text}`)
  }
}

/**
 * Fuzzes every route of the app with `runsPerRoute` generated requests each (seeded: the same seed gives the same
 * requests). Checks after each: status < 500; a 4xx changed no row anywhere; the error body has a stable code; no
 * prototype was polluted.
 */
export async function fuzzRoutes(world: World, opts: { runsPerRoute: number; seed: number; only?: (r: ApiRoute) => boolean; log?: (s: string) => void }): Promise<FuzzStats> {
  const { t } = world
  const stats: FuzzStats = { cases: 0, fiveXX: 0, writesOnReject: 0, badErrorShape: 0, pollution: 0, failures: [], byRoute: new Map() }
  const routes = apiRoutes(t.app).filter((r) => (opts.only ? opts.only(r) : true))
  let seed = opts.seed
  for (const route of routes) {
    const basePath = await resolvePath(world, route.path, world.a)
    const samples = fc.sample(caseArbitrary(route, basePath), { numRuns: opts.runsPerRoute, seed: seed++ })
    for (const c of samples) {
      await runCase(world, c, stats)
    }
    stats.byRoute.set(`${route.method} ${route.path}`, samples.length)
    await heal(world)
    opts.log?.(`fuzz ${route.method} ${route.path}: ${samples.length} cases`)
  }
  return stats
}

export async function runCase(world: World, c: FuzzCase, stats: FuzzStats): Promise<void> {
  const { t, a } = world
  let agent = agentOf(world, a, c.caller)
  if (SESSION_ENDING.has(c.route)) agent = null
  const before = await snapshot(t)
  const reply = await call(t, agent, c.method, c.path, c.body, {
    raw: c.raw,
    headers: c.contentType ? { 'content-type': c.contentType } : {},
  })
  stats.cases++
  const label = () => `${c.route} [${c.kind}] as ${c.caller}: ${c.method} ${c.path.slice(0, 160)} ${c.raw !== undefined ? `raw(${c.contentType}) ${String(typeof c.raw === 'string' ? c.raw : '<bytes>').slice(0, 120)}` : JSON.stringify(c.body)?.slice(0, 200)}`
  if (reply.status >= 500) {
    stats.fiveXX++
    if (stats.failures.length < 30) stats.failures.push(`5xx ${reply.status} ${label()} -> ${reply.text.slice(0, 200)}`)
  }
  // A sync answers 200 with an outcome per record: a record it rejected must have left no row, and a batch it
  // rejected whole must have written nothing but its log.
  const results = reply.status < 300 && Array.isArray(reply.json?.data?.results) ? (reply.json.data.results as { client_id?: unknown; status?: unknown; code?: unknown }[]) : null
  if (results) {
    const kept = new Set(results.filter((r) => r.status !== 'rejected').map((r) => r.client_id))
    const refusedIds = results.filter((r) => r.status === 'rejected' && typeof r.client_id === 'string' && !kept.has(r.client_id) && UUID_TEXT.test(r.client_id)).map((r) => r.client_id as string)
    if (refusedIds.length) {
      const rows = rowsOf(await t.db.execute(sql`select client_id::text as id from attendance_events where client_id::text in (${sql.join(refusedIds.map((id) => sql`${id.toLowerCase()}`), sql`, `)})`))
      if (rows.length) {
        stats.writesOnReject++
        if (stats.failures.length < 30) stats.failures.push(`a rejected record was stored (${rows.map((r) => r.id).join(', ')}) ${label()}`)
      }
    }
    for (const r of results) {
      if ((r.status === 'rejected' || r.status === 'conflict') && (typeof r.code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(r.code))) {
        stats.badErrorShape++
        if (stats.failures.length < 30) stats.failures.push(`a ${String(r.status)} record without a stable code ${JSON.stringify(r).slice(0, 160)} ${label()}`)
      }
    }
  }
  const refusedWhole = reply.status >= 400 || (results !== null && results.length > 0 && results.every((r) => r.status === 'rejected'))
  if (refusedWhole) {
    const after = await snapshot(t)
    const changed = snapshotDiff(before, after, LOG_OF_REFUSALS)
    if (changed.length) {
      stats.writesOnReject++
      if (stats.failures.length < 30) stats.failures.push(`write on ${reply.status}: ${changed.join(', ')} ${label()}`)
    }
    const code = reply.json?.error?.code
    if (reply.status >= 400 && c.path.startsWith('/api/') && (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code))) {
      stats.badErrorShape++
      if (stats.failures.length < 30) stats.failures.push(`error without a stable code ${reply.status} ${label()} -> ${reply.text.slice(0, 120)}`)
    }
    if (/at .+\.(ts|js):\d+|DrizzleQueryError|node_modules/.test(reply.text)) {
      stats.badErrorShape++
      if (stats.failures.length < 30) stats.failures.push(`stack trace in a reply ${label()}`)
    }
  }
  const proto = Object.prototype as Record<string, unknown>
  if (proto.polluted !== undefined || ({} as Record<string, unknown>).polluted !== undefined) {
    stats.pollution++
    delete proto.polluted
    stats.failures.push(`prototype polluted by ${label()}`)
  }
}

/**
 * The same schema-valid request several times at once, for every state-changing route: "check, then insert" code
 * that a unique index backs must answer 409, never a 500 from the index (PostgreSQL runs them truly in parallel).
 */
export async function raceRoutes(world: World, opts: { copies: number; seed: number }): Promise<{ cases: number; failures: string[] }> {
  const { t } = world
  const failures: string[] = []
  let cases = 0
  let seed = opts.seed
  for (const route of apiRoutes(t.app)) {
    if (route.method === 'GET' || SESSION_ENDING.has(`${route.method} ${route.path}`)) continue
    const path = await resolvePath(world, route.path, world.a)
    const key = `${route.method} ${route.path}`
    const json = route.validations.find((v) => v.target === 'json')?.schema
    const arb = INNER[key]?.(true) ?? (json ? arbitraryFor(json, { valid: true }) : fc.constant({}))
    const [body] = fc.sample(arb, { numRuns: 1, seed: seed++ })
    const caller = callerFor(route)
    const replies = await Promise.all(Array.from({ length: opts.copies }, () => call(t, agentOf(world, world.a, SESSION_ENDING.has(key) ? 'anonymous' : caller), route.method, path, body)))
    cases += replies.length
    for (const r of replies) if (r.status >= 500) failures.push(`${key} x${opts.copies} at once -> ${r.status} ${JSON.stringify(body)?.slice(0, 160)}`)
    await heal(world)
  }
  return { cases, failures }
}

// ------------------------------------------------------------------------------------------------ boundaries

// The boundary values and the walk over a schema's fields are in ./boundaries (no world needed: the sync's property
// test uses them too); here, the cases made from them for each route of the app, and the run.

/** Real values of the world for fields a valid request must name right to get past the first checks. */
export interface Hints {
  [field: string]: () => unknown
}

export function worldHints(world: World, caller: Caller): Hints {
  const a = world.a
  const photo = a.photos[0]?.toString('base64')
  return {
    organization_id: () => a.id,
    member_id: () => (caller === 'member' ? a.memberId : a.victimId),
    location_id: () => a.locationId,
    department_id: () => a.departmentId,
    position_id: () => a.positionId,
    work_schedule_id: () => a.scheduleId,
    client_id: () => crypto.randomUUID(),
    captured_at: () => new Date(Date.now() - 60_000).toISOString(),
    sent_at: () => new Date().toISOString(),
    face_encoding: () => encodeDescriptor(fakeDescriptor(a.memberId * 10)),
    ...(photo ? { face_image: () => photo } : {}),
  }
}

/**
 * The smallest valid value of a schema: required fields only (an optional one is set by the case that tests it),
 * arrays of one element, ids and times from the world, anything else one schema-valid sample.
 */
export function minimalValue(schema: unknown, opts: { asStrings: boolean; hints: Hints; seed: number }, key?: string, depth = 0): unknown {
  const d = defOf(schema)
  const str = (v: unknown) => (opts.asStrings && v !== undefined && v !== null && typeof v !== 'string' ? String(v) : v)
  if (depth > 12) return undefined
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'prefault':
      return undefined
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return minimalValue(d.innerType, opts, key, depth + 1)
    case 'pipe':
      return minimalValue(defOf(d.in).type === 'transform' ? d.out : d.in, opts, key, depth + 1)
    case 'lazy':
      return minimalValue((d.getter as () => unknown)(), opts, key, depth + 1)
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) {
        const value = minimalValue(v, opts, k, depth + 1)
        if (value !== undefined) out[k] = value
      }
      return out
    }
    case 'array': {
      const { min, max } = lengthBounds(d)
      const n = Math.min(Math.max(min, 1), max)
      return Array.from({ length: n }, (_, i) => minimalValue(d.element, { ...opts, seed: opts.seed + i + 1 }, key, depth + 1))
    }
    default: {
      if (key && opts.hints[key] && ['number', 'string'].includes(d.type)) return str(opts.hints[key]!())
      return fc.sample(arbitraryFor(schema, { valid: true, asStrings: opts.asStrings }), { numRuns: 1, seed: opts.seed })[0]
    }
  }
}

/** The schema at a path inside a schema (through wrappers), or null. */
function schemaAt(schema: unknown, path: (string | number)[]): unknown {
  let s: unknown = schema
  for (const step of path) {
    for (let i = 0; i < 20; i++) {
      const d = defOf(s)
      if (['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch', 'success'].includes(d.type)) s = d.innerType
      else if (d.type === 'pipe') s = defOf(d.in).type === 'transform' ? d.out : d.in
      else if (d.type === 'lazy') s = (d.getter as () => unknown)()
      else break
    }
    const d = defOf(s)
    if (typeof step === 'number' && d.type === 'array') s = d.element
    else if (typeof step === 'string' && d.type === 'object') s = (d.shape as Record<string, unknown>)[step]
    else if (d.type === 'union') {
      const o = (d.options as unknown[]).find((x) => defOf(x).type === 'object' && step in ((defOf(x).shape as object) ?? {}))
      if (!o) return null
      s = (defOf(o).shape as Record<string, unknown>)[step as string]
    } else return null
    if (!s) return null
  }
  return s
}

/** Sets `value` at `path` in a copy of `base`, making the objects and (valid, minimal) array elements on the way. */
function setIn(base: unknown, path: (string | number)[], value: unknown, schema: unknown, opts: { asStrings: boolean; hints: Hints; seed: number }): unknown {
  if (path.length === 0) return value
  const [step, ...rest] = path
  if (typeof step === 'number') {
    const arr = Array.isArray(base) ? [...base] : []
    while (arr.length <= step) arr.push(minimalValue(schemaAt(schema, [step]), { ...opts, seed: opts.seed + arr.length }))
    arr[step] = setIn(arr[step], rest, value, schemaAt(schema, [step]), opts)
    return arr
  }
  const obj = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {}
  const inner = schemaAt(schema, [step!])
  obj[step!] = setIn(obj[step!] ?? (rest.length ? minimalValue(inner, opts, step) : undefined), rest, value, inner, opts)
  if (obj[step!] === undefined) delete obj[step!]
  return obj
}

/** A valid sync record next to the boundary one: a bad record must be refused alone, the others applied. */
const EXTRA_VALID: Record<string, (base: Record<string, unknown>, hints: Hints) => void> = {
  'POST /api/attendance/sync': (base, hints) => {
    const records = Array.isArray(base.records) ? base.records : []
    const proto = (records[0] ?? {}) as Record<string, unknown>
    for (let i = 0; i < 2; i++) records.push({ ...proto, client_id: hints.client_id!(), captured_at: new Date(Date.now() - (i + 2) * 60_000).toISOString() })
    base.records = records
  },
}

export interface BoundaryOptions {
  /** 'core': the first values of each list (npm test); 'all': every value (test:stress). */
  size: 'core' | 'all'
  seed: number
}

/** Every boundary case of one route: for each request part with a schema, each field, each of its values. */
export function boundaryCases(world: World, route: ApiRoute, basePath: string, opts: BoundaryOptions): FuzzCase[] {
  const key = `${route.method} ${route.path}`
  const caller = callerFor(route)
  const hints = worldHints(world, caller)
  const mutating = route.method !== 'GET' && route.method !== 'HEAD'
  const schemaOf = (target: string) => route.validations.find((v) => v.target === target)?.schema
  const jsonSchema = INNER_SCHEMAS[key] ?? schemaOf('json')
  const querySchema = schemaOf('query')
  const paramSchema = schemaOf('param')
  let seed = opts.seed
  const pick = (b: Boundaries) => (opts.size === 'core' ? b.core : [...b.core, ...b.more])
  const baseBody = (): unknown => {
    if (!mutating) return undefined
    if (!jsonSchema) return {}
    const body = minimalValue(jsonSchema, { asStrings: false, hints, seed: seed++ })
    if (EXTRA_VALID[key] && body && typeof body === 'object') EXTRA_VALID[key](body as Record<string, unknown>, hints)
    return body
  }
  const baseQuery = (): Record<string, unknown> => (querySchema ? ((minimalValue(querySchema, { asStrings: true, hints, seed: seed++ }) as Record<string, unknown>) ?? {}) : {})
  const make = (kind: string, path: string, body: unknown): FuzzCase => {
    const c: FuzzCase = { route: key, caller, method: route.method, path, kind, body }
    if (body !== undefined && holdsRaw(body)) {
      c.raw = toJsonText(body)
      c.contentType = 'application/json'
    }
    return c
  }
  const out: FuzzCase[] = []

  if (paramSchema) {
    const segs = route.path.split('/')
    for (const leaf of schemaLeaves(paramSchema, true)) {
      const name = String(leaf.path[0])
      const i = segs.indexOf(`:${name}`)
      if (i < 0) continue
      const own = schemaAt(paramSchema, [name]) as z.ZodType | null
      for (const v of pick(leaf.values)) {
        // A value the schema takes as a small id may name a real row (DELETE /devices/1 would revoke the world's
        // tablet): the base path already sends a real id, so those are left out.
        const parsed = own?.safeParse(String(v))
        if (parsed?.success && typeof parsed.data === 'number' && parsed.data <= 1_000_000) continue
        const real = basePath.split('/')
        real[i] = encode(String(v)) || '%20'
        out.push(make(`boundary :${name} (${leaf.kind})`, real.join('/') + queryString(baseQuery()), baseBody()))
      }
    }
  }
  if (querySchema) {
    for (const leaf of schemaLeaves(querySchema, true)) {
      if (leaf.kind === 'array') continue
      for (const v of pick(leaf.values)) {
        const q = setIn(baseQuery(), leaf.path, String(v), querySchema, { asStrings: true, hints, seed: seed++ })
        out.push(make(`boundary ?${leaf.path.join('.')} (${leaf.kind})`, basePath + queryString(q), baseBody()))
      }
    }
  }
  if (mutating && jsonSchema) {
    for (const leaf of schemaLeaves(jsonSchema, false)) {
      for (const v of pick(leaf.values)) {
        const base = baseBody()
        let value = v
        if (leaf.kind === 'array') {
          // An array of n valid elements (its first element as the base made it).
          const element = schemaAt(jsonSchema, [...leaf.path, 0])
          const n = Number(v)
          value = Array.from({ length: n }, (_, i) => minimalValue(element, { asStrings: false, hints, seed: seed + i }))
          seed += 1
        }
        const body = setIn(base, leaf.path, value, jsonSchema, { asStrings: false, hints, seed: seed++ })
        out.push(make(`boundary .${leaf.path.join('.')} (${leaf.kind})`, basePath, body))
      }
    }
  }
  return out
}

export interface BoundaryStats extends FuzzStats {
  /** Fields (leaves) whose boundaries were drawn, per request part. */
  fields: { param: number; query: number; json: number }
}

/**
 * Sends every boundary case of every route (see boundaryCases) with runCase's checks: never a 5xx, nothing written on
 * a refusal, and inside a sync answer, no row for a record it rejected.
 */
export async function boundaryRoutes(world: World, opts: BoundaryOptions & { only?: (r: ApiRoute) => boolean; log?: (s: string) => void }): Promise<BoundaryStats> {
  const { t } = world
  const stats: BoundaryStats = { cases: 0, fiveXX: 0, writesOnReject: 0, badErrorShape: 0, pollution: 0, failures: [], byRoute: new Map(), fields: { param: 0, query: 0, json: 0 } }
  const routes = apiRoutes(t.app).filter((r) => (opts.only ? opts.only(r) : true))
  let seed = opts.seed
  for (const route of routes) {
    const key = `${route.method} ${route.path}`
    const basePath = await resolvePath(world, route.path, world.a)
    for (const target of ['param', 'query', 'json'] as const) {
      const schema = target === 'json' ? (INNER_SCHEMAS[key] ?? route.validations.find((v) => v.target === 'json')?.schema) : route.validations.find((v) => v.target === target)?.schema
      if (schema && (target !== 'json' || route.method !== 'GET')) stats.fields[target] += schemaLeaves(schema, target !== 'json').filter((l) => l.kind !== 'array').length
    }
    const started = Date.now()
    const cases = boundaryCases(world, route, basePath, { ...opts, seed: (seed += 1000) })
    for (const c of cases) await runCase(world, c, stats)
    stats.byRoute.set(key, cases.length)
    await heal(world)
    opts.log?.(`boundaries ${key} = ${cases.length} cases in ${Date.now() - started} ms`)
  }
  return stats
}
