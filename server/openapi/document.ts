import { z } from 'zod'
import type { Access } from '../auth/guard'
import { apiRoutes, type ApiRoute, type RouteEntry } from '../lib/route-table'

type JsonSchema = Record<string, unknown>
/** Route key (`GET /api/health`, hono's path) -> status -> JSON Schema of the JSON body (tools/openapi/response-types.ts). */
export type ResponseTypes = Record<string, Record<string, JsonSchema>>
/** Route key -> status -> the error codes it can answer; `*` where some code is not known (tools/openapi/error-codes.ts). */
export type ErrorCodes = Record<string, Record<string, string[]>>

/** `/api/organizations/:id/members/:memberId{[0-9]+}` -> `/api/organizations/{id}/members/{memberId}` */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?\??/g, '{$1}')
}

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
}

/** The first segment after /api, or after /api/organizations/:id for an organization's own resources. */
export function tagOf(path: string): string {
  const parts = path.split('/').filter(Boolean).slice(1) // drop 'api'
  if (parts[0] === 'organizations' && parts[1]?.startsWith(':') && parts[2]) return parts[2]
  return parts[0] ?? 'api'
}

/** A zod schema as the JSON Schema of what a client sends (`io: 'input'`: before defaults and transforms). */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema
  delete out.$schema
  return out
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'A stable code (e.g. `VALIDATION_FAILED`, `FORBIDDEN`, `NOT_FOUND`)' },
        message: { type: 'string', description: 'A human-readable sentence (English)' },
        details: { description: 'Depends on the code: the bad fields of a 422, the permission of a 403, `retry_after_seconds` of a 429' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
}

// 422: `VALIDATION_FAILED` lists each bad field in details; a route's own 422 codes (`PIN_TOO_SIMPLE`...) may carry
// other details.
const VALIDATION_ERROR_SCHEMA: JsonSchema = {
  allOf: [{ $ref: '#/components/schemas/Error' }],
  if: { properties: { error: { properties: { code: { const: 'VALIDATION_FAILED' } } } } },
  then: {
    properties: {
      error: {
        properties: {
          details: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                path: { type: 'string', description: 'Dotted path of the field, e.g. `admin.email`' },
                message: { type: 'string' },
                code: { type: 'string' },
                minimum: { type: 'number' },
                maximum: { type: 'number' },
                format: { type: 'string' },
                reason: { type: 'string', description: 'Which of a schema\'s own checks refused, e.g. `end_before_start`' },
              },
              required: ['path', 'message', 'code'],
            },
          },
        },
      },
    },
  },
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function errorResponse(description: string, schema = '#/components/schemas/Error') {
  return { description, content: { 'application/json': { schema: { $ref: schema } } } }
}

/** A session cookie, or an API token where the route takes one (server/features/tokens: every permission route but the integrations' own). */
function securityOf(access: Access | null, tokens: boolean): Record<string, string[]>[] {
  if (!access || access.kind === 'public') return []
  if (access.kind === 'device') return [{ deviceCookie: [] }]
  const session = [{ sessionCookie: [] }]
  return tokens ? [...session, { bearerToken: [] }] : session
}

