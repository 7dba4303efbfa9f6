import crypto from 'node:crypto'
import { type Browser, type Page, request } from '@playwright/test'
import { adminApi, type AdminApi, apiData, inviteMember } from './support/api'
import { watchedPage, watchPage } from './support/browser'
import { expect, type ShotOptions, signInDashboard, test } from './support/fixtures'

// Settings and administration on the dashboard (issue 5): custom roles and who holds them, the sync log, the audit
// log and the attendance rules (with the review of offline captures, issue 13). Runs after e2e/foundation.spec.ts (its organization and admin).
test.describe.configure({ mode: 'serial' })
test.use({ shotsWaitForIdle: true })

const TABLET = { width: 1024, height: 768 }
const ROLE = 'Pemantau Laporan'
const run = crypto.randomBytes(3).toString('hex')
const SARI = { name: 'Bu Sari Lestari', email: `sari.${run}@harapan.sch.id`, password: 'sari-rahasia-1' }
const RINA = { name: 'Bu Rina Wulandari', email: `rina.${run}@harapan.sch.id`, password: 'rina-rahasia-1' }
const PHONE_ID = `e2e-phone-${run}`

let admin: AdminApi

test.beforeAll(async ({ baseURL }) => {
  admin = await adminApi(baseURL!)
  // A staff person who will get the custom role from the role's holder list.
  await apiData(await admin.api.post(`/api/organizations/${admin.organizationId}/staff`, { data: { ...SARI, role_key: 'support' } }))
})
test.afterAll(async () => {
  await admin?.api.dispose()
})
async function noHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
}

test('the admin creates a custom role, gives it to staff, and its holder sees only what it allows', async ({ adminPage: page, browser, shot }) => {
  await page.getByTestId('nav-roles').click()
  await expect(page.getByTestId('system-role-row')).toHaveCount(5)
  await expect(page.getByTestId('system-roles')).toContainText('Petugas')

  await page.getByTestId('role-add-open').click()
  await page.getByTestId('role-name').fill(ROLE)
  // Without a permission, nothing is sent.
  await page.getByTestId('role-submit').click()
  await expect(page.getByTestId('role-permissions-error')).toBeVisible()
  // A dashboard role offers only dashboard permissions; an app role only app ones.
  await expect(page.getByTestId('role-permission-attendance:record:capture')).toHaveCount(0)
  await page.getByTestId('role-surface-mobile').check()
  await expect(page.getByTestId('role-permission-attendance:record:capture')).toBeVisible()
  await expect(page.getByTestId('role-permission-report:generate')).toHaveCount(0)
  await page.getByTestId('role-surface-web').check()
  await page.getByTestId('role-permission-report:generate').check()
  await shot(page, 'settings-role-form')
  await page.getByTestId('role-submit').click()
  await expect(page.getByTestId('roles-notice')).toContainText(ROLE)
  const row = page.getByTestId('custom-role-row').filter({ hasText: ROLE })
  await expect(row).toContainText('Make reports')
  await expect(row).toContainText('Dashboard')

  // Give it to Sari from the role's holder list.
  await row.getByTestId('role-holders').click()
  const dialog = page.getByTestId('role-holders-dialog')
  await expect(dialog.getByTestId('holders-empty')).toBeVisible()
  await dialog.getByTestId('holder-staff').selectOption({ label: `${SARI.name} · ${SARI.email}` })
  await dialog.getByTestId('holder-add').click()
  await expect(dialog.getByTestId('holders-done')).toContainText(SARI.name)
  await expect(dialog.getByTestId('holder-row')).toHaveCount(1)
  await shot(page, 'settings-role-holders')
  await dialog.getByTestId('dialog-close').click()
  await expect(row.getByTestId('role-holders')).toContainText('1 person')
  await shot(page, 'settings-roles')

  // A new staff person who holds only the custom role, added on the Staff page.
  await page.getByTestId('nav-staff').click()
  await expect(page.getByTestId('staff-row').filter({ hasText: SARI.name }).getByTestId('staff-role-badge')).toHaveText([/Support/, new RegExp(ROLE)])
  await page.getByTestId('staff-add-open').click()
  await page.getByTestId('staff-name').fill(RINA.name)
  await page.getByTestId('staff-email').fill(RINA.email)
  await page.getByTestId('staff-password').fill(RINA.password)
  await page.getByTestId('staff-role').selectOption({ label: ROLE })
  await page.getByTestId('staff-submit').click()
  const rina = page.getByTestId('staff-row').filter({ hasText: RINA.name })
  await expect(rina.getByTestId('staff-role-badge')).toHaveText([new RegExp(ROLE)])
  await shot(page, 'settings-staff')

  // Sari keeps the custom role and gives up Support (asked first).
  const sari = page.getByTestId('staff-row').filter({ hasText: SARI.name })
  await sari.getByTestId('staff-role-badge').filter({ hasText: 'Support' }).getByTestId('staff-role-remove').click()
  await sari.getByTestId('staff-role-remove-confirm').click()
  await expect(page.getByTestId('staff-role-notice')).toContainText(SARI.name)
  await expect(sari.getByTestId('staff-role-badge')).toHaveText([new RegExp(ROLE)])

  // A role that people hold cannot be deleted: the page says why and offers the holder list.
  await page.getByTestId('nav-roles').click()
  await page.getByTestId('custom-role-row').filter({ hasText: ROLE }).getByTestId('role-delete').click()
  await page.getByTestId('role-delete-confirm').click()
  await expect(page.getByTestId('role-delete-error')).toContainText('still held by 2 people')
  await expect(page.getByTestId('custom-role-row').filter({ hasText: ROLE })).toBeVisible()

  // Rina signs in: her role lets her make reports and nothing else.
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Jakarta' })
  const other = watchPage(await context.newPage())
  await signInDashboard(other, { user: RINA })
  await expect(other.getByTestId('user-chip')).toContainText(ROLE)
  await expect(other.getByTestId('nav-reports')).toBeVisible()
  for (const item of ['members', 'attendance', 'staff', 'roles', 'audit', 'settings']) await expect(other.getByTestId(`nav-${item}`)).toHaveCount(0)
  await other.goto('/admin/members')
  await expect(other).toHaveURL(/\/admin$/)
  await context.close()
})

