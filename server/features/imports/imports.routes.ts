import crypto from 'node:crypto'
import { Hono, type Context } from 'hono'
import { stream } from 'hono/streaming'
import { and, asc, eq } from 'drizzle-orm'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { rowIdParam } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { attachment, XLSX_TYPE } from '../../lib/spreadsheet'
import { departments, importJobs, positions } from '../../db/schema'
import type { Tx } from '../../db/client'
import { audit } from '../../audit'
import { AppError, BadRequestError, ConflictError, NotFoundError, ValidationError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { parseSpreadsheet, sniffFormat } from './import.worker'
import { dropStalePreviews, PREVIEW_TTL_MS, type JobSummary } from './import.service'
import { parseFailure, readTable, type SourceRow } from './import.rows'
import { planImport, type ImportPlan } from './import.plan'
import { applyPlan } from './import.apply'
import { importTemplate } from './member-sheet'

const jobParams = z.object({ id: rowIdParam, jobId: rowIdParam })

interface Upload {
  filename: string
  bytes: Uint8Array
  dryRun: boolean
}

/** The multipart body: `file` (the .xlsx or .csv) and `dry_run` ("true" unless "false"). */
async function readUpload(c: Context<AppEnv>): Promise<Upload> {
  const type = c.req.header('content-type') ?? ''
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw new ValidationError('Send the file as multipart/form-data in a field named "file"', [{ path: 'file', message: 'Required' }], 'IMPORT_FILE_REQUIRED')
  }
  let form: Record<string, unknown>
  try {
    form = await c.req.parseBody()
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new BadRequestError('The upload could not be read', 'MALFORMED_UPLOAD')
  }
  const file = form.file
  if (!(file instanceof File)) {
    throw new ValidationError('Send the file in a field named "file"', [{ path: 'file', message: 'Required' }], 'IMPORT_FILE_REQUIRED')
  }
  const dry = typeof form.dry_run === 'string' ? form.dry_run.toLowerCase() : 'true'
  // eslint-disable-next-line no-control-regex -- control characters are what a file name may not keep
  const filename = (file.name || 'upload').replace(/^.*[\\/]/, '').replace(/[\u0000-\u001F\u007F]/g, '').slice(0, 200) || 'upload'
  if (file.size > 5 * 1024 * 1024) throw parseFailure('IMPORT_TOO_LARGE', 'The file is larger than 5 MB')
  return { filename, bytes: new Uint8Array(await file.arrayBuffer()), dryRun: !['false', '0', 'no'].includes(dry) }
}

/** Reads the upload in the parser worker and maps its header: every refusal is a 4xx, and nothing is written. */
async function readRows(upload: Upload) {
  const format = sniffFormat(upload.bytes)
  if (format === 'xls') throw new AppError(422, 'IMPORT_FILE_INVALID', 'Old .xls files are not supported: save the file as .xlsx or .csv', { reason: 'xls' })
  if (format === 'unknown') throw new AppError(422, 'IMPORT_FILE_INVALID', 'This is not an .xlsx or .csv file', { reason: 'not_spreadsheet' })
  const parsed = await parseSpreadsheet(upload.bytes, format)
  if (!parsed.ok) throw parseFailure(parsed.code, parsed.message)
  const { columns, rows } = readTable(parsed.header, parsed.rows)
  if (rows.length === 0) throw new AppError(422, 'IMPORT_EMPTY', 'The file has a header but no member rows')
  return { format: parsed.format, sheet: parsed.sheet, columns, rows }
}

type Read = Awaited<ReturnType<typeof readRows>>