function accessText(access: Access | null): string {
  if (!access) return 'No guard declared (a bug: every route carries one).'
  switch (access.kind) {
    case 'public': return 'Public: no session needed.'
    case 'session': return `Any signed-in person on the ${access.surface === 'web' ? 'dashboard' : 'mobile app'} (\`hadir_session\`).`
    case 'device': return 'An enrolled petugas tablet (`hadir_device`).'
    case 'permission': return `Needs the permission \`${access.permission}\` in the active organization.`
    case 'any-permission': return `Needs one of the permissions ${access.permissions.map((p) => `\`${p}\``).join(', ')} in the active organization.`
    default: return `Access: ${JSON.stringify(access)}`
  }
}

function parametersOf(route: ApiRoute): unknown[] {
  const params: unknown[] = []
  const byTarget = (t: string) => route.validations.filter((v) => v.target === t).map((v) => inputSchema(v.schema))
  const pathSchemas = byTarget('param')
  for (const name of pathParamNames(route.path)) {
    const schema = pathSchemas.map((s) => (s.properties as Record<string, JsonSchema> | undefined)?.[name]).find(Boolean)
    params.push({ name, in: 'path', required: true, schema: schema ?? { type: 'string' } })
  }
  for (const [target, where] of [['query', 'query'], ['header', 'header'], ['cookie', 'cookie']] as const) {
    for (const schema of byTarget(target)) {
      const required = new Set((schema.required as string[] | undefined) ?? [])
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
        const { description, ...rest } = prop
        params.push({ name, in: where, required: required.has(name), schema: rest, ...(description ? { description } : {}) })
      }
    }
  }
  return params
}

function requestBodyOf(route: ApiRoute): unknown {
  const content: Record<string, { schema: JsonSchema }> = {}
  for (const v of route.validations) {
    if (v.target === 'json') content['application/json'] = { schema: inputSchema(v.schema) }
    if (v.target === 'form') content['multipart/form-data'] = { schema: inputSchema(v.schema) }
  }
  return Object.keys(content).length ? { required: true, content } : undefined
}

/** What a status means, before the codes of the route that answers it. */
const STATUS_TEXT: Record<string, string> = {
  400: 'The body is not JSON',
  401: 'No session, an expired one, or an API token that is not valid',
  403: 'Not allowed',
  404: 'No such row in the active organization (another organization\'s rows are "not found" too), or no such route',
  409: 'A conflict with the current state',
  413: 'Too large',
  415: 'Not a type the route takes',
  422: 'A field, or the request as a whole, is not valid',
  429: 'Too many attempts or requests: `details.retry_after_seconds` (and the Retry-After header) says when to try again',
  500: 'A failure on the server\'s side',
}

/**
 * The error codes a route can answer, by status: what the code constructs (errors.generated.json, read from the
 * route's handlers and the app's middleware by tools/openapi/error-codes.ts) and what the app answers by itself
 * (app.ts: malformed JSON, unknown routes, a unique constraint two requests hit at once, an unexpected failure).
 */
function codesOf(route: ApiRoute, generated: Record<string, string[]> | undefined): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>()
  const add = (status: string, ...list: string[]) => {
    const set = codes.get(status) ?? new Set<string>()
    for (const code of list) set.add(code)
    codes.set(status, set)
  }
  const writes = MUTATING.has(route.method)
  for (const [status, list] of Object.entries(generated ?? {})) {
    // The app's same-origin rule and body limits refuse writes only (app.ts); a GET never meets them.
    const kept = writes ? list : list.filter((code) => code !== 'CROSS_SITE_REQUEST' && code !== 'PAYLOAD_TOO_LARGE' && code !== 'UNSUPPORTED_MEDIA_TYPE')
    if (kept.length) add(status, ...kept)
  }
  if (route.validations.some((v) => v.target === 'json')) add('400', 'MALFORMED_JSON')
  add('404', 'NOT_FOUND')
  if (writes) add('409', 'DUPLICATE')
  add('500', 'INTERNAL')
  return codes
}

function errorResponseOf(status: string, codes: Set<string>): unknown {
  const open = codes.has('*')
  const named = [...codes].filter((code) => code !== '*').sort()
  const base = status === '422' ? '#/components/schemas/ValidationError' : '#/components/schemas/Error'
  const list = named.map((code) => `\`${code}\``).join(', ')
  const description = `${STATUS_TEXT[status] ?? 'An error'}: ${list}${open ? ', or another code' : ''}`
  // A closed set of codes is part of the schema: an answer with any other code does not match the document.
  const schema = open || named.length === 0
    ? { $ref: base }
    : { allOf: [{ $ref: base }, { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string', enum: named } } } } }] }
  return { description, 'x-error-codes': named, 'content': { 'application/json': { schema } } }
}

function responsesOf(route: ApiRoute, types: ResponseTypes | undefined, errors: ErrorCodes | undefined): Record<string, unknown> {
  const responses: Record<string, unknown> = {}
  const typed = types?.[`${route.method} ${route.path}`]
  if (typed) {
    for (const [status, schema] of Object.entries(typed)) {
      responses[status] = { description: Number(status) < 400 ? 'Success' : 'Answered by the route itself', content: { 'application/json': { schema } } }
    }
  } else {
    responses['200'] = { description: 'Success (a file, a stream or a body whose type the generator could not read)' }
  }
  for (const [status, codes] of codesOf(route, errors?.[`${route.method} ${route.path}`])) {
    responses[status] ??= errorResponseOf(status, codes)
  }
  // Any other failure (503 STORAGE_UNAVAILABLE when the photo store is down...) has the same shape.
  responses.default ??= errorResponse('Another failure (e.g. 503 `STORAGE_UNAVAILABLE`): the common error shape')
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
}

export interface DocumentOptions {
  version: string
  /** Success bodies by route (server/openapi/responses.generated.json); without them only errors are described. */
  responseTypes?: ResponseTypes
  /** Error codes by route and status (server/openapi/errors.generated.json); without them only the app's own. */
  errorCodes?: ErrorCodes
}

/** The OpenAPI 3.1 document of every /api route of the app, read from its route table at call time. */
export function buildOpenApiDocument(routes: RouteEntry[], options: DocumentOptions) {
  const api = apiRoutes(routes)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of api) {
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${openApiPath(route.path).replace(/^\/api/, '').replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, ch: string) => ch.toUpperCase())}`,
      tags: [tagOf(route.path)],
      description: accessText(route.access),
      security: securityOf(route.access, route.tokens),
    }
    const parameters = parametersOf(route)
    if (parameters.length) operation.parameters = parameters
    const body = requestBodyOf(route)
    if (body) operation.requestBody = body
    operation.responses = responsesOf(route, options.responseTypes, options.errorCodes)
    if (route.access) operation['x-hadir-access'] = route.access
    ;(paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation
  }
  const bearer = api.some((r) => r.tokens)
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hadir API',
      version: options.version,
      description: 'Face-recognition attendance. Generated from the server\'s route table: its guards, its zod validators and its TypeScript answer types. A guide: docs/api.md.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(api.map((r) => tagOf(r.path)))].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA, ValidationError: VALIDATION_ERROR_SCHEMA },
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'hadir_session', description: 'A person\'s session (dashboard or mobile), set by a sign-in route.' },
        deviceCookie: { type: 'apiKey', in: 'cookie', name: 'hadir_device', description: 'An enrolled petugas tablet, set by POST /api/devices/enrol.' },
        ...(bearer ? { bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token an admin created for the organization.' } } : {}),
      },
    },
  }
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>
