import { z } from 'zod'
import { holidayInput } from '../../../shared/holidays/holidays'
import { exportFormat } from '../../lib/spreadsheet'
import { pgDate, queryInt } from '../../../shared/validation'

export { holidayInput }

/** The year a list or an export covers (by default the organization's current year). */
export const yearQuery = z.object({ year: queryInt(2000, 2099).optional() })
export const holidayExportQuery = yearQuery.extend({ format: exportFormat, lang: z.enum(['id', 'en']).default('id') })
/** Keep (observed) or work on (not observed) one national day. */
export const nationalObservedInput = z.object({ date: pgDate, observed: z.boolean() }).strict()
