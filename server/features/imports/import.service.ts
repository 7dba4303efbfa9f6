// Member import jobs: a preview is kept (with the rows it read) so that "apply" writes exactly what was shown. The
// sheet is read in import.rows.ts, planned in import.plan.ts and written by import.apply.ts.
import { and, eq, lt } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { importJobs } from '../../db/schema'
import type { ImportColumn, SourceRow } from './import.rows'
import type { ImportPlan } from './import.plan'
import type { ApplyResult } from './import.apply'

export const PREVIEW_TTL_MS = 24 * 3600_000

export interface JobSummary extends Record<string, unknown> {
  format: string
  sheet: string | null
  columns: Partial<Record<ImportColumn, string>>
  ignored_columns: string[]
  counts: ImportPlan['counts']
  new_departments: string[]
  new_positions: string[]
  /** The rows read from the file, until the import is applied (then dropped). */
  source: SourceRow[] | null
  result?: Omit<ApplyResult, 'created_ids' | 'updated_ids'>
}

export async function dropStalePreviews(tx: Tx, organizationId: number): Promise<void> {
  await tx
    .delete(importJobs)
    .where(and(eq(importJobs.organizationId, organizationId), eq(importJobs.status, 'previewed'), lt(importJobs.createdAt, new Date(Date.now() - PREVIEW_TTL_MS))))
}
