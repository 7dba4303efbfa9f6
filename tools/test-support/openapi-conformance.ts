// Real answers against the OpenAPI document: every JSON answer an API test receives can be checked against the schema
// the document gives for its route and status (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). See
// server/openapi/openapi.api.test.ts; the harness (createTestApp) checks every API test's answers with it.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import type { OpenApiDocument } from '../../server/openapi/document'

type Json = Record<string, unknown>

interface Template { method: string; template: string; pattern: RegExp; statics: number }

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (!value || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', 'hadir:') : rewriteRefs(v)]))
}

export class ResponseConformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
  private readonly templates: Template[] = []
  private readonly compiled = new Map<string, ValidateFunction | null>()
  /** Mismatches found so far: `GET /api/x 200: /data/id must be number`. */
  readonly mismatches: string[] = []
  /** Route and status pairs checked (a route the tests reached, with a schema for the status they got). */
  readonly checked = new Set<string>()

  constructor(private readonly doc: OpenApiDocument) {
    addFormats.default(this.ajv)
    for (const [name, schema] of Object.entries(doc.components.schemas)) this.ajv.addSchema(rewriteRefs(schema) as Json, `hadir:${name}`)
    for (const [template, methods] of Object.entries(doc.paths)) {
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')
      for (const method of Object.keys(methods)) {
        this.templates.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), statics: template.split('/').filter((s) => s && !s.startsWith('{')).length })
      }
    }
    // A path with more fixed segments wins (`/members/export` before `/members/{memberId}`), as the router does.
    this.templates.sort((a, b) => b.statics - a.statics)
  }

  /** The document's path template of a request, or null when the document has no such route. */
  routeOf(method: string, path: string): string | null {
    const bare = path.split('?')[0]!
    return this.templates.find((t) => t.method === method && t.pattern.test(bare))?.template ?? null
  }

  private validator(template: string, method: string, status: number): ValidateFunction | null | undefined {
    const key = `${method} ${template} ${status}`
    if (this.compiled.has(key)) return this.compiled.get(key)
    const operation = (this.doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>)[template]?.[method.toLowerCase()]
    // A failure the route's list does not name has the common error shape (`default`); a success must be listed.
    const response = operation?.responses[String(status)] ?? (status >= 400 ? operation?.responses.default : undefined)
    if (!response) return undefined
    const schema = response.content?.['application/json']?.schema
    const fn = schema ? this.ajv.compile(rewriteRefs(schema) as Json) : null
    this.compiled.set(key, fn)
    return fn
  }

  /** Checks one answer; only JSON answers of /api routes are looked at. Returns the mismatch, if any. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string | null {
    if (!path.startsWith('/api/') || !contentType?.includes('application/json')) return null
    const template = this.routeOf(method, path)
    const fail = (why: string) => {
      const text = `${method} ${template ?? path} ${status}: ${why}`
      this.mismatches.push(text)
      return text
    }
    if (!template) return status === 404 || status === 403 ? null : fail('no such route in the document') // the catch-all's NOT_FOUND, a cross-site refusal
    const fn = this.validator(template, method, status)
    if (fn === undefined) return fail(`status ${status} is not in the document`)
    if (fn === null) return null
    this.checked.add(`${method} ${template} ${status}`)
    if (fn(body)) return null
    return fail(this.ajv.errorsText(fn.errors, { dataVar: 'body' }))
  }
}
