import path from 'node:path'
import { request } from '@playwright/test'
import { BASE_URL, cameraBrowser } from './support/browser'
import { VIDEO_DIR } from './support/fake-camera'
import { expect, signInDashboard, test } from './support/fixtures'
import { AT_GATE, KIOSK_PEOPLE, KIOSK_PIN, kioskCast, logKioskUntil, personFrames, recent } from './support/kiosk'
import { writeY4m } from './support/y4m'
import { WebhookReceiver } from '../tools/test-support/webhook-receiver'

// Integrations (issue 19): an admin makes an API token and a webhook on the dashboard's Integrations page; the token
// reads the organization's members and cannot write; then a pupil walks up to the petugas tablet at the gate (kiosk
// mode, Chromium with a fake camera fed from a real photo, the face registered through the API from another photo),
// is recognised and recorded, and the receiver, a small HTTP server of this spec on 127.0.0.1 (scripts/test.mjs starts
// the server with private targets allowed), gets the signed attendance.recorded event with origin "kiosk", which the
// page's delivery log then shows as delivered.

test.describe.configure({ mode: 'serial' })

const receiver = new WebhookReceiver()
let receiverUrl: string
const { stamp, org: kioskOrg, registered } = kioskCast()

test.beforeAll(async () => {
  receiverUrl = await receiver.start()
})

test.afterAll(async () => {
  await receiver.stop()
})

test('an admin creates a token and a webhook, and sees a delivery arrive after a kiosk check-in', async ({ page, openTablet, shot }) => {
  test.setTimeout(900_000)
  const org = await kioskOrg(`Integrasi ${stamp}`, false)
  const pupil = await registered(org, 'a')
  await signInDashboard(page, { organization: org.name, from: '/admin' })
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
  const members = await integrator.get(`/api/organizations/${org.id}/members`)
  expect(members.status()).toBe(200)
  expect(((await members.json()) as { data: { members: { id: number }[] } }).data.members.map((m) => m.id)).toContain(pupil.id)
  expect((await integrator.post(`/api/organizations/${org.id}/departments`, { data: { name: 'Tidak boleh' } })).status()).toBe(403)
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

  // The pupil at the gate: the kiosk recognises her, asks for its head turn and records her check-in.
  const browser = await cameraBrowser(writeY4m(path.join(VIDEO_DIR, 'integrations-kiosk.y4m'), await personFrames(KIOSK_PEOPLE.a, 'integrations-a')))
  try {
    const { page: tablet } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    await tablet.goto('/p')
    await expect(tablet.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '1', { timeout: 60_000 })
    await tablet.getByTestId('kiosk-start').click()
    await expect(tablet.getByTestId('kiosk-mode')).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    await logKioskUntil(tablet, expect(recent(tablet, pupil.id)).toHaveCount(1, { timeout: 180_000 }))
    await expect(tablet.getByTestId('sync-status')).toHaveAttribute('data-pending', '0', { timeout: 60_000 })
  } finally {
    await browser.close()
  }
  const event = () => receiver.of('attendance.recorded').find((r) => r.json.data.member_id === pupil.id)
  await expect.poll(() => event()?.verified ?? null, { timeout: 60_000 }).toBe(true)
  expect(event()!.json.data).toMatchObject({ kind: 'check_in', origin: 'kiosk', member_id: pupil.id })
  expect(event()!.json.data.record_id).toEqual(expect.any(Number))

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
