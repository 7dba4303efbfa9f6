// The success bodies of every API route, as TypeScript knows them (hono's route types: what `hc<AppType>` infers),
// turned into JSON Schema for the OpenAPI document. Run by `npm run openapi:generate`; its output,
// server/openapi/responses.generated.json, is committed and a test fails when it is stale (like a lockfile check).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const GENERATED = path.join(ROOT, 'server/openapi/responses.generated.json')

type JsonSchema = Record<string, unknown>

/** `"GET /api/health"` -> status -> JSON Schema of the JSON body (JSON answers only). */
export type ResponseTypes = Record<string, Record<string, JsonSchema>>

const PROBE = path.join(ROOT, 'server/openapi/__response-probe.ts')
const PROBE_TEXT = `import type { AppType } from '../app'
import type { ExtractSchema } from 'hono/types'
export type __Schema = ExtractSchema<AppType>
`

/** The server as TypeScript sees it from AppType (what both generators read). */
export function program(): ts.Program {
  const configPath = path.join(ROOT, 'tsconfig.json')
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (!config) throw new Error('tsconfig.json could not be read')
  const options = { ...config.options, noEmit: true }
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (f) => path.resolve(f) === PROBE || fileExists(f)
  host.readFile = (f) => (path.resolve(f) === PROBE ? PROBE_TEXT : readFile(f))
  host.getSourceFile = (f, lang, ...rest) =>
    path.resolve(f) === PROBE ? ts.createSourceFile(f, PROBE_TEXT, lang, true) : getSourceFile(f, lang, ...rest)
  // Only the probe as root: the checker pulls in what AppType needs (the server), not the PWA or the tests.
  return ts.createProgram({ rootNames: [PROBE], options, host })
}

class Converter {
  private readonly inProgress = new Set<ts.Type>()
  constructor(private readonly checker: ts.TypeChecker) {}

  convert(type: ts.Type, depth = 0): JsonSchema {
    if (depth > 40) return {}
    const f = type.flags
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {}
    if (f & ts.TypeFlags.Never) return { not: {} }
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', const: (type as ts.StringLiteralType).value }
    if (f & ts.TypeFlags.NumberLiteral) return { type: 'number', const: (type as ts.NumberLiteralType).value }
    if (f & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', const: this.checker.typeToString(type) === 'true' }
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return { type: 'string' }
    if (f & ts.TypeFlags.Number) return { type: 'number' }
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' }
    if (f & ts.TypeFlags.Null) return { type: 'null' }
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return { not: {} }
    if (type.isUnion()) return this.union(type.types, depth)
    if (this.checker.isTupleType(type)) {
      const items = this.checker.getTypeArguments(type as ts.TypeReference).map((t) => this.convert(t, depth + 1))
      return { type: 'array', prefixItems: items, minItems: items.length, maxItems: items.length }
    }
    if (this.checker.isArrayType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference)
      return { type: 'array', items: element ? this.convert(element, depth + 1) : {} }
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.object(type, depth)
    return {}
  }

  private union(types: ts.Type[], depth: number): JsonSchema {
    const present = types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)))
    const booleans = present.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral)
    const rest = present.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral))
    const parts: JsonSchema[] = []
    if (booleans.length === 2) parts.push({ type: 'boolean' })
    else parts.push(...booleans.map((b) => this.convert(b, depth + 1)))
    const strings = rest.filter((t) => t.flags & ts.TypeFlags.StringLiteral).map((t) => (t as ts.StringLiteralType).value)
    const numbers = rest.filter((t) => t.flags & ts.TypeFlags.NumberLiteral).map((t) => (t as ts.NumberLiteralType).value)
    if (strings.length) parts.push(strings.length === 1 ? { type: 'string', const: strings[0] } : { type: 'string', enum: strings.sort() })
    if (numbers.length) parts.push(numbers.length === 1 ? { type: 'number', const: numbers[0] } : { type: 'number', enum: numbers.sort((a, b) => a - b) })
    for (const t of rest) {
      if (t.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral)) continue
      parts.push(this.convert(t, depth + 1))
    }
    const unique = [...new Map(parts.map((p) => [JSON.stringify(p), p])).values()]
    if (unique.some((p) => Object.keys(p).length === 0)) return {}
    if (unique.length === 1) return unique[0]!
    // `T | null` stays readable: a nullable type rather than anyOf where T is one plain type.
    const nonNull = unique.filter((p) => p.type !== 'null' || Object.keys(p).length > 1)
    if (nonNull.length === 1 && unique.length === 2 && typeof nonNull[0]!.type === 'string' && !('const' in nonNull[0]!) && !('enum' in nonNull[0]!)) {
      return { ...nonNull[0], type: [nonNull[0]!.type, 'null'] }
    }
    return { anyOf: unique }
  }

  private object(type: ts.Type, depth: number): JsonSchema {
    if (this.inProgress.has(type)) return {} // a recursive type: described once, open below
    this.inProgress.add(type)
    try {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const prop of this.checker.getPropertiesOfType(type)) {
        const propType = this.checker.getTypeOfSymbol(prop)
        if (propType.getCallSignatures().length > 0) continue // methods do not travel in JSON
        const canBeMissing = (prop.flags & ts.SymbolFlags.Optional) !== 0
          || (propType.isUnion() && propType.types.some((t) => t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)))
          || (propType.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0
        const schema = this.convert(propType, depth + 1)
        if (schema.not && Object.keys(schema).length === 1) continue // only ever undefined: never in the JSON
        properties[prop.name] = schema
        if (!canBeMissing) required.push(prop.name)
      }
      const out: JsonSchema = { type: 'object', properties }
      if (required.length) out.required = required
      const index = this.checker.getIndexInfosOfType(type)[0]
      if (index) out.additionalProperties = this.convert(index.type, depth + 1)
      return out
    } finally {
      this.inProgress.delete(type)
    }
  }
}

