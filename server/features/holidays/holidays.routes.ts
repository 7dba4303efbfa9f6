import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { attachment, CSV_TYPE, XLSX_TYPE } from '../../lib/spreadsheet'
import { readUpload } from '../../lib/upload'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { holidayExportQuery, holidayInput, nationalObservedInput, yearQuery } from './holidays.schemas'
import { createHoliday, deleteHoliday, departmentNames, holidaysOfYear, importHolidays, setNationalObserved, updateHoliday } from './holidays.service'
import { holidaysFile, readHolidaySheet } from './holidays.sheet'

/**
 * An organization's days off (mounted at /api/organizations): the national days of a year with whether the
 * organization keeps each, its own days (one day or a range, the whole organization or some departments), and the
 * same as a spreadsheet both ways. Everyone who reads reports may read them; settings managers change them.
 */
export const holidayRoutes = new Hono<AppEnv>()
  .get('/:id/holidays', allow('member:view'), validate('param', idParam), validate('query', yearQuery), async (c) => {
    return ok(c, await holidaysOfYear(serviceContext(c), c.req.valid('query').year))
  })
  .get('/:id/holidays/export', allow('member:view'), validate('param', idParam), validate('query', holidayExportQuery), async (c) => {
    const ctx = serviceContext(c)
    const { year, format, lang } = c.req.valid('query')
    const days = await holidaysOfYear(ctx, year)
    const file = await holidaysFile({ format, lang, own: days.own, national: days.national, departments: await departmentNames(ctx.deps.database.db, ctx.organizationId) })
    c.header('Content-Type', format === 'csv' ? CSV_TYPE : XLSX_TYPE)
    c.header('Content-Disposition', attachment(`${lang === 'en' ? 'hadir-holidays' : 'hadir-hari-libur'}-${days.year}.${format}`))
    return c.body(typeof file === 'string' ? file : new Uint8Array(file))
  })
  .post('/:id/holidays/import', allow('settings:manage'), validate('param', idParam), async (c) => {
    const ctx = serviceContext(c)
    const upload = await readUpload(c)
    const rows = await readHolidaySheet(upload, await departmentNames(ctx.deps.database.db, ctx.organizationId))
    return ok(c, await importHolidays(ctx, rows, { dryRun: upload.dryRun, filename: upload.filename }))
  })
  .post('/:id/holidays', allow('settings:manage'), validate('param', idParam), validate('json', holidayInput), async (c) => {
    return ok(c, await createHoliday(serviceContext(c), c.req.valid('json')), 201)
  })
  .put('/:id/holidays/:rowId', allow('settings:manage'), validate('param', rowParams), validate('json', holidayInput), async (c) => {
    return ok(c, await updateHoliday(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/holidays/:rowId', allow('settings:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deleteHoliday(serviceContext(c), c.req.valid('param').rowId))
  })
  .put('/:id/national-holidays', allow('settings:manage'), validate('param', idParam), validate('json', nationalObservedInput), async (c) => {
    return ok(c, await setNationalObserved(serviceContext(c), c.req.valid('json')))
  })
