import { z } from 'zod'
import { name } from '../organizations/organizations.schemas'
import { optionalText } from '../members/members.schemas'

// A position has no code; the field is still checked as it always was (a client may send the department form's shape).
export const positionInput = z.object({ name, code: optionalText(30) })

export const positionPatch = z.object({ name }).strict()
