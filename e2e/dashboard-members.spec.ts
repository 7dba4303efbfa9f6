import fs from 'node:fs'
import type { Page } from '@playwright/test'
import * as XLSX from 'xlsx'
import { adminApi, apiData } from './support/api'
import { BASE_URL, SHOTS } from './support/browser'
import { expect, test } from './support/fixtures'

// Members on the dashboard: the Excel import (template, preview with row errors, apply), the member page (edit,
// delete) and the organization structure. Builds on the organization the foundation spec set up.
test.describe.configure({ mode: 'serial' })
test.use({ shotsWaitForIdle: true })

const TABLET = { width: 1024, height: 768 }
const STAMP = Date.now().toString(36).slice(-5).toUpperCase()
const num = (i: number) => `E2E-${STAMP}-${i}`

// Runs the first-time setup when this spec runs alone.
test.beforeAll(async () => {
  await (await adminApi(BASE_URL)).api.dispose()
})

async function noHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(1)
}

test('the admin fills in the template and imports it: bad rows are shown with reasons, the rest is imported', async ({ adminPage: page, shot }) => {
  await page.getByTestId('nav-members').click()
  await page.getByTestId('member-import-open').click()
  await expect(page).toHaveURL(/\/admin\/members\/import$/)
  await shot(page, 'members-import')

  // The template: the expected columns and an example row.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-template-en').click()])
  expect(download.suggestedFilename()).toBe('hadir-members-template.xlsx')
  const template = XLSX.read(fs.readFileSync((await download.path())!), { type: 'buffer' })
  const sheet = template.Sheets[template.SheetNames[0]!]!
  const rows = XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1, raw: false })
  expect(rows[0]).toEqual(['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'])
  expect(rows).toHaveLength(2)

  // Replace the example row with ours: four good rows and two bad ones.
  XLSX.utils.sheet_add_aoa(
    sheet,
    [
      ['Ayu Kartika', `ayu.${STAMP.toLowerCase()}@harapan.sch.id`, '0812 7000 0001', num(1), 'Kelas XI IPA 2', 'Siswa', 'member'],
      ['Bagus Pratama', '', '0812 7000 0002', num(2), 'Kelas XI IPA 2', 'Siswa', ''],
      ['Cahya Lestari', '', '', num(3), 'Kelas XI IPS 1', 'Ketua Kelas', 'siswa'],
      ['Dimas Saputra', `dimas.${STAMP.toLowerCase()}@harapan.sch.id`, '', num(4), 'Kelas XI IPS 1', 'Siswa', 'petugas'],
      ['Eko Bad Email', 'bukan-email', '', num(5), '', '', ''],
      ['', '', '', num(6), 'Kelas XI IPA 2', '', ''],
    ],
    { origin: 'A2' },
  )
  const file = XLSX.write(template, { type: 'buffer', bookType: 'xlsx' }) as Buffer

  await page.getByTestId('import-file').setInputFiles({ name: 'kelas-xi.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file })
  await expect(page.getByTestId('import-preview')).toBeVisible()
  await expect(page.getByTestId('import-count-create')).toContainText('4')
  await expect(page.getByTestId('import-count-error')).toContainText('2')
  await expect(page.getByTestId('import-new-departments')).toContainText('Kelas XI IPA 2')
  // The problem rows are listed first, each with its column and reason.
  const bad = page.getByTestId('import-row-reason')
  await expect(page.getByTestId('import-rows').locator('tbody tr')).toHaveCount(2)
  await expect(page.getByTestId('import-rows').locator('[data-row="6"]')).toContainText('Email: not a valid email address')
  await expect(page.getByTestId('import-rows').locator('[data-row="7"]')).toContainText('Name: required')
  await expect(bad).toHaveCount(2)
  await shot(page, 'members-import-preview')

  await page.getByTestId('import-filter-create').click()
  await expect(page.getByTestId('import-row-create')).toHaveCount(4)
  await page.getByTestId('import-apply').click()
  await expect(page.getByTestId('import-done')).toBeVisible()
  await expect(page.getByTestId('import-done')).toContainText('4 new, 0 updated, 0 unchanged, 2 skipped')
  await shot(page, 'members-import-done')

  // Importing the same file again changes nothing.
  await page.getByTestId('import-again').click()
  await page.getByTestId('import-file').setInputFiles({ name: 'kelas-xi.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file })
  await expect(page.getByTestId('import-count-unchanged')).toContainText('4')
  await expect(page.getByTestId('import-count-create')).toContainText('0')
  await expect(page.getByTestId('import-apply')).toBeDisabled()

  // A broken file is refused with a clear message, and nothing changes.
  await page.getByTestId('import-another').click()
  await page.getByTestId('import-file').setInputFiles({ name: 'rusak.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\u0003\u0004 not really a workbook') })
  await expect(page.getByTestId('import-error')).toContainText('could not be read')

  // The imported members are in the list, filterable by department.
  await page.getByTestId('nav-members').click()
  await page.getByTestId('member-search').fill(`E2E-${STAMP}`)
  await expect(page.getByTestId('member-row')).toHaveCount(4)
  await page.getByTestId('filter-role').selectOption('petugas')
  await expect(page.getByTestId('member-row')).toHaveCount(1)
  await expect(page.getByTestId('member-row')).toContainText('Dimas Saputra')
  // The filters live in the address: a reload (or a shared link) shows the same list with the same choices.
  await expect(page).toHaveURL(/[?&]role=petugas/)
  await expect(page).toHaveURL(new RegExp(`[?&]q=E2E-${STAMP}`))
  await page.reload()
  await expect(page.getByTestId('filter-role')).toHaveValue('petugas')
  await expect(page.getByTestId('member-search')).toHaveValue(`E2E-${STAMP}`)
  await expect(page.getByTestId('member-row')).toHaveCount(1)
  await page.getByTestId('filter-role').selectOption('')
  await expect(page.getByTestId('member-row')).toHaveCount(4)
  await shot(page, 'members-filtered')
})

test('the admin opens a member, edits them, sends an invitation with a QR code, then deletes them', async ({ adminPage: page, shot }) => {
  await page.getByTestId('nav-members').click()
  await page.getByTestId('member-search').fill(num(2))
  await expect(page.getByTestId('member-row')).toHaveCount(1)
  await page.getByTestId('member-link').click()
  await expect(page).toHaveURL(/\/admin\/members\/\d+$/)
  await expect(page.getByTestId('member-detail-name')).toHaveText('Bagus Pratama')
  await expect(page.getByTestId('member-face')).toContainText('Not yet')
  await expect(page.getByTestId('member-attendance')).toContainText('No attendance yet')

  await page.getByTestId('member-edit').click()
  await page.getByTestId('member-phone').fill('0813 1234 5678')
  await page.getByTestId('member-department').selectOption({ label: 'Kelas XI IPS 1' })
  await page.getByTestId('member-submit').click()
  await expect(page.getByTestId('member-notice')).toContainText('saved')
  await expect(page.getByTestId('member-phone-value')).toHaveText('0813 1234 5678')
  await expect(page.getByTestId('member-department-value')).toHaveText('Kelas XI IPS 1')

  await page.getByTestId('member-detail-invite').click()
  const dialog = page.getByTestId('invitation-dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('qr-image')).toBeVisible()
  const link = (await dialog.getByTestId('invitation-link').textContent())?.trim() ?? ''
  expect(link).toMatch(/\/m\/invite\/\S+$/)
  await expect(dialog.getByTestId('qr-image')).toHaveAttribute('data-value', link)
  await dialog.screenshot({ path: `${SHOTS}/member-invitation-qr.png` })
  await dialog.getByTestId('dialog-close').click()
  await expect(page.getByTestId('member-invitation-pending')).toBeVisible()
  await shot(page, 'member-detail')

  // Tablet width: the page fits.
  await page.setViewportSize(TABLET)
  await noHorizontalOverflow(page)
  await page.setViewportSize({ width: 1440, height: 900 })

  // Delete, confirmed: an active member is deactivated first.
  await page.getByTestId('member-delete').click()
  const confirm = page.getByTestId('member-action-dialog')
  await expect(confirm).toContainText('Delete Bagus Pratama for good?')
  await expect(confirm).toContainText('deactivated first')
  await confirm.screenshot({ path: `${SHOTS}/member-delete-dialog.png` })
  await page.getByTestId('member-action-dialog-cancel').click()
  await expect(confirm).toBeHidden()
  await page.getByTestId('member-delete').click()
  await page.getByTestId('member-action-dialog-submit').click()
  await expect(page).toHaveURL(/\/admin\/members$/)
  await expect(page.getByTestId('member-deleted')).toContainText('Bagus Pratama was deleted')
  await page.getByTestId('member-search').fill(num(2))
  await expect(page.getByTestId('member-row')).toHaveCount(0)

  const { api, organizationId } = await adminApi(BASE_URL)
  const found = await apiData<{ total: number }>(await api.get(`/api/organizations/${organizationId}/members?q=${num(2)}`))
  expect(found.total).toBe(0)
})

test('the organization structure: schedules, departments that follow them, locations; in-use rows are not deleted', async ({ adminPage: page, shot }) => {
  await page.goto('/admin/structure')
  await expect(page.getByTestId('structure-departments')).toContainText('Kelas XI IPA 2')

  await page.getByTestId('structure-schedules-add').click()
  await page.getByTestId('structure-name').fill(`Pagi ${STAMP}`)
  await page.getByTestId('structure-day-6').check()
  await page.getByTestId('structure-start').fill('07:00')
  await page.getByTestId('structure-end').fill('13:00')
  await page.getByTestId('structure-tolerance').fill('10')
  // A short Friday: its own hours, checked like the server checks them (the end after the start).
  await expect(page.getByTestId('structure-day-hours-5')).toContainText('07:00–13:00')
  await page.getByTestId('structure-day-own-5').check()
  await page.getByTestId('structure-day-start-5').fill('07:00')
  await page.getByTestId('structure-day-end-5').fill('06:00')
  await page.getByTestId('structure-editor-submit').click()
  await expect(page.getByTestId('structure-editor')).toContainText('The day ends after it starts.')
  // A 24-hour clock whatever the browser's: "1100" reads as 11:00, shown the app's way.
  await page.getByTestId('structure-day-end-5').fill('1100')
  await page.getByTestId('structure-day-end-5').blur()
  await expect(page.getByTestId('structure-day-end-5')).toHaveValue('11:00')
  await shot(page, 'members-structure-day-hours')
  await page.getByTestId('structure-editor-submit').click()
  const morning = page.getByTestId('structure-schedule-row').filter({ hasText: `Pagi ${STAMP}` })
  await expect(morning).toContainText('Mon, Tue, Wed, Thu, Fri, Sat')
  await expect(morning.getByTestId('structure-schedule-day-hours')).toHaveText('Fri 07:00–11:00')
  // Opened again, the editor shows the Friday's own hours.
  await morning.getByTestId('structure-edit').click()
  await expect(page.getByTestId('structure-day-own-5')).toBeChecked()
  await expect(page.getByTestId('structure-day-end-5')).toHaveAttribute('data-value', '11:00')
  await page.getByTestId('structure-editor-cancel').click()

  const ipa = page.getByTestId('structure-department-row').filter({ hasText: 'Kelas XI IPA 2' })
  await ipa.getByTestId('structure-edit').click()
  await page.getByTestId('structure-code').fill('XI-IPA2')
  await page.getByTestId('structure-schedule').selectOption({ label: `Pagi ${STAMP} (07:00–13:00)` })
  await page.getByTestId('structure-editor-submit').click()
  await expect(ipa).toContainText(`Pagi ${STAMP}`)
  await expect(ipa).toContainText('XI-IPA2')

  // In use: refused with the reason.
  await ipa.getByTestId('structure-delete').click()
  await page.getByTestId('structure-delete-dialog-submit').click()
  await expect(page.getByTestId('structure-delete-dialog-error')).toContainText('member(s) still use it')
  await page.getByTestId('structure-delete-dialog-cancel').click()

  await page.getByTestId('structure-locations-add').click()
  await page.getByTestId('structure-name').fill(`Gerbang ${STAMP}`)
  await page.getByTestId('structure-latitude').fill('-6.2')
  await page.getByTestId('structure-editor-submit').click()
  await expect(page.getByTestId('structure-editor')).toContainText('Give both latitude and longitude')
  await page.getByTestId('structure-longitude').fill('106.816666')
  await page.getByTestId('structure-radius').fill('150')
  await page.getByTestId('structure-editor-submit').click()
  const gate = page.getByTestId('structure-location-row').filter({ hasText: `Gerbang ${STAMP}` })
  await expect(gate).toContainText('-6.20000, 106.81667')
  await expect(gate).toContainText('radius 150 m')
  await shot(page, 'members-structure')

  await gate.getByTestId('structure-delete').click()
  await page.getByTestId('structure-delete-dialog-submit').click()
  await expect(gate).toHaveCount(0)

  await page.setViewportSize(TABLET)
  await noHorizontalOverflow(page)
  await page.getByTestId('language-id').click()
  await expect(page.getByTestId('structure-departments')).toContainText('Departemen')
  await shot(page, 'members-structure-tablet-id')
  await page.getByTestId('language-en').click()
})