/** Reads AppType's route schema through the type checker: every route, its statuses and JSON answer types. */
export function extractResponseTypes(prog: ts.Program = program()): ResponseTypes {
  const checker = prog.getTypeChecker()
  const probe = prog.getSourceFile(PROBE)
  if (!probe) throw new Error('probe file missing')
  const alias = probe.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === '__Schema')!
  const schemaType = checker.getTypeAtLocation(alias.name)
  const convert = new Converter(checker)
  const out: ResponseTypes = {}
  for (const pathProp of checker.getPropertiesOfType(schemaType).sort((a, b) => a.name.localeCompare(b.name))) {
    const pathType = checker.getTypeOfSymbol(pathProp)
    for (const methodProp of checker.getPropertiesOfType(pathType)) {
      if (!methodProp.name.startsWith('$')) continue
      const method = methodProp.name.slice(1).toUpperCase()
      const endpointType = checker.getTypeOfSymbol(methodProp)
      const endpoints = endpointType.isUnion() ? endpointType.types : [endpointType]
      const byStatus: Record<string, JsonSchema[]> = {}
      for (const endpoint of endpoints) {
        const format = endpoint.getProperty('outputFormat')
        const formatType = format && checker.getTypeOfSymbol(format)
        if (!formatType || !(formatType.flags & ts.TypeFlags.StringLiteral) || (formatType as ts.StringLiteralType).value !== 'json') continue
        const statusSym = endpoint.getProperty('status')
        const outputSym = endpoint.getProperty('output')
        if (!statusSym || !outputSym) continue
        const statusType = checker.getTypeOfSymbol(statusSym)
        const statuses = (statusType.isUnion() ? statusType.types : [statusType])
          .filter((s) => s.flags & ts.TypeFlags.NumberLiteral)
          .map((s) => (s as ts.NumberLiteralType).value)
        const schema = convert.convert(checker.getTypeOfSymbol(outputSym))
        // A status a handler answers itself (health's 503); the errors a route throws are described once for every
        // route (server/openapi/document.ts). `c.json(body)` without a status is typed as any status: it answers 200.
        for (const status of statuses.length > 20 ? [200] : statuses) (byStatus[String(status)] ??= []).push(schema)
      }
      const statuses = Object.entries(byStatus)
      if (statuses.length === 0) continue
      out[`${method} ${pathProp.name}`] = Object.fromEntries(statuses.map(([status, schemas]) => {
        const unique = [...new Map(schemas.map((s) => [JSON.stringify(s), s])).values()]
        return [status, unique.length === 1 ? unique[0]! : { anyOf: unique }]
      }))
    }
  }
  return out
}

/** One line per route and status: diffs stay readable and the file small (a schema's own layout helps nobody). */
export function renderResponseTypes(types: ResponseTypes): string {
  const routes = Object.entries(types).map(([route, statuses]) => {
    const lines = Object.entries(statuses).map(([status, schema]) => `    ${JSON.stringify(status)}: ${JSON.stringify(schema)}`)
    return `  ${JSON.stringify(route)}: {\n${lines.join(',\n')}\n  }`
  })
  return `{\n${routes.join(',\n')}\n}\n`
}
