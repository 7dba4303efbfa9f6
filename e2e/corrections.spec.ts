import type { Browser, BrowserContext, Page } from '@playwright/test'
import { toLocal } from '../shared/attendance/rules'
import { addDays } from '../shared/calendar'
import { adminApi, type AdminApi, apiData } from './support/api'
import { BASE_URL, PHONE, SHOTS, watchedPage } from './support/browser'
import { expect, signInDashboard, test } from './support/fixtures'

// Correction requests, "lupa absen" (issue 17 item 5): a member asks on the phone (in Indonesian) for a day they forgot
// entirely and, from their history, for the check-out of a day they only checked in; the admin refuses one with a note
// and approves the other with an adjusted check-in on the dashboard; the member sees both answers and the day recorded.
// Everything happens in an organization of this spec's own, whose department works every day of the week.

test.describe.configure({ mode: 'serial' })

const PIN = '604917'
const REASON = 'HP ketinggalan di rumah'
const REASON_OUT = 'Baterai HP habis sore itu'
const NOTE = 'Tidak ada di daftar hadir rapat'

let admin: AdminApi
let organization: { id: number; name: string; slug: string }
let member: { id: number; name: string; code: string }
const today = () => toLocal(new Date(), 'Asia/Jakarta').date
let forgotten: string
let halfDay: string

test.beforeAll(async () => {
  admin = await adminApi(BASE_URL)
  organization = await apiData<{ id: number; name: string; slug: string }>(
    await admin.api.post('/api/organizations', { data: { name: `Koreksi E2E ${Date.now().toString(36)}`, timezone: 'Asia/Jakarta' } }),
  )
  await apiData(await admin.api.post('/api/auth/select', { data: { organization_id: organization.id } }))
  admin = { api: admin.api, organizationId: organization.id, organizationCode: organization.slug }
  const org = `/api/organizations/${organization.id}`
  const schedule = await apiData<{ id: number }>(
    await admin.api.post(`${org}/schedules`, { data: { name: 'Setiap hari', work_days: [1, 2, 3, 4, 5, 6, 7], start_time: '08:00', end_time: '16:00' } }),
  )
  const department = await apiData<{ id: number }>(await admin.api.post(`${org}/departments`, { data: { name: 'Tata Usaha' } }))
  await apiData(await admin.api.patch(`${org}/departments/${department.id}`, { data: { work_schedule_id: schedule.id } }))
  const name = 'Rina Kartika'
  const added = await apiData<{ id: number }>(
    await admin.api.post(`${org}/members`, { data: { name, member_number: `K-${Date.now().toString(36)}`, department_id: department.id, role: 'member', start_date: addDays(today(), -20) } }),
  )
  const invitation = await apiData<{ code: string }>(await admin.api.post(`${org}/members/${added.id}/invitations`, { data: {} }))
  member = { id: added.id, name, code: invitation.code }
  forgotten = addDays(today(), -2)
  halfDay = addDays(today(), -1)
  // Yesterday she checked in (recorded here by the admin) and never checked out.
  await apiData(await admin.api.post(`${org}/attendance`, { data: { member_id: member.id, attendance_date: halfDay, check_in_time: '07:55', reason: 'Absen masuk dari daftar hadir' } }))
})

test.afterAll(async () => {
  await admin?.api.dispose()
})

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0)
}

let phoneContext: BrowserContext
let phone: Page