test('the admin sees the sync log and the audit log, with the role change in it', async ({ page, baseURL, shot }) => {
  // A member's phone sends one check-in: that exchange is what the sync log shows.
  const member = await inviteMember(admin, 'Dewi Anggraini')
  const phone = await request.newContext({ baseURL })
  const me = await apiData<{ member: { id: number } }>(await phone.post('/api/mobile/invitations/redeem', { data: { code: member.code, pin: '582917' } }))
  const synced = await apiData<{ results: { status: string }[] }>(
    await phone.post('/api/attendance/sync', {
      data: { device_id: PHONE_ID, sent_at: new Date().toISOString(), records: [{ client_id: crypto.randomUUID(), member_id: me.member.id, kind: 'check_in', captured_at: new Date().toISOString() }] },
    }),
  )
  expect(synced.results).toHaveLength(1)
  await phone.dispose()

  await signInDashboard(page)
  await page.getByTestId('nav-sync-logs').click()
  const log = page.getByTestId('sync-log-row').filter({ hasText: PHONE_ID })
  await expect(log).toContainText('Member\'s phone')
  await expect(log).toContainText('1')
  await page.getByTestId('sync-filter-status').selectOption('failed')
  await expect(page.getByTestId('sync-log-row').filter({ hasText: PHONE_ID })).toHaveCount(0)
  await page.getByTestId('sync-filter-reset').click()
  await expect(log).toBeVisible()
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date())
  await page.getByTestId('sync-filter-from').fill(today)
  await expect(page).toHaveURL(new RegExp(`from=${today}`))
  await expect(log).toBeVisible()
  await shot(page, 'settings-sync-logs')

  await page.getByTestId('nav-audit').click()
  await expect(page.getByTestId('audit-sentence').filter({ hasText: `Created the role ${ROLE}` })).toBeVisible()
  await expect(page.getByTestId('audit-sentence').filter({ hasText: `Gave ${SARI.name} the role ${ROLE}` })).toBeVisible()
  await page.getByTestId('audit-filter-action').selectOption('role.')
  await expect(page.getByTestId('audit-row').first()).toBeVisible()
  // The rows of before the filter are visible too until the filtered list arrives: wait for it, however long it takes.
  await expect(page.locator('[data-testid="audit-row"]:not([data-action^="role."])')).toHaveCount(0)
  for (const action of await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))) {
    expect(action).toMatch(/^role\./)
  }
  const created = page.getByTestId('audit-row').filter({ hasText: `Created the role ${ROLE}` })
  await created.locator('summary').click()
  await expect(created).toContainText('Make reports')
  await shot(page, 'settings-audit')

  // The same log in Indonesian.
  await page.getByTestId('language-id').click()
  await expect(page.getByTestId('audit-sentence').filter({ hasText: `Membuat peran ${ROLE}` })).toBeVisible()
  await shot(page, 'settings-audit-id')
  await page.getByTestId('language-en').click()
})

