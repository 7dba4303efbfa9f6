import fs from 'node:fs'
import type { Page } from '@playwright/test'
import * as XLSX from 'xlsx'
import { adminApi, type AdminApi, apiData } from './support/api'
import { SHOTS } from './support/browser'
import { expect, signInDashboard, test } from './support/fixtures'

// Days off on the dashboard (issue 17 item 1): the national days of a year (one made a working day here), the
// organization's own days (a semester break for one department), the export read back with real dates, an import
// previewed then applied, and deleting an entry. Builds on the organization the foundation spec set up (or sets it up
// when run alone); everything it changes carries this run's stamp or is put back afterwards.
test.describe.configure({ mode: 'serial' })
test.use({ shotsWaitForIdle: true })

const PHONE = { width: 390, height: 844 }
const DESKTOP = { width: 1440, height: 900 }
const STAMP = Date.now().toString(36).slice(-5).toUpperCase()
const DEPARTMENT = `Kelas XII ${STAMP}`
const BREAK = `Libur semester ${STAMP}`
const ANNIVERSARY = `Milad yayasan ${STAMP}`
const PENTAS = `Pentas seni ${STAMP}`
// A national day no other spec looks at; put back as a day off when this spec ends.
const NATIONAL = { date: '2026-12-24', name: 'Cuti Bersama Kelahiran Yesus Kristus' }
const SUPPORT = { name: 'Pak Budi Santoso', email: `budi.${STAMP.toLowerCase()}@harapan.sch.id`, password: 'budi-rahasia-1' }
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

let admin: AdminApi

test.beforeAll(async ({ baseURL }) => {
  admin = await adminApi(baseURL!)
  await apiData(await admin.api.post(`/api/organizations/${admin.organizationId}/departments`, { data: { name: DEPARTMENT } }))
  await apiData(await admin.api.put(`/api/organizations/${admin.organizationId}/national-holidays`, { data: { date: NATIONAL.date, observed: true } }))
})
test.afterAll(async () => {
  if (!admin) return
  await admin.api.put(`/api/organizations/${admin.organizationId}/national-holidays`, { data: { date: NATIONAL.date, observed: true } })
  await admin.api.dispose()
})

async function noHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(1)
}

/**
 * The whole page at desktop and phone width (`<name>-1440.png`, `<name>-390.png`), from its top: the sidebar's slide
 * out at phone width is over first, and the page has no horizontal scroll there. Ends at desktop width.
 */
async function shotBoth(page: Page, shot: (page: Page, name: string) => Promise<void>, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await shot(page, `${name}-1440`)
  await page.setViewportSize(PHONE)
  await page.locator('#admin-sidebar').evaluate((e) => Promise.all(e.getAnimations().map((a) => a.finished)))
  await noHorizontalOverflow(page)
  await shot(page, `${name}-390`)
  await page.setViewportSize(DESKTOP)
}

function sheetFile(rows: (string | Date)[][]): Buffer {
  const book = XLSX.utils.book_new()
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['Nama', 'Tanggal mulai', 'Tanggal selesai', 'Departemen'], ...rows], { cellDates: true }), 'Hari libur')
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer
}

