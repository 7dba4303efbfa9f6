import crypto from 'node:crypto'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { rowIdParam } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { readUpload, type Upload } from '../../lib/upload'
import { attachment, XLSX_TYPE } from '../../lib/spreadsheet'
import { AppError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { parseSpreadsheet, sniffFormat } from './import.worker'
import { applyPreview, findPreview, importNow, previewImport, templateLists, type ReadSheet } from './import.service'
import { parseFailure, readTable } from './import.rows'
import { importTemplate } from './member-sheet'

const jobParams = z.object({ id: rowIdParam, jobId: rowIdParam })

/** Reads the upload in the parser worker and maps its header: every refusal is a 4xx, and nothing is written. */
async function readRows(upload: Upload): Promise<ReadSheet> {
  const format = sniffFormat(upload.bytes)
  if (format === 'xls') throw new AppError(422, 'IMPORT_FILE_INVALID', 'Old .xls files are not supported: save the file as .xlsx or .csv', { reason: 'xls' })
  if (format === 'unknown') throw new AppError(422, 'IMPORT_FILE_INVALID', 'This is not an .xlsx or .csv file', { reason: 'not_spreadsheet' })
  const parsed = await parseSpreadsheet(upload.bytes, format)
  if (!parsed.ok) throw parseFailure(parsed.code, parsed.message)
  const { columns, rows } = readTable(parsed.header, parsed.rows)
  if (rows.length === 0) throw new AppError(422, 'IMPORT_EMPTY', 'The file has a header but no member rows')
  return { format: parsed.format, sheet: parsed.sheet, columns, rows }
}

/** Member import from Excel/CSV: template, preview (dry run), apply (mounted at /api/organizations). */
export const importRoutes = new Hono<AppEnv>()
  .get('/:id/members/import/template', allow('member:manage'), validate('param', idParam), async (c) => {
    const lang = c.req.query('lang') === 'en' ? 'en' : 'id'
    const lists = await templateLists(serviceContext(c))
    const file = await importTemplate(lang, lists.departments, lists.positions)
    c.header('Content-Type', XLSX_TYPE)
    c.header('Content-Disposition', attachment(lang === 'en' ? 'hadir-members-template.xlsx' : 'hadir-templat-anggota.xlsx'))
    return c.body(new Uint8Array(file))
  })
  .post('/:id/members/import', allow('member:manage'), validate('param', idParam), async (c) => {
    const ctx = serviceContext(c)
    const upload = await readUpload(c)
    const read = await readRows(upload)
    const sha256 = crypto.createHash('sha256').update(upload.bytes).digest('hex')
    // The preview reads only; the job row keeps what was read so that "apply" writes exactly what was shown.
    if (upload.dryRun) return ok(c, await previewImport(ctx, upload.filename, read, sha256))
    return ok(c, await importNow(ctx, upload.filename, read, sha256))
  })
  .post('/:id/members/import/:jobId/apply', allow('member:manage'), validate('param', jobParams), async (c) => {
    const ctx = serviceContext(c)
    const preview = await findPreview(ctx, c.req.valid('param').jobId)
    const { summary } = preview
    const run = (progress?: (done: number, total: number) => Promise<void>) => applyPreview(ctx, preview, progress)

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