function summaryOf(read: Read, plan: ImportPlan, source: SourceRow[] | null): JobSummary {
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

/**
 * Applies rows in one transaction: re-plans against the data as it is now (inside the transaction), writes, marks
 * the job applied, and audit-logs the counts. `progress` is called as rows are written.
 */
async function applyRows(tx: Tx, ctx: { organizationId: number; userId: number; ip: string; jobId: number; source: SourceRow[] }, progress?: (done: number, total: number) => Promise<void>) {
  const plan = await planImport(tx, ctx.organizationId, ctx.source)
  const result = await applyPlan(tx, ctx.organizationId, plan, progress, ctx.userId)
  const { created_ids, updated_ids, ...counts } = result
  await audit(tx, {
    organizationId: ctx.organizationId,
    actorUserId: ctx.userId,
    action: 'member.import',
    entityType: 'import_job',
    entityId: ctx.jobId,
    details: { ...counts, created_ids, updated_ids },
    ip: ctx.ip,
  })
  return { plan, result: counts }
}

/** Member import from Excel/CSV: template, preview (dry run), apply (mounted at /api/organizations). */
export const importRoutes = new Hono<AppEnv>()
  .get('/:id/members/import/template', allow('member:manage'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const { db } = c.get('deps').database
    const lang = c.req.query('lang') === 'en' ? 'en' : 'id'
    const depts = await db.select({ name: departments.name }).from(departments).where(eq(departments.organizationId, p.organizationId)).orderBy(asc(departments.name))
    const poss = await db.select({ name: positions.name }).from(positions).where(eq(positions.organizationId, p.organizationId)).orderBy(asc(positions.name))
    const file = importTemplate(lang, depts.map((d) => d.name), poss.map((x) => x.name))
    c.header('Content-Type', XLSX_TYPE)
    c.header('Content-Disposition', attachment(lang === 'en' ? 'hadir-members-template.xlsx' : 'hadir-templat-anggota.xlsx'))
    return c.body(new Uint8Array(file))
  })
  .post('/:id/members/import', allow('member:manage'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const deps = c.get('deps')
    const upload = await readUpload(c)
    const read = await readRows(upload)
    const sha256 = crypto.createHash('sha256').update(upload.bytes).digest('hex')
    if (upload.dryRun) {
      // The preview reads only; the job row keeps what was read so that "apply" writes exactly what was shown.
      const plan = await planImport(deps.database.db, p.organizationId, read.rows)
      const summary = { ...summaryOf(read, plan, read.rows), sha256 }
      const job = await deps.database.db.transaction(async (tx) => {
        await dropStalePreviews(tx, p.organizationId)
        const [created] = await tx
          .insert(importJobs)
          .values({ organizationId: p.organizationId, createdBy: p.userId, filename: upload.filename, status: 'previewed', summary })
          .returning({ id: importJobs.id, createdAt: importJobs.createdAt })
        return created!
      })
      return ok(c, present(job.id, upload.filename, summary, plan, { dry_run: true, expires_at: new Date(job.createdAt.getTime() + PREVIEW_TTL_MS).toISOString() }))
    }
    // dry_run=false: read, plan and apply in one go, in one transaction.
    const out = await deps.database.db
      .transaction(async (tx) => {
        const [job] = await tx
          .insert(importJobs)
          .values({ organizationId: p.organizationId, createdBy: p.userId, filename: upload.filename, status: 'applied', summary: { format: read.format } })
          .returning({ id: importJobs.id })
        const { plan, result } = await applyRows(tx, { organizationId: p.organizationId, userId: p.userId, ip: clientIp(c), jobId: job!.id, source: read.rows })
        const summary = { ...summaryOf(read, plan, null), sha256, result }
        await tx.update(importJobs).set({ summary, updatedAt: new Date() }).where(eq(importJobs.id, job!.id))
        return present(job!.id, upload.filename, summary, plan, { dry_run: false, result })
      })
      .catch(conflictOrRethrow)
    return ok(c, out)
  })
  .post('/:id/members/import/:jobId/apply', allow('member:manage'), validate('param', jobParams), async (c) => {
    const p = scoped(c)
    const { jobId } = c.req.valid('param')
    const deps = c.get('deps')
    const { db } = deps.database
    const [job] = await db
      .select()
      .from(importJobs)
      .where(and(eq(importJobs.id, jobId), eq(importJobs.organizationId, p.organizationId)))
    if (!job) throw new NotFoundError('Import')
    if (job.status !== 'previewed') throw new ConflictError('This import was already applied', 'IMPORT_ALREADY_APPLIED')
    const summary = job.summary as JobSummary | null
    if (!summary?.source || Date.now() - job.createdAt.getTime() > PREVIEW_TTL_MS) {
      throw new ConflictError('This preview has expired. Upload the file again.', 'IMPORT_EXPIRED')
    }
    const ip = clientIp(c)
    const run = (progress?: (done: number, total: number) => Promise<void>) =>
      db
        .transaction(async (tx) => {
          // Claiming the job first makes a second, concurrent "apply" of the same preview a conflict.
          const [claimed] = await tx
            .update(importJobs)
            .set({ status: 'applied', updatedAt: new Date() })
            .where(and(eq(importJobs.id, jobId), eq(importJobs.organizationId, p.organizationId), eq(importJobs.status, 'previewed')))
            .returning({ id: importJobs.id })
          if (!claimed) throw new ConflictError('This import was already applied', 'IMPORT_ALREADY_APPLIED')
          const { plan, result } = await applyRows(tx, { organizationId: p.organizationId, userId: p.userId, ip, jobId, source: summary.source! }, progress)
          const next: JobSummary = { ...summary, counts: plan.counts, new_departments: plan.new_departments, new_positions: plan.new_positions, source: null, result }
          await tx.update(importJobs).set({ summary: next }).where(eq(importJobs.id, jobId))
          return present(jobId, job.filename, next, plan, { dry_run: false, result })
        })
        .catch(conflictOrRethrow)

    if (!/application\/x-ndjson/i.test(c.req.header('accept') ?? '')) return ok(c, await run())
    // Streamed: one JSON line per progress step, then {"result": ...} or {"error": {code, message}}.
    c.header('Content-Type', 'application/x-ndjson; charset=utf-8')
    return stream(c, async (out) => {
      const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`)
      try {
        await line({ progress: { done: 0, total: (summary.counts?.create ?? 0) + (summary.counts?.invite ?? 0) + (summary.counts?.update ?? 0) } })
        const result = await run((done, total) => line({ progress: { done, total } }).then(() => undefined))
        await line({ result })
      } catch (error) {
        if (error instanceof AppError) await line({ error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) } })
        else {
          console.error('[hadir] import apply failed:', error)
          await line({ error: { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again.' } })
        }
      }
    })
  })
