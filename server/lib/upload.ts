import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { AppError, BadRequestError, ValidationError } from '../errors'

/** The largest spreadsheet an import accepts. */
export const UPLOAD_MAX_BYTES = 5 * 1024 * 1024

export interface Upload {
  filename: string
  bytes: Uint8Array
  dryRun: boolean
}

/**
 * A spreadsheet import's multipart body: `file` (the .xlsx or .csv, at most 5 MB: 413 IMPORT_TOO_LARGE) and `dry_run`
 * ("true" unless "false"). Anything else is a 4xx that changes nothing.
 */
export async function readUpload(c: Context<AppEnv>): Promise<Upload> {
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
  if (file.size > UPLOAD_MAX_BYTES) throw new AppError(413, 'IMPORT_TOO_LARGE', 'The file is larger than 5 MB')
  return { filename, bytes: new Uint8Array(await file.arrayBuffer()), dryRun: !['false', '0', 'no'].includes(dry) }
}