test('the admin makes a national day a working day, adds a semester break for one department, exports, imports and deletes', async ({ adminPage: page, shot }) => {
  await page.getByTestId('nav-holidays').click()
  await expect(page).toHaveURL(/\/admin\/holidays/)
  await page.goto('/admin/holidays?year=2026')
  await expect(page.getByTestId('holidays-year-value')).toHaveText('2026')

  // The national days of 2026, with the cuti bersama tagged; one becomes a working day here.
  const national = page.getByTestId('holidays-national')
  await expect(national.getByTestId('holiday-national-row')).toHaveCount(25)
  const day = national.locator(`[data-date="${NATIONAL.date}"]`)
  await expect(day).toContainText(NATIONAL.name)
  await expect(day).toContainText('Cuti bersama')
  const toggle = day.getByRole('switch')
  await expect(toggle).toBeChecked()
  await expect(toggle).toHaveAccessibleName(new RegExp(`Day off: ${NATIONAL.name}`))
  await toggle.focus()
  await page.keyboard.press('Space')
  await expect(page.getByTestId('holidays-notice')).toContainText('is now a working day here')
  await expect(toggle).not.toBeChecked()
  await expect(day).toContainText('Working day')
  await expect(page.getByTestId('holidays-national-working')).toContainText('Working days here: 1')

  // A semester break for one department: the last day follows the first until it is set, the form checks the order.
  await page.getByTestId('holiday-add').click()
  const editor = page.getByTestId('holiday-editor')
  await editor.getByTestId('holiday-name').fill(BREAK)
  await editor.getByTestId('holiday-start').fill('2026-07-10')
  await expect(editor.getByTestId('holiday-end')).toHaveAttribute('data-value', '2026-07-10')
  await editor.getByTestId('holiday-start').fill('2026-07-20')
  await expect(editor.getByTestId('holiday-end')).toHaveAttribute('data-value', '2026-07-20')
  // Dates read and written in the app's language, not the browser's: typed as people write them, or picked.
  await editor.getByTestId('holiday-end').fill('10 Jul 2026')
  await editor.getByTestId('holiday-end').blur()
  await expect(editor.getByTestId('holiday-end')).toHaveAttribute('data-value', '2026-07-10')
  await expect(editor.getByTestId('holiday-end')).toHaveValue('10 Jul 2026')
  await editor.getByTestId('holiday-scope-some').check()
  await editor.getByTestId('holiday-editor-submit').click()
  await expect(editor.getByTestId('holiday-end-error')).toHaveText('The last day is before the first day.')
  await expect(editor.getByTestId('holiday-departments-error')).toHaveText('Choose at least one department.')
  await editor.getByTestId('holiday-start-pick').click()
  const calendar = editor.getByTestId('holiday-start-calendar')
  await expect(calendar).toContainText('July 2026')
  await calendar.getByRole('button', { name: 'Previous month' }).click()
  await expect(calendar).toContainText('June 2026')
  await calendar.locator('[data-date="2026-06-22"]').click()
  await expect(calendar).toBeHidden()
  await expect(editor.getByTestId('holiday-start')).toHaveValue('22 Jun 2026')
  await expect(editor.getByTestId('holiday-start')).toHaveAttribute('data-value', '2026-06-22')
  await editor.locator(`[data-testid="holiday-department"][data-name="${DEPARTMENT}"]`).check()
  await editor.screenshot({ path: `${SHOTS}/holidays-editor.png` })
  await editor.getByTestId('holiday-editor-submit').click()
  await expect(editor).toBeHidden()
  await expect(page.getByTestId('holidays-notice')).toContainText(`${BREAK} (22 Jun – 10 Jul 2026) was added`)
  const entry = page.getByTestId('holiday-own-row').filter({ hasText: BREAK })
  await expect(entry.getByTestId('holiday-own-dates')).toHaveText('22 Jun – 10 Jul 2026')
  await expect(entry).toContainText('19 days')
  await expect(entry.getByTestId('holiday-own-who')).toContainText(DEPARTMENT)
  await shotBoth(page, shot, 'holidays')

  // The export: a spreadsheet whose dates are real dates, in the interface's language.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('holidays-export-xlsx').click()])
  expect(download.suggestedFilename()).toBe('hadir-holidays-2026.xlsx')
  const book = XLSX.read(fs.readFileSync((await download.path())!), { type: 'buffer', cellDates: true })
  expect(book.SheetNames).toEqual(['Own days off', 'National holidays'])
  const own = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Own days off']!, { header: 1 })
  expect(own[0]).toEqual(['Name', 'Start date', 'End date', 'Departments'])
  const row = own.find((r) => r[0] === BREAK)!
  expect(row[1]).toBeInstanceOf(Date)
  expect((row[1] as Date).toISOString().slice(0, 10)).toBe('2026-06-22')
  expect((row[2] as Date).toISOString().slice(0, 10)).toBe('2026-07-10')
  expect(row[3]).toBe(DEPARTMENT)
  const nationalRows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['National holidays']!, { header: 1 })
  expect(nationalRows.find((r) => r[1] === NATIONAL.name)?.[5]).toBe('No (working day)')
  await expect(page.getByTestId('holidays-downloaded')).toContainText('hadir-holidays-2026.xlsx')

  // An import with a department that does not exist: shown in words, nothing can be applied.
  const importer = page.getByTestId('holidays-import')
  await importer.getByTestId('holiday-import-file').setInputFiles({
    name: 'hari-libur-salah.xlsx',
    mimeType: XLSX_TYPE,
    buffer: sheetFile([[ANNIVERSARY, new Date('2026-09-14T00:00:00Z'), '', DEPARTMENT], [PENTAS, '3/10/2026', '4/10/2026', 'Kelas 13']]),
  })
  await expect(importer.getByTestId('holiday-import-count-invalid')).toContainText('1')
  await expect(importer.getByTestId('holiday-import-blocked')).toContainText('1 row has a problem, so nothing will be saved')
  await expect(importer.locator('[data-row="3"]')).toContainText('Departments: There is no department called Kelas 13.')
  await expect(importer.getByTestId('holiday-import-apply')).toBeDisabled()
  await importer.screenshot({ path: `${SHOTS}/holidays-import-refused.png` })

  // The corrected file: a preview first (nothing written yet), then applied.
  await importer.getByTestId('holiday-import-reset').click()
  await importer.getByTestId('holiday-import-file').setInputFiles({
    name: 'hari-libur.xlsx',
    mimeType: XLSX_TYPE,
    buffer: sheetFile([[ANNIVERSARY, new Date('2026-09-14T00:00:00Z'), '', DEPARTMENT], [PENTAS, '3/10/2026', '4/10/2026', DEPARTMENT], [BREAK, '22/6/2026', '10/7/2026', DEPARTMENT]]),
  })
  await expect(importer.getByTestId('holiday-import-count-create')).toContainText('2')
  await expect(importer.getByTestId('holiday-import-count-unchanged')).toContainText('1')
  await expect(importer.locator('[data-row="3"]')).toContainText('3–4 Oct 2026')
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: ANNIVERSARY })).toHaveCount(0)
  await importer.screenshot({ path: `${SHOTS}/holidays-import-preview.png` })
  await importer.getByTestId('holiday-import-apply').click()
  await expect(page.getByTestId('holidays-notice')).toContainText('2 days off were imported')
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: ANNIVERSARY })).toContainText(/Mon, 14 Sept? 2026/)
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: PENTAS })).toContainText('2 days')
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: BREAK })).toHaveCount(1)

  // Deleting asks first.
  await page.getByTestId('holiday-own-row').filter({ hasText: PENTAS }).getByTestId('holiday-delete').click()
  const confirm = page.getByTestId('holiday-delete-dialog')
  await expect(confirm).toContainText('3–4 Oct 2026')
  await confirm.getByTestId('holiday-delete-dialog-submit').click()
  await expect(page.getByTestId('holidays-notice')).toContainText(`${PENTAS} was deleted`)
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: PENTAS })).toHaveCount(0)

  // The next years: 2027's estimated days say so; 2028 has no national days in Hadir yet.
  await page.getByTestId('holidays-year-next').click()
  await expect(page).toHaveURL(/year=2027/)
  await expect(page.getByTestId('holidays-year-value')).toHaveText('2027')
  await expect(page.getByTestId('holidays-provisional-note')).toContainText('decree for 2027 is not out yet')
  await expect(national.locator('[data-date="2027-03-10"]')).toContainText('Estimate')
  await shotBoth(page, shot, 'holidays-2027')
  await page.getByTestId('holidays-year-next').click()
  await expect(page.getByTestId('holidays-national-unknown')).toHaveText(/^Hadir has no national holidays for 2028 yet/)
  await expect(page.getByTestId('holiday-own-row')).toHaveCount(0)
  await shotBoth(page, shot, 'holidays-2028')

  // In Indonesian, after a reload the address keeps the year.
  await page.getByTestId('holidays-year-previous').click()
  await page.getByTestId('holidays-year-previous').click()
  await expect(page).toHaveURL(/year=2026/)
  await page.getByTestId('language-id').click()
  await expect(page.locator('html')).toHaveAttribute('lang', 'id')
  await page.reload()
  await expect(page.getByTestId('holidays-year-value')).toHaveText('2026')
  await expect(national.locator(`[data-date="${NATIONAL.date}"]`)).toContainText('Masuk kerja')
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: BREAK }).getByTestId('holiday-own-dates')).toHaveText('22 Jun – 10 Jul 2026')
  await expect(page.getByTestId('holiday-own-row').filter({ hasText: BREAK })).toContainText('19 hari')
  await shotBoth(page, shot, 'holidays-id')

  // At phone width, editing opens the entry as it is (Indonesian words, the department ticked).
  await page.setViewportSize(PHONE)
  await page.getByTestId('holiday-own-row').filter({ hasText: BREAK }).getByTestId('holiday-edit').click()
  await expect(editor.getByTestId('holiday-name')).toHaveValue(BREAK)
  await expect(editor.getByTestId('holiday-end')).toHaveAttribute('data-value', '2026-07-10')
  await expect(editor.locator(`[data-testid="holiday-department"][data-name="${DEPARTMENT}"]`)).toBeChecked()
  await expect(editor).toContainText('Hanya departemen tertentu')
  await editor.screenshot({ path: `${SHOTS}/holidays-editor-390.png` })
  await editor.getByTestId('holiday-editor-cancel').click()
  await expect(editor).toBeHidden()
  await page.setViewportSize(DESKTOP)
})

test('staff who may see members read the days off but change nothing', async ({ page, shot }) => {
  await apiData(await admin.api.post(`/api/organizations/${admin.organizationId}/staff`, { data: { ...SUPPORT, role_key: 'support' } }))
  await signInDashboard(page, { user: SUPPORT })
  await page.getByTestId('nav-holidays').click()
  await expect(page.getByTestId('holidays-national')).toBeVisible()
  await expect(page.getByText('Only people who manage settings can change them.')).toBeVisible()
  await expect(page.getByRole('switch')).toHaveCount(0)
  await expect(page.getByTestId('holiday-add')).toHaveCount(0)
  await expect(page.getByTestId('holiday-edit')).toHaveCount(0)
  await expect(page.getByTestId('holidays-import')).toHaveCount(0)
  await expect(page.getByTestId('holidays-export-xlsx')).toBeEnabled()
  await shotBoth(page, shot, 'holidays-read-only')
})
