// Member import jobs: a preview is kept (with the rows it read) so that "apply" writes exactly what was shown. The
// sheet is read in import.rows.ts, planned in import.plan.ts and written by import.apply.ts.
import { and, asc, eq, lt } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, importJobs, positions } from '../../db/schema'
import { ConflictError, NotFoundError } from '../../errors'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'
import type { ColumnMap, ImportColumn, SourceRow } from './import.rows'
import type { SpreadsheetFormat } from './import.worker'
import { planImport, type ImportPlan } from './import.plan'
import { applyPlan, type ApplyResult } from './import.apply'
import { describeMembers } from '../members/members.queries'
import { queueDeliveries, stageEvents, subscribedEndpoints } from '../webhooks/webhooks.outbox'
import { announceRenames, dropMemberNames } from '../faces/faces.names'

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

/** A sheet read and mapped (import.rows.ts), the rows not yet planned. */
export interface ReadSheet {
  format: SpreadsheetFormat
  sheet: string | null
  columns: ColumnMap
  rows: SourceRow[]
}

function summaryOf(read: ReadSheet, plan: ImportPlan, source: SourceRow[] | null): JobSummary {
  return {
    format: read.format,
    sheet: read.sheet,
    columns: read.columns.headers,
    ignored_columns: read.columns.ignored,
    counts: plan.counts,
    new_departments: plan.new_departments,
    new_positions: plan.new_positions,
    source,
  }
}

function present<Extra extends { dry_run: boolean }>(jobId: number, filename: string, summary: JobSummary, plan: ImportPlan, extra: Extra) {
  return {
    job_id: jobId,
    filename,
    format: summary.format,
    sheet: summary.sheet,
    columns: summary.columns,
    ignored_columns: summary.ignored_columns,
    counts: plan.counts,
    new_departments: plan.new_departments,
    new_positions: plan.new_positions,
    ...extra,
    rows: plan.rows,
  }
}

/** A unique-key race with another change (someone added the same number meanwhile) is a conflict, not a crash. */
function conflictOrRethrow(error: unknown): never {
  const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code
  if (code === '23505') throw new ConflictError('The members changed while importing. Preview the file again.', 'IMPORT_CONFLICT')
  throw error
}

type Progress = (done: number, total: number) => Promise<void>

/**
 * Applies rows in one transaction: re-plans against the data as it is now (inside the transaction), writes, and
 * audit-logs the counts. `progress` is called as rows are written.
 */
async function applyRows(tx: Tx, ctx: ServiceContext, jobId: number, source: SourceRow[], progress?: Progress) {
  const plan = await planImport(tx, ctx.organizationId, source)
  const result = await applyPlan(tx, ctx.organizationId, plan, progress, ctx.userId)
  const { created_ids, updated_ids, ...counts } = result
  await auditBy(tx, ctx, {
    action: 'member.import',
    entityType: 'import_job',
    entityId: jobId,
    details: { ...counts, created_ids, updated_ids },
  })
  // member.created for each member the file added, staged with them (queued by the caller after the commit).
  const staged: number[] = []
  if (created_ids.length > 0 && (await subscribedEndpoints(tx, ctx.organizationId, 'member.created')).length > 0) {
    for (let i = 0; i < created_ids.length; i += 1000) {
      const members = await describeMembers(tx, ctx.organizationId, created_ids.slice(i, i + 1000))
      staged.push(...(await stageEvents(tx, ctx.organizationId, 'member.created', members.map((member) => ({ member })))))
    }
  }
  // The organizations where a person the file renamed is named (every instance drops their names: faces.names.ts).
  const renamedIn = await announceRenames(tx, plan.updates.filter((op) => op.changes.name).map((op) => op.userId))
  return { plan, result: counts, staged, renamedIn }
}

/** The names the template's lists offer: the organization's departments and positions. */
export async function templateLists(ctx: ServiceContext) {
  const { db } = ctx.deps.database
  const depts = await db.select({ name: departments.name }).from(departments).where(eq(departments.organizationId, ctx.organizationId)).orderBy(asc(departments.name))
  const poss = await db.select({ name: positions.name }).from(positions).where(eq(positions.organizationId, ctx.organizationId)).orderBy(asc(positions.name))
  return { departments: depts.map((d) => d.name), positions: poss.map((x) => x.name) }
}