async function openPhone(browser: Browser): Promise<void> {
  phoneContext = await browser.newContext({ baseURL: BASE_URL, viewport: PHONE, isMobile: true, hasTouch: true, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  phone = await watchedPage(phoneContext)
}

test('a member asks for a forgotten day, and for a forgotten check-out from their history', async ({ browser, shot }) => {
  await openPhone(browser)
  await phone.goto(`/m/invite/${member.code}`)
  await phone.getByTestId('invite-pin').fill(PIN)
  await phone.getByTestId('invite-pin-repeat').fill(PIN)
  await phone.getByTestId('invite-submit').click()
  await expect(phone.getByTestId('member-home')).toBeVisible()
  await expect(phone.getByTestId('nav-corrections')).toContainText('Lupa absen?')
  await shot(phone, 'corrections-member-home')

  await phone.getByTestId('nav-corrections').click()
  await expect(phone.getByTestId('member-corrections')).toHaveAttribute('data-mode', 'list')
  await expect(phone.getByText('Belum ada pengajuan')).toBeVisible()
  await shot(phone, 'corrections-member-empty')

  await phone.getByTestId('correction-new').click()
  await expect(phone.getByTestId('correction-form')).toBeVisible()
  await expect(phone.getByTestId('correction-date')).toHaveAttribute('data-value', today())
  // Nothing chosen: the form says what is missing, in Indonesian, before anything is sent.
  await phone.getByTestId('correction-submit').click()
  await expect(phone.getByTestId('correction-kind-error')).toHaveText('Pilih salah satu.')
  await expect(phone.getByTestId('correction-reason-error')).toBeVisible()

  await phone.getByTestId('correction-date').fill(forgotten)
  await phone.getByTestId('correction-kind-both').click()
  await expect(phone.getByTestId('correction-kind-error')).toHaveCount(0)
  // The times the kind asks for; a check-out before the check-in is refused at the field.
  await phone.getByTestId('correction-check-in').fill('08:10')
  await phone.getByTestId('correction-check-out').fill('07:00')
  await phone.getByTestId('correction-reason').fill(REASON)
  await phone.getByTestId('correction-submit').click()
  await expect(phone.getByTestId('correction-check-out-error')).toHaveText('Jam pulang harus setelah jam masuk.')
  await phone.getByTestId('correction-check-out').fill('16:05')
  await expect(phone.getByTestId('correction-check-out-error')).toHaveCount(0)
  await shot(phone, 'corrections-member-form', { fullPage: false })
  await noSidewaysScroll(phone)
  await phone.getByTestId('correction-submit').click()
  await expect(phone.getByTestId('correction-sent')).toBeVisible()
  const card = phone.getByTestId('correction-request')
  await expect(card).toHaveCount(1)
  await expect(card).toHaveAttribute('data-status', 'pending')
  await expect(card.getByTestId('correction-status')).toHaveText('Menunggu')
  await expect(card.getByTestId('correction-times')).toHaveText('Masuk 08.10 · Pulang 16.05')

  // The same day again is refused by the server, in words, at the day.
  await phone.getByTestId('correction-new').click()
  await phone.getByTestId('correction-date').fill(forgotten)
  await phone.getByTestId('correction-kind-check_in').click()
  await phone.getByTestId('correction-check-in').fill('08:00')
  await phone.getByTestId('correction-reason').fill('Lagi')
  await phone.getByTestId('correction-submit').click()
  await expect(phone.getByTestId('correction-date-error')).toContainText('Anda sudah mengajukan untuk hari ini')
  await phone.getByTestId('correction-form-cancel').click()

  // Yesterday, in the history, has a check-in and no check-out: it offers the request on that day.
  await phone.goto('/m/history')
  const day = phone.locator(`[data-testid="history-row"][data-date="${halfDay}"]`)
  await expect(day.getByTestId('history-check-in')).toContainText('07.55')
  await shot(phone, 'corrections-member-history-ask')
  await noSidewaysScroll(phone)
  await day.getByTestId('history-ask-correction').click()
  await expect(phone.getByTestId('correction-form')).toBeVisible()
  await expect(phone.getByTestId('correction-date')).toHaveAttribute('data-value', halfDay)
  await expect(phone.getByTestId('correction-kind-check_out').locator('input')).toBeChecked()
  await expect(phone.getByTestId('correction-check-in')).toHaveCount(0)
  await phone.getByTestId('correction-check-out').fill('16:30')
  await phone.getByTestId('correction-reason').fill(REASON_OUT)
  await phone.getByTestId('correction-submit').click()
  await expect(phone.getByTestId('correction-request')).toHaveCount(2)
  await shot(phone, 'corrections-member-pending')
  await noSidewaysScroll(phone)
})

test('the admin refuses one with a note and approves the other with an adjusted time', async ({ page, shot }) => {
  await signInDashboard(page, { organization: organization.name })
  await page.getByTestId('nav-corrections').click()
  await expect(page.getByTestId('corrections-pending-count')).toHaveText('2 waiting for a decision')
  const whole = page.getByTestId('corrections-row').filter({ hasText: REASON })
  const checkOut = page.getByTestId('corrections-row').filter({ hasText: REASON_OUT })
  await expect(whole).toContainText('In 08:10 · Out 16:05')
  await expect(checkOut).toContainText('Out 16:30')
  await shot(page, 'corrections-admin-pending')

  await page.setViewportSize({ width: 820, height: 1180 })
  await expect(whole).toBeVisible()
  await shot(page, 'corrections-admin-tablet')
  await noSidewaysScroll(page)
  await page.setViewportSize({ width: 1440, height: 900 })

  // Refusing needs a note the member reads.
  await checkOut.getByTestId('corrections-reject').click()
  const dialog = page.getByTestId('correction-decision-dialog')
  await expect(dialog).toHaveAttribute('data-mode', 'reject')
  await dialog.getByTestId('correction-decision-confirm').click()
  await expect(dialog).toContainText('Say why: the member reads it.')
  await dialog.getByTestId('correction-decision-note').fill(NOTE)
  await dialog.getByTestId('correction-decision-confirm').click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('corrections-notice')).toContainText(`Refused: ${member.name} can read your note.`)

  // Approving shows the times to record (the claim), which the admin may change.
  await whole.getByTestId('corrections-approve').click()
  await expect(dialog).toHaveAttribute('data-mode', 'approve')
  await expect(dialog.getByTestId('correction-approve-check-in')).toHaveAttribute('data-value', '08:10')
  await expect(dialog.getByTestId('correction-approve-check-out')).toHaveAttribute('data-value', '16:05')
  await dialog.getByTestId('correction-approve-check-in').fill('08:20')
  await dialog.getByTestId('correction-decision-note').fill('Jam masuk menurut satpam 08:20')
  await dialog.screenshot({ path: `${SHOTS}/corrections-admin-approve-dialog.png` })
  await dialog.getByTestId('correction-decision-confirm').click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('corrections-notice')).toContainText(`Approved: ${member.name}'s day is recorded.`)
  await expect(page.getByTestId('corrections-pending-count')).toHaveText('0 waiting for a decision')
  await expect(page.getByTestId('corrections-row')).toHaveCount(0)

  await page.getByTestId('corrections-filter-status').selectOption('')
  await expect(page.getByTestId('corrections-row')).toHaveCount(2)
  await expect(whole).toHaveAttribute('data-status', 'approved')
  await expect(whole.getByTestId('corrections-recorded')).toContainText('In 08:20 · Out 16:05')
  await expect(checkOut).toHaveAttribute('data-status', 'rejected')
  await expect(checkOut).toContainText(NOTE)
  await shot(page, 'corrections-admin-decided')

  // The day is a manual record, late by the member's schedule, whose history names the request.
  const records = await apiData<{ records: { id: number; attendance_date: string; status: string; check_in_time: string; source: string }[] }>(
    await admin.api.get(`/api/organizations/${organization.id}/attendance?member_id=${member.id}&start_date=${forgotten}&end_date=${forgotten}`),
  )
  expect(records.records).toMatchObject([{ attendance_date: forgotten, status: 'late', check_in_time: '08:20:00', source: 'manual' }])
  const detail = await apiData<{ history: { action: string; after: Record<string, unknown> }[] }>(await admin.api.get(`/api/organizations/${organization.id}/attendance/${records.records[0]!.id}`))
  expect(detail.history).toMatchObject([{ action: 'correction_request' }])
})

