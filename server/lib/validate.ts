import { zValidator } from '@hono/zod-validator'
import type { MiddlewareHandler, ValidationTargets } from 'hono'
import type { z } from 'zod'
import { issueDetails } from '../../shared/validation'
import { ValidationError } from '../errors'

/** The largest value of a PostgreSQL `integer` (every id column is one). */
export const PG_INT_MAX = 2_147_483_647

/** What a `validate(...)` middleware checks, readable from the app's route table (the hardening fuzzer uses it). */
export interface RouteValidation {
  target: keyof ValidationTargets
  schema: z.ZodType
}

interface Issue { path: string; message: string; code: string; maximum?: number }

// Minimal view of zod v4's schema internals, enough to walk a schema alongside the value it produced.
interface ZodNode {
  _zod: { def: { type: string; [k: string]: unknown } }
}
function defOf(schema: unknown): ZodNode['_zod']['def'] | null {
  return (schema as ZodNode | null)?._zod?.def ?? null
}

/** An integer schema without an explicit upper bound of its own (zod's default is 2^53): the database's is 2^31-1. */
function isUnboundedInt(def: ZodNode['_zod']['def']): boolean {
  const checks = (def.checks as ZodNode[] | undefined)?.map((c) => c._zod.def as { check?: string; format?: string; value?: unknown }) ?? []
  const isInt = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32'))
  if (!isInt) return false
  return !checks.some((c) => c.check === 'less_than' && typeof c.value === 'number' && c.value <= PG_INT_MAX)
}

/**
 * What zod accepted but PostgreSQL cannot store or compare: a NUL character in any text (PostgreSQL text cannot hold
 * it) and an integer beyond the `integer` range where the schema set no bound of its own (ids, limits). Both used to
 * surface as a 500 from the database; they are plain validation errors. Values a schema leaves untyped (`unknown`,
 * `any`, e.g. sync records checked one by one later) are not looked into.
 */
export function databaseSafetyIssues(schema: unknown, value: unknown, path: (string | number)[] = [], out: Issue[] = [], depth = 0): Issue[] {
  const def = defOf(schema)
  if (!def || depth > 64 || out.length >= 20) return out
  const at = () => path.join('.')
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'literal':
    case 'template_literal':
      if (typeof value === 'string' && value.includes('\u0000')) {
        out.push({ path: at(), message: 'Text may not contain the NUL character', code: 'invalid_characters' })
      }
      return out
    case 'number':
      if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > PG_INT_MAX && isUnboundedInt(def)) {
        out.push({ path: at(), message: `Too big: expected at most ${PG_INT_MAX}`, code: 'too_big', maximum: PG_INT_MAX })
      }
      return out
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
    case 'success':
      return databaseSafetyIssues(def.innerType, value, path, out, depth + 1)
    case 'pipe':
      // A transform's output is no longer described by its input schema: check the input side only when it still
      // has the input's shape (a plain value), and the output side when it is itself a schema.
      if (defOf(def.out)?.type === 'transform') return databaseSafetyIssues(def.in, value, path, out, depth + 1)
      return databaseSafetyIssues(def.out, value, path, out, depth + 1)
    case 'lazy':
      return databaseSafetyIssues((def.getter as () => unknown)(), value, path, out, depth + 1)
    case 'union': {
      // The first option this value fits the shape of; a string or number in a union is checked either way.
      if (typeof value === 'string' && value.includes('\u0000')) {
        out.push({ path: at(), message: 'Text may not contain the NUL character', code: 'invalid_characters' })
        return out
      }
      const options = (def.options as unknown[]) ?? []
      const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
      const match = options.find((o) => {
        const t = defOf(o)?.type
        return (t === 'object' && kind === 'object') || (t === 'array' && kind === 'array') || (t === 'number' && kind === 'number')
      })
      return match ? databaseSafetyIssues(match, value, path, out, depth + 1) : out
    }
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return out
      const shape = (def.shape ?? {}) as Record<string, unknown>
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const child = Object.hasOwn(shape, key) ? shape[key] : def.catchall
        if (child) databaseSafetyIssues(child, v, [...path, key], out, depth + 1)
      }
      return out
    }
    case 'record': {
      if (!value || typeof value !== 'object') return out
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (key.includes('\u0000')) out.push({ path: [...path, key].join('.'), message: 'Text may not contain the NUL character', code: 'invalid_characters' })
        databaseSafetyIssues(def.valueType, v, [...path, key], out, depth + 1)
      }
      return out
    }
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => databaseSafetyIssues(def.element, v, [...path, i], out, depth + 1))
      return out
    case 'tuple':
      if (Array.isArray(value)) value.forEach((v, i) => databaseSafetyIssues((def.items as unknown[])[i] ?? def.rest, v, [...path, i], out, depth + 1))
      return out
    default:
      return out
  }
}

/** zod validation for a request part; a failure is a 422 in the common error shape, listing each bad field. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  const mw = zValidator(target, schema, (result) => {
    if (!result.success) {
      // Path, message and code for every bad field, plus the limit a UI needs to say it in the member's language.
      const details = issueDetails(result.error.issues)
      throw new ValidationError('Some fields are invalid', details)
    }
    const unsafe = databaseSafetyIssues(schema, result.data)
    if (unsafe.length > 0) throw new ValidationError('Some fields are invalid', unsafe)
  })
  return Object.assign(mw, { validation: { target, schema } satisfies RouteValidation })
}

/** The validations a route's handlers declare (see `validate`), in order. */
export function validationsOf(handlers: unknown[]): RouteValidation[] {
  return handlers.flatMap((h) => {
    const v = (h as { validation?: RouteValidation } | null)?.validation
    return v ? [v] : []
  })
}

export type ValidateMiddleware = MiddlewareHandler & { validation: RouteValidation }