test('the admin changes an attendance rule, and the pages fit a tablet', async ({ adminPage: page, browser, shot }) => {
  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId('rules-geofence-flag')).toBeChecked()
  await page.getByTestId('rules-geofence-refuse').check()
  await page.getByTestId('rules-checkout-leave_open').check()
  // Captures made offline (issue 13): by default those from members' phones wait for review, within 72 hours.
  const offline = page.getByTestId('rules-offline')
  await expect(page.getByTestId('rules-offline-phones')).toBeChecked()
  await expect(offline).toContainText('Captures made offline on members’ phones wait for an admin’s review')
  await expect(page.getByTestId('rules-offline-window')).toHaveValue('72')
  await expect(page.getByTestId('rules-form')).toContainText('Now: 3 days')
  await page.getByTestId('rules-offline-always').check()
  await page.getByTestId('rules-offline-window').fill('800')
  await page.getByTestId('rules-save').click()
  await expect(page.getByTestId('rules-form')).toContainText('Use 744 or less.')
  await page.getByTestId('rules-offline-window').fill('48')
  await page.getByTestId('rules-save').click()
  await expect(page.getByTestId('rules-saved')).toBeVisible()
  // Confusable members (issue 14): the card answers from the server, with its pairs or in words that there are none.
  const confusable = page.getByTestId('confusable-members')
  await expect(confusable.getByTestId('confusable-none').or(confusable.getByTestId('confusable-pair').first())).toBeVisible()
  await expect(confusable.getByRole('alert')).toHaveCount(0)
  await shot(page, 'settings-organization')
  const organization = await apiData<{ settings: Record<string, unknown> }>(await admin.api.get(`/api/organizations/${admin.organizationId}`))
  expect(organization.settings).toMatchObject({ geofence_policy: 'refuse', forgotten_checkout_rule: 'leave_open', offline_review: 'always', offline_window_hours: 48 })
  await page.reload()
  await expect(page.getByTestId('rules-geofence-refuse')).toBeChecked()
  await expect(page.getByTestId('rules-offline-always')).toBeChecked()
  await expect(page.getByTestId('rules-offline-window')).toHaveValue('48')
  // The same choices in Indonesian.
  await page.getByTestId('language-id').click()
  await expect(offline).toContainText('Rekaman yang dibuat saat offline')
  await expect(offline).toContainText('Tinjau yang dari ponsel anggota')
  await page.getByTestId('language-en').click()

  await page.getByTestId('nav-audit').click()
  await expect(page.getByTestId('audit-row').first()).toContainText('Changed the attendance or face settings')

  // Back to the defaults for whatever runs next.
  await apiData(await admin.api.patch(`/api/organizations/${admin.organizationId}/settings`, { data: { geofence_policy: 'flag', forgotten_checkout_rule: 'close_at_schedule_end', offline_review: 'phones', offline_window_hours: 72 } }))

  await page.getByTestId('nav-devices').click()
  await expect(page.getByTestId('device-table')).toContainText('Last sync')

  await tabletPages(browser, shot)
})

async function tabletPages(browser: Browser, shot: (page: Page, name: string, options?: ShotOptions) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: TABLET, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  const page = await watchedPage(context)
  await signInDashboard(page)
  for (const [path, name] of [
    ['/admin/roles', 'roles'],
    ['/admin/sync-logs', 'sync-logs'],
    ['/admin/audit', 'audit'],
    ['/admin/settings', 'organization'],
    ['/admin/staff', 'staff'],
    ['/admin/devices', 'devices'],
  ] as const) {
    await page.goto(path)
    await expect(page.locator('h1')).toBeVisible()
    await noHorizontalOverflow(page)
    await shot(page, `settings-tablet-${name}`)
  }
  await context.close()
}