test('the member sees both answers, and the day recorded in their history', async ({ shot }) => {
  await phone.goto('/m/corrections')
  const approved = phone.locator('[data-testid="correction-request"][data-status="approved"]')
  const refused = phone.locator('[data-testid="correction-request"][data-status="rejected"]')
  await expect(approved.getByTestId('correction-status')).toHaveText('Disetujui')
  await expect(approved.getByTestId('correction-recorded')).toContainText('Masuk 08.20 · Pulang 16.05')
  await expect(approved.getByTestId('correction-cancel')).toHaveCount(0)
  await expect(refused.getByTestId('correction-status')).toHaveText('Ditolak')
  await expect(refused.getByTestId('correction-decision-note')).toContainText(NOTE)
  await shot(phone, 'corrections-member-answered')
  await noSidewaysScroll(phone)

  await phone.goto('/m/history')
  const day = phone.locator(`[data-testid="history-row"][data-date="${forgotten}"]`)
  await expect(day.getByTestId('history-check-in')).toContainText('08.20')
  await expect(day.getByTestId('history-check-out')).toContainText('16.05')
  await expect(day.getByTestId('history-correction')).toContainText('Koreksi: Disetujui')
  const refusedDay = phone.locator(`[data-testid="history-row"][data-date="${halfDay}"]`)
  await expect(refusedDay.getByTestId('history-correction')).toContainText('Ditolak')
  await shot(phone, 'corrections-member-history')
  await noSidewaysScroll(phone)
  await phoneContext.close()

  // The recap's day grid counts the corrected day: late (T, shown as an underlined H), no longer absent.
  const month = forgotten.slice(0, 7)
  const recap = await apiData<{ members: { member_id: number; days: string; late: number }[] }>(await admin.api.get(`/api/organizations/${organization.id}/reports/monthly?month=${month}`))
  const mine = recap.members.find((m) => m.member_id === member.id)!
  expect(mine.days[Number(forgotten.slice(8)) - 1]).toBe('T')
})
