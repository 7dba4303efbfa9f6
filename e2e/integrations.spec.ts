import { request } from '@playwright/test'
import { AttendanceDay } from './support/attendance'
import { BASE_URL } from './support/browser'
import { expect, test } from './support/fixtures'
import { WebhookReceiver } from '../tools/test-support/webhook-receiver'

// Integrations (issue 19): an admin makes an API token and a webhook on the dashboard's Integrations page; the token
// reads the organization's members; a member checks in from their phone (the real sync API), and the receiver, a
// small HTTP server of this spec on 127.0.0.1 (scripts/test.mjs starts the server with private targets allowed), gets
// the signed attendance.recorded event, which the page's delivery log then shows as delivered.

const receiver = new WebhookReceiver()
let receiverUrl: string
let day: AttendanceDay

test.beforeAll(async () => {
  receiverUrl = await receiver.start()
  day = await AttendanceDay.open()
})

test.afterAll(async () => {
  await receiver.stop()
  await day?.dispose()
})

test('an admin creates a token and a webhook, and sees a delivery arrive after a check-in', async ({ adminPage: page, shot }) => {
  await page.getByRole('link', { name: 'Integrations' }).click()
  await expect(page.getByTestId('integrations-title')).toHaveText('Integrations')

  // A token: read-only unless chosen otherwise; its secret shown once.
  await page.getByTestId('token-open').click()
  await expect(page.getByTestId('token-permission-attendance:record:view')).toBeChecked()
  await expect(page.getByTestId('token-permission-member:manage')).not.toBeChecked()
  await page.getByTestId('token-name').fill('Payroll export')
  await page.getByTestId('token-submit').click()
  const secret = (await page.getByTestId('token-secret').textContent())!.trim()
  expect(secret).toMatch(/^hdr_/)
  await page.getByTestId('dialog-close').click()
  await expect(page.getByTestId('token-row').filter({ hasText: 'Payroll export' })).toContainText('Active')

  // The token reads the organization's members, and cannot write.
  const integrator = await request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } })
  const members = await integrator.get(`/api/organizations/${day.admin.organizationId}/members`)
  expect(members.status()).toBe(200)
  expect((await integrator.post(`/api/organizations/${day.admin.organizationId}/departments`, { data: { name: 'Tidak boleh' } })).status()).toBe(403)
  await integrator.dispose()

  // A webhook to the receiver, subscribed to every event; its signing secret shown once.
  await page.getByTestId('webhook-open').click()
  await page.getByTestId('webhook-url').fill(receiverUrl)
  await page.getByTestId('webhook-description').fill('Payroll')
  await page.getByTestId('webhook-submit').click()
  receiver.secret = (await page.getByTestId('webhook-secret').textContent())!.trim()
  expect(receiver.secret).toMatch(/^whsec_/)
  await page.getByTestId('dialog-close').click()
  await expect(page.getByTestId('webhook-card').filter({ hasText: receiverUrl })).toHaveAttribute('data-enabled', 'true')

  // A member checks in from their phone.
  const member = await day.member('Wahyu Integrasi')
  const recordId = await day.checkIn(member.phone, member.id)
  await expect.poll(() => receiver.of('attendance.recorded').find((r) => r.json.data.record_id === recordId)?.verified ?? null, { timeout: 60_000 }).toBe(true)

  // The delivery log says it was delivered, with the receiver's answer.
  const card = page.getByTestId('webhook-card').filter({ hasText: receiverUrl })
  const delivered = card.getByTestId('delivery-row').and(page.locator('[data-event="attendance.recorded"][data-status="succeeded"]'))
  await expect(async () => {
    await card.getByTestId('deliveries-refresh').click()
    await expect(delivered.first()).toBeVisible({ timeout: 2000 })
  }).toPass({ timeout: 60_000 })
  await expect(delivered.first()).toContainText('HTTP 200')
  await shot(page, 'integrations-desktop')
})