/** A dry run: the plan of every row, written nowhere but in the job row, which keeps what was read for "apply". */
export async function previewImport(ctx: ServiceContext, filename: string, read: ReadSheet, sha256: string) {
  const plan = await planImport(ctx.deps.database.db, ctx.organizationId, read.rows)
  const summary = { ...summaryOf(read, plan, read.rows), sha256 }
  const job = await transaction(ctx, async (tx) => {
    await dropStalePreviews(tx, ctx.organizationId)
    const [created] = await tx
      .insert(importJobs)
      .values({ organizationId: ctx.organizationId, createdBy: ctx.userId, filename, status: 'previewed', summary })
      .returning({ id: importJobs.id, createdAt: importJobs.createdAt })
    return created!
  })
  return present(job.id, filename, summary, plan, { dry_run: true, expires_at: new Date(job.createdAt.getTime() + PREVIEW_TTL_MS).toISOString() })
}

/** dry_run=false: plan and apply the rows read in one go, in one transaction. */
export async function importNow(ctx: ServiceContext, filename: string, read: ReadSheet, sha256: string) {
  const { answer, staged, renamedIn } = await transaction(ctx, async (tx) => {
    const [job] = await tx
      .insert(importJobs)
      .values({ organizationId: ctx.organizationId, createdBy: ctx.userId, filename, status: 'applied', summary: { format: read.format } })
      .returning({ id: importJobs.id })
    const { plan, result, staged, renamedIn } = await applyRows(tx, ctx, job!.id, read.rows)
    const summary = { ...summaryOf(read, plan, null), sha256, result }
    await tx.update(importJobs).set({ summary, updatedAt: new Date() }).where(eq(importJobs.id, job!.id))
    return { answer: present(job!.id, filename, summary, plan, { dry_run: false, result }), staged, renamedIn }
  }).catch(conflictOrRethrow)
  dropMemberNames(ctx.deps, renamedIn)
  await queueDeliveries(ctx.deps, staged)
  return answer
}

export interface Preview {
  id: number
  filename: string
  summary: JobSummary & { source: SourceRow[] }
}

/** A preview that can still be applied: of this organization, not applied yet, not expired. */
export async function findPreview(ctx: ServiceContext, jobId: number): Promise<Preview> {
  const [job] = await ctx.deps.database.db
    .select()
    .from(importJobs)
    .where(and(eq(importJobs.id, jobId), eq(importJobs.organizationId, ctx.organizationId)))
  if (!job) throw new NotFoundError('Import')
  if (job.status !== 'previewed') throw new ConflictError('This import was already applied', 'IMPORT_ALREADY_APPLIED')
  const summary = job.summary as JobSummary | null
  if (!summary?.source || Date.now() - job.createdAt.getTime() > PREVIEW_TTL_MS) {
    throw new ConflictError('This preview has expired. Upload the file again.', 'IMPORT_EXPIRED')
  }
  return { id: job.id, filename: job.filename, summary: summary as Preview['summary'] }
}

/** Applies a preview's rows as they plan now; the job is claimed first, so a second, concurrent apply is a conflict. */
export async function applyPreview(ctx: ServiceContext, preview: Preview, progress?: Progress) {
  const { id: jobId, summary } = preview
  const { answer, staged, renamedIn } = await transaction(ctx, async (tx) => {
    const [claimed] = await tx
      .update(importJobs)
      .set({ status: 'applied', updatedAt: new Date() })
      .where(and(eq(importJobs.id, jobId), eq(importJobs.organizationId, ctx.organizationId), eq(importJobs.status, 'previewed')))
      .returning({ id: importJobs.id })
    if (!claimed) throw new ConflictError('This import was already applied', 'IMPORT_ALREADY_APPLIED')
    const { plan, result, staged, renamedIn } = await applyRows(tx, ctx, jobId, summary.source, progress)
    const next: JobSummary = { ...summary, counts: plan.counts, new_departments: plan.new_departments, new_positions: plan.new_positions, source: null, result }
    await tx.update(importJobs).set({ summary: next }).where(eq(importJobs.id, jobId))
    return { answer: present(jobId, preview.filename, next, plan, { dry_run: false, result }), staged, renamedIn }
  }).catch(conflictOrRethrow)
  dropMemberNames(ctx.deps, renamedIn)
  await queueDeliveries(ctx.deps, staged)
  return answer
}
