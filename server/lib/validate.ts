import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { ValidationError } from '../errors'

/** zod validation for a request part; a failure is a 422 in the common error shape, listing each bad field. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }))
      throw new ValidationError('Some fields are invalid', details)
    }
  })
}
