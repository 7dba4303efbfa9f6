import { z } from 'zod'
import { pgText, rowId } from '../../../shared/validation'
import { name } from '../organizations/organizations.schemas'
import { optionalText } from '../members/members.schemas'

export const departmentInput = z.object({ name, code: optionalText(30), work_schedule_id: rowId.nullish() })

export const departmentPatch = z.object({ name: name.optional(), code: pgText(30, { trim: true }).nullable().optional(), work_schedule_id: rowId.nullable().optional() }).strict()
