import type { Browser, BrowserContext, Page } from '@playwright/test'
import { toLocal } from '../shared/attendance/rules'
import { adminApi, type AdminApi, apiData, workingDaysFromToday } from './support/api'
import { BASE_URL, PHONE, SHOTS, watchedPage } from './support/browser'
import { expect, signInDashboard, test, useServiceWorker } from './support/fixtures'

// Leave requests (issue 4, "excused comes from an approved request"): a member asks for sick leave on the phone (in
// Indonesian, the primary language), sees that it needs the network when offline, the admin approves it on the
// dashboard, and the member sees the decision and the excused day in their history.
// Everything happens in an organization of this spec's own. The member's department works every day of the week, and
// the organization does not observe a national holiday today, so today is a working day whatever day the test runs.

test.describe.configure({ mode: 'serial' })

const PIN = '604917'
const REASON = 'Demam tinggi, ada surat dokter'
const NOTE = 'Semoga lekas sembuh'

let admin: AdminApi
let organization: { id: number; name: string }
let member: { id: number; name: string; code: string }

test.beforeAll(async () => {
  admin = await adminApi(BASE_URL)
  const created = await apiData<{ id: number; name: string; slug: string }>(
    await admin.api.post('/api/organizations', { data: { name: `Izin E2E ${Date.now().toString(36)}`, timezone: 'Asia/Jakarta' } }),
  )
  organization = created
  await apiData(await admin.api.post('/api/auth/select', { data: { organization_id: created.id } }))
  admin = { api: admin.api, organizationId: created.id, organizationCode: created.slug }
  await workingDaysFromToday(admin)
  const org = `/api/organizations/${created.id}`
  const schedule = await apiData<{ id: number }>(
    await admin.api.post(`${org}/schedules`, { data: { name: 'Setiap hari', work_days: [1, 2, 3, 4, 5, 6, 7], start_time: '08:00', end_time: '16:00' } }),
  )
  const department = await apiData<{ id: number }>(await admin.api.post(`${org}/departments`, { data: { name: 'Perpustakaan' } }))
  await apiData(await admin.api.patch(`${org}/departments/${department.id}`, { data: { work_schedule_id: schedule.id } }))
  const name = 'Dewi Anggraini'
  const added = await apiData<{ id: number }>(
    await admin.api.post(`${org}/members`, { data: { name, member_number: `L-${Date.now().toString(36)}`, department_id: department.id, role: 'member' } }),
  )
  const invitation = await apiData<{ code: string }>(await admin.api.post(`${org}/members/${added.id}/invitations`, { data: {} }))
  member = { id: added.id, name, code: invitation.code }
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
  // Kept for the last test: its uncaught errors count for whichever test is running (support/browser.ts watchPage).
  phone = await watchedPage(phoneContext)
}

test('a member asks for sick leave on the phone, and is told it needs the network when offline', async ({ browser, shot }) => {
  useServiceWorker()
  await openPhone(browser)
  await phone.goto(`/m/invite/${member.code}`)
  await phone.getByTestId('invite-pin').fill(PIN)
  await phone.getByTestId('invite-pin-repeat').fill(PIN)
  // The server's answer about the member's face is held until the test has seen the home waiting for it: the home shows
  // its tiles only once it is known, so nothing moves under a finger about to tap one (a tap on a tile that then moved
  // down did nothing on a busy machine).
  let answerFace!: () => void
  const faceAnswered = new Promise<void>((resolve) => (answerFace = resolve))
  await phone.route(`**/api/members/${member.id}/face`, async (route) => {
    await faceAnswered
    await route.continue()
  })
  await phone.getByTestId('invite-submit').click()
  await expect(phone.getByTestId('member-home')).toBeVisible()
  await expect(phone.getByTestId('member-home-loading')).toBeVisible()
  await expect(phone.getByTestId('nav-leave')).toHaveCount(0)
  answerFace()
  await expect(phone.getByTestId('face-not-registered')).toBeVisible()
  await phone.unroute(`**/api/members/${member.id}/face`)

  await phone.getByTestId('nav-leave').click()
  await expect(phone.getByTestId('member-leave')).toHaveAttribute('data-mode', 'list')
  await expect(phone.getByText('Belum ada permohonan')).toBeVisible()
  await shot(phone, 'leave-member-empty')

  await phone.getByTestId('leave-new').click()
  await expect(phone.getByTestId('leave-form')).toBeVisible()
  // Nothing chosen yet: the form says what is missing, in Indonesian, before anything is sent.
  await phone.getByTestId('leave-submit').click()
  await expect(phone.getByTestId('leave-kind-error')).toHaveText('Pilih salah satu.')
  await expect(phone.getByTestId('leave-reason-error')).toBeVisible()

  await phone.getByTestId('leave-kind-sick').click()
  await expect(phone.getByTestId('leave-kind-error')).toHaveCount(0)
  await phone.getByTestId('leave-today').click()
  const today = toLocal(new Date(), 'Asia/Jakarta').date
  await expect(phone.getByTestId('leave-start')).toHaveAttribute('data-value', today)
  await expect(phone.getByTestId('leave-end')).toHaveAttribute('data-value', today)
  await expect(phone.getByTestId('leave-days')).toContainText('Total 1 hari')
  await phone.getByTestId('leave-reason').fill(REASON)
  await expect(phone.getByTestId('leave-reason-error')).toHaveCount(0)

  // Offline: the page says the request needs the network and the send button waits for it.
  await phoneContext.setOffline(true)
  await expect(phone.getByTestId('leave-offline')).toContainText('perlu koneksi internet')
  await expect(phone.getByTestId('leave-submit')).toBeDisabled()
  await shot(phone, 'leave-member-offline', { fullPage: false })
  await phoneContext.setOffline(false)
  await expect(phone.getByTestId('leave-offline')).toHaveCount(0)
  await expect(phone.getByTestId('leave-submit')).toBeEnabled()
  await shot(phone, 'leave-member-form', { fullPage: false })
  await noSidewaysScroll(phone)

  await phone.getByTestId('leave-submit').click()
  await expect(phone.getByTestId('leave-sent')).toBeVisible()
  const card = phone.getByTestId('leave-request')
  await expect(card).toHaveCount(1)
  await expect(card).toHaveAttribute('data-status', 'pending')
  await expect(card.getByTestId('leave-status')).toHaveText('Menunggu')
  await expect(card).toContainText('Sakit')
  await expect(card).toContainText(REASON)
  await shot(phone, 'leave-member-pending')
  await noSidewaysScroll(phone)
})

test('the admin approves it on the dashboard; the day becomes excused', async ({ page, shot }) => {
  await signInDashboard(page, { organization: organization.name })
  await page.goto('/admin/leave')

  await expect(page.getByTestId('leave-pending-count')).toHaveText('1 waiting for a decision')
  const row = page.getByTestId('leave-row').filter({ hasText: member.name })
  await expect(row).toHaveAttribute('data-status', 'pending')
  await expect(row).toContainText('Sick')
  await expect(row).toContainText(REASON)
  await shot(page, 'leave-admin-pending')

  // At tablet width the page still fits.
  await page.setViewportSize({ width: 820, height: 1180 })
  await page.reload()
  await expect(row).toBeVisible()
  await shot(page, 'leave-admin-tablet')
  await noSidewaysScroll(page)
  const tableOverflow = await page.getByTestId('leave-table').evaluate((table) => table.parentElement!.scrollWidth - table.parentElement!.clientWidth)
  expect(tableOverflow, 'the table scrolls sideways on a tablet').toBeLessThanOrEqual(0)
  await page.setViewportSize({ width: 1440, height: 900 })

  // Rejecting needs a note the member reads: an empty (or blank) one is refused in words, nothing is sent.
  await row.getByTestId('leave-reject').click()
  const dialog = page.getByTestId('leave-decision-dialog')
  await expect(dialog).toHaveAttribute('data-mode', 'reject')
  await dialog.getByTestId('leave-decision-note').fill('   ')
  await dialog.getByTestId('leave-decision-confirm').click()
  await expect(dialog).toContainText('Say why, so the member knows.')
  await expect(dialog.getByTestId('leave-decision-note')).toBeFocused()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(row).toHaveAttribute('data-status', 'pending')

  await row.getByTestId('leave-approve').click()
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText(`Approve the request of ${member.name}?`)
  await dialog.getByTestId('leave-decision-note').fill(NOTE)
  await dialog.screenshot({ path: `${SHOTS}/leave-admin-approve-dialog.png` })
  await dialog.getByTestId('leave-decision-confirm').click()
  await expect(dialog).toBeHidden()
  await expect(page.getByTestId('leave-notice')).toContainText(`The request of ${member.name} is approved: 1 day recorded as excused.`)
  await expect(page.getByTestId('leave-pending-count')).toHaveText('0 waiting for a decision')

  // The pending queue is empty now; the request is under "Approved".
  await expect(page.getByTestId('leave-row')).toHaveCount(0)
  await page.getByTestId('leave-filter-status').selectOption('approved')
  const approved = page.getByTestId('leave-row').filter({ hasText: member.name })
  await expect(approved).toHaveAttribute('data-status', 'approved')
  await expect(approved).toContainText('1 day recorded as excused')
  await expect(approved).toContainText(NOTE)
  await expect(approved.getByTestId('leave-approve')).toHaveCount(0)
  await shot(page, 'leave-admin-approved')

  const listed = await apiData<unknown>(await admin.api.get(`/api/organizations/${organization.id}/leave-requests?status=approved`))
  expect(listed).toMatchObject({ total: 1, leave_requests: [{ member: { id: member.id }, status: 'approved', excused_days: 1 }] })
})

test('the member sees the decision, and the excused day in their history', async ({ shot }) => {
  await phone.goto('/m/leave')
  const card = phone.getByTestId('leave-request')
  await expect(card).toHaveAttribute('data-status', 'approved')
  await expect(card.getByTestId('leave-status')).toHaveText('Disetujui')
  await expect(card.getByTestId('leave-decision-note')).toContainText(NOTE)
  await expect(card.getByTestId('leave-cancel')).toHaveCount(0)
  await shot(phone, 'leave-member-approved')

  await phone.goto('/m/history')
  const today = toLocal(new Date(), 'Asia/Jakarta').date
  const day = phone.locator(`[data-testid="history-row"][data-date="${today}"]`)
  // The excused day says its kind: the request was for a sick day.
  await expect(day.getByTestId('history-status')).toHaveText('Sakit')
  await expect(day).toContainText(`Sakit: ${REASON}`)
  await shot(phone, 'leave-member-history')
  await phoneContext.close()
})
