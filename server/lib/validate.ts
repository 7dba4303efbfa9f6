import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { ValidationError } from '../errors'

/** zod validation for a request part; a failure is a 422 in the common error shape, listing each bad field. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      // Path, message and code for every bad field, plus the limit a UI needs to say it in the member's language.
      const details = result.error.issues.map((i) => {
        const issue = i as typeof i & { minimum?: unknown; maximum?: unknown; format?: unknown }
        return {
          path: i.path.join('.'),
          message: i.message,
          code: i.code,
          ...(issue.minimum !== undefined && { minimum: Number(issue.minimum) }),
          ...(issue.maximum !== undefined && { maximum: Number(issue.maximum) }),
          ...(typeof issue.format === 'string' && { format: issue.format }),
        }
      })
      throw new ValidationError('Some fields are invalid', details)
    }
  })
}
