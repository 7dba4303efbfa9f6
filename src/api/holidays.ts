// An organization's days off (docs/api.md, "Days off (holidays)"): the national days of a year with whether the
// organization keeps each, its own days, and the same as a spreadsheet both ways. `id` is the active organization.
import { type Answer, type AnswerOf, call, routes } from './client'
import type { Id } from './types'

export { HOLIDAY_DATE_MAX, HOLIDAY_DATE_MIN, holidayInput, OWN_HOLIDAY_MAX_DAYS } from '@shared/holidays/holidays'

const o = routes.organizations[':id']
const rp = (id: string, rowId: Id) => ({ param: { id, rowId: String(rowId) } })

/** A year's days off; without a year, the organization's current one. */
export const listHolidays = (id: string, year?: number) => call(o.holidays.$get({ param: { id }, query: { year } }))
export type HolidayYear = AnswerOf<typeof listHolidays>
export type NationalDay = HolidayYear['national'][number]
export type OwnDay = HolidayYear['own'][number]

export type OwnDayInput = Parameters<typeof o.holidays.$post>[0]['json']
export const createHoliday = (id: string, input: OwnDayInput) => call(o.holidays.$post({ param: { id }, json: input }))
export const updateHoliday = (id: string, rowId: Id, input: OwnDayInput) => call(o.holidays[':rowId'].$put({ ...rp(id, rowId), json: input }))
export const deleteHoliday = (id: string, rowId: Id) => call(o.holidays[':rowId'].$delete(rp(id, rowId)))

/** Keeps a national day as a day off (true) or makes it a working day in this organization (false). */
export const setNationalObserved = (id: string, date: string, observed: boolean) => call(o['national-holidays'].$put({ param: { id }, json: { date, observed } }))

/** The export's address, for a plain GET (useDownload): the own days and, in .xlsx, the national days on a second sheet. */
export const holidayExportUrl = (id: string, year: number, format: 'xlsx' | 'csv', lang: string) =>
  o.holidays.export.$path({ param: { id }, query: { year, format, lang: lang === 'en' ? 'en' : 'id' } })

type ImportAnswer = Answer<Awaited<ReturnType<typeof o.holidays.import.$post>>>
export type HolidayImport = ImportAnswer
export type HolidayImportRow = ImportAnswer['rows'][number]

/**
 * Sends a spreadsheet: `dryRun` (the preview) checks every row and writes nothing; otherwise the rows are written, all
 * of them or, while any row has a problem, none (`applied: false`).
 */
export function importHolidays(id: string, file: File, dryRun: boolean): Promise<HolidayImport> {
  const form = new FormData()
  form.append('file', file, file.name)
  form.append('dry_run', String(dryRun))
  // The route reads the multipart body itself (no validator), so the typed client carries it as the request's body.
  return call(o.holidays.import.$post({ param: { id } }, { init: { body: form } }))
}
