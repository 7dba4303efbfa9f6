import type { Browser, Page } from '@playwright/test'
import { ADMIN, ORG } from './support/api'
import { watchedPage } from './support/browser'
import { expect, signInDashboard, test } from './support/fixtures'

// Runs against a fresh database (scripts/test.mjs starts the built server and passes HADIR_E2E_URL). The tests
// build on each other: setup creates the organization the later ones sign in to.
// Any uncaught error in a page fails the test that caused it (support/fixtures.ts).
test.describe.configure({ mode: 'serial' })
// Screenshots wait for web fonts, transitions and lazy chunks to settle, so the picture shows the real screen.
test.use({ shotsWaitForIdle: true })

const PHONE = { width: 390, height: 844 }
const TABLET = { width: 1024, height: 768 }

async function newDevicePage(browser: Browser, viewport: { width: number; height: number }, mobile: boolean): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'en-US' })
  return watchedPage(context)
}

test('a fresh installation opens the setup wizard and creates the organization and its admin', async ({ page, shot }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/setup$/)
  await expect(page.getByTestId('setup-step-organization')).toBeVisible()
  await expect(page.getByTestId('setup-org-timezone')).toHaveValue('Asia/Jakarta')
  await expect(page.getByTestId('setup-org-work-start')).toHaveAttribute('data-value', '08:00')
  await expect(page.getByTestId('setup-org-work-end')).toHaveAttribute('data-value', '16:00')
  await expect(page.getByTestId('setup-org-late-tolerance')).toHaveValue('15')
  await shot(page, 'setup')

  // An empty name is caught before anything is sent.
  await page.getByTestId('setup-next').click()
  await expect(page.getByTestId('setup-org-name-error')).toBeVisible()

  await page.getByTestId('setup-org-name').fill(ORG)
  await page.getByTestId('setup-next').click()
  await page.getByTestId('setup-admin-name').fill(ADMIN.name)
  await page.getByTestId('setup-admin-email').fill(ADMIN.email)
  await page.getByTestId('setup-admin-password').fill('short')
  await page.getByTestId('setup-admin-password-confirm').fill('short')
  await page.getByTestId('setup-submit').click()
  await expect(page.getByTestId('setup-admin-password-error')).toBeVisible()

  await page.getByTestId('setup-admin-password').fill(ADMIN.password)
  await page.getByTestId('setup-admin-password-confirm').fill(ADMIN.password)
  await shot(page, 'setup-admin')
  await page.getByTestId('setup-submit').click()
  await expect(page.getByTestId('setup-step-done')).toBeVisible()
  await page.getByTestId('setup-go-login').click()
  await expect(page).toHaveURL(/\/admin\/login$/)

  // Once set up, the wizard is closed for good.
  await page.goto('/setup')
  await expect(page).toHaveURL(/\/admin\/login$/)
})

test('an admin signs in and, with one organization to open, goes straight back to the page that asked', async ({ page, shot }) => {
  await page.goto('/admin/members')
  await expect(page).toHaveURL(/\/admin\/login/)
  await page.getByTestId('login-email').fill(ADMIN.email)
  await page.getByTestId('login-password').fill('wrong-password')
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('login-error')).toContainText(/did not match/)
  await shot(page, 'login')

  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()

  // One organization, one role: no "choose an organization" screen; back to the page that asked for the login.
  await expect(page).toHaveURL(/\/admin\/members$/)
  await expect(page.getByTestId('org-name')).toHaveText(ORG)
  await expect(page.getByTestId('user-chip')).toContainText(ADMIN.name)
  await expect(page.getByTestId('user-chip')).toContainText('Admin')
  for (const item of ['overview', 'members', 'devices', 'staff', 'settings']) await expect(page.getByTestId(`nav-${item}`)).toBeVisible()

  await page.getByTestId('nav-overview').click()
  await expect(page.getByTestId('overview-title')).toHaveText(ORG)
  await expect(page.getByTestId('stat-members')).toContainText('0')
  await expect(page.getByTestId('attendance-empty')).toContainText('Attendance arrives here')
  await shot(page, 'dashboard')
})

test('the language switches between Indonesian and English everywhere and is remembered', async ({ adminPage: page, shot }) => {
  const members = page.getByTestId('nav-members')
  await expect(members).toHaveText('Members')
  await expect(page.locator('html')).toHaveAttribute('lang', 'en')

  await page.getByTestId('language-id').click()
  await expect(members).toHaveText('Anggota')
  await expect(page.locator('html')).toHaveAttribute('lang', 'id')
  await expect(page.getByTestId('attendance-empty')).toContainText('Belum ada data kehadiran')
  await shot(page, 'dashboard-id')

  await page.reload()
  await expect(page.getByTestId('nav-members')).toHaveText('Anggota')

  // The toggle is on the member and petugas surfaces too.
  await page.goto('/m/login')
  await expect(page.getByTestId('member-login-submit')).toHaveText('Masuk')
  await page.getByTestId('language-en').click()
  await expect(page.getByTestId('member-login-submit')).toHaveText('Sign in')
  await expect(page.locator('html')).toHaveAttribute('lang', 'en')
})

test('the start page offers the dashboard, the member app and the petugas tablet', async ({ page, shot }) => {
  await page.goto('/')
  for (const choice of ['dashboard', 'member', 'petugas']) await expect(page.getByTestId(`choose-${choice}`)).toBeVisible()
  await shot(page, 'landing')
  await page.getByTestId('choose-member').click()
  await expect(page).toHaveURL(/\/m\/login$/)
})

test('the dashboard works on a narrow screen: the navigation opens from the menu', async ({ browser, shot }) => {
  const page = await newDevicePage(browser, PHONE, true)
  // A context a spec opens itself asks for less motion too, as the config's own pages do (playwright.config.ts).
  expect(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches)).toBe(true)
  await signInDashboard(page, { from: '/admin' })
  await expect(page.getByTestId('nav-members')).not.toBeInViewport()
  await page.getByRole('button', { name: 'Menu' }).click()
  await page.getByTestId('nav-members').click()
  await expect(page).toHaveURL(/\/admin\/members$/)
  await shot(page, 'dashboard-narrow')
  await page.context().close()
})

// The installed app's own service worker (every other test opens its pages without it: playwright.config.ts).
test.describe(() => {
  test.use({ serviceWorkers: 'allow' })

  test('the app is installable: manifest with icons, and a service worker that takes control', async ({ page, request }) => {
    const response = await request.get('/manifest.webmanifest')
    expect(response.ok()).toBe(true)
    const manifest = (await response.json()) as { name: string; short_name: string; display: string; start_url: string; icons: { src: string; sizes: string; purpose?: string }[] }
    expect(manifest.name).toBe('Hadir')
    expect(manifest.short_name).toBe('Hadir')
    expect(manifest.display).toBe('standalone')
    expect(manifest.start_url).toBe('/')
    const sizes = manifest.icons.map((icon) => icon.sizes)
    expect(sizes).toContain('192x192')
    expect(sizes).toContain('512x512')
    expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true)
    for (const icon of manifest.icons) expect((await request.get(icon.src)).headers()['content-type']).toContain('image/png')
    expect((await request.get('/icons/apple-touch-icon.png')).ok()).toBe(true)

    await page.goto('/m/login')
    const scope = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready
      return registration.active ? registration.scope : null
    })
    expect(scope).toBe(new URL('/', page.url()).href)

    // The API is never answered by the service worker's app shell.
    const api = await page.evaluate(async () => (await fetch('/api/setup/status')).headers.get('content-type'))
    expect(api).toContain('application/json')
  })
})

test('a phone loads the member app without the dashboard code', async ({ browser, shot }) => {
  const page = await newDevicePage(browser, PHONE, true)
  const scripts: string[] = []
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname)
  })
  await page.goto('/m/login')
  await expect(page.getByTestId('member-login')).toBeVisible()
  await expect(page.getByTestId('login-organization')).toBeVisible()
  await shot(page, 'member-login')
  expect(scripts.some((s) => /\/assets\/member-/.test(s))).toBe(true)
  expect(scripts.filter((s) => /\/assets\/admin-/.test(s))).toEqual([])

  // Every button a thumb presses is at least 48px tall.
  const box = await page.getByTestId('member-login-submit').boundingBox()
  expect(box?.height).toBeGreaterThanOrEqual(48)
  await page.context().close()
})

test('an unenrolled tablet is sent to enrolment', async ({ browser, shot }) => {
  const page = await newDevicePage(browser, TABLET, false)
  await page.goto('/p')
  await expect(page).toHaveURL(/\/p\/enrol$/)
  await expect(page.getByTestId('enrol-code-input')).toBeVisible()
  await shot(page, 'petugas-enrol')
  const box = await page.getByTestId('enrol-submit').boundingBox()
  expect(box?.height).toBeGreaterThanOrEqual(56)
  await page.getByTestId('enrol-code-input').fill('WRONG123')
  await page.getByTestId('enrol-submit').click()
  await expect(page.getByTestId('enrol-error')).toBeVisible()
  await page.context().close()
})

test('a member is added and invited, then activates the app on their phone with a PIN', async ({ adminPage: page, browser, shot }) => {
  await page.getByTestId('nav-members').click()
  // The page's lists load first: the member list's spinner gives way to its (taller) empty state and moves the cards
  // below it, so a click on "Add" while it loads can land where the button was (CI, a busy machine).
  await expect(page.locator('.state--loading')).toHaveCount(0)
  await page.getByTestId('departments-name').fill('Guru')
  await page.getByTestId('departments-add').click()
  await expect(page.getByTestId('departments')).toContainText('Guru')

  await page.getByTestId('member-add-open').click()
  await page.getByTestId('member-name').fill('Siti Rahmawati')
  await page.getByTestId('member-email').fill('siti@harapan.sch.id')
  await page.getByTestId('member-number').fill('G-014')
  await page.getByTestId('member-department').selectOption({ label: 'Guru' })
  await page.getByTestId('member-submit').click()
  await expect(page.getByTestId('member-added')).toBeVisible()
  await expect(page.getByTestId('member-row')).toHaveCount(1)
  await expect(page.getByTestId('member-row')).toContainText('G-014')

  await page.getByTestId('member-search').fill('zzz')
  await expect(page.getByTestId('member-row')).toHaveCount(0)
  await page.getByTestId('member-search').fill('siti')
  await expect(page.getByTestId('member-row')).toHaveCount(1)
  await shot(page, 'members')

  await page.getByTestId('member-invite').click()
  await expect(page.getByTestId('invitation-dialog')).toBeVisible()
  const link = (await page.getByTestId('invitation-link').textContent())?.trim() ?? ''
  expect(link).toMatch(/\/m\/invite\/\S+$/)
  await shot(page, 'members-invitation')
  await page.getByTestId('dialog-close').click()

  const phone = await newDevicePage(browser, PHONE, true)
  await phone.goto(link)
  await expect(phone.getByTestId('invite-redeem')).toContainText('Siti Rahmawati')
  await expect(phone.getByTestId('invite-redeem')).toContainText(ORG)
  await phone.getByTestId('invite-pin').fill('482916')
  await phone.getByTestId('invite-pin-repeat').fill('482961')
  await phone.getByTestId('invite-submit').click()
  await expect(phone.getByTestId('invite-pin-repeat-error')).toBeVisible()
  await phone.getByTestId('invite-pin-repeat').fill('482916')
  await shot(phone, 'member-invite')
  await phone.getByTestId('invite-submit').click()

  await expect(phone).toHaveURL(/\/m$/)
  await expect(phone.getByTestId('member-greeting')).toContainText('Siti Rahmawati')
  await expect(phone.getByTestId('checkin-button')).toBeDisabled()
  await expect(phone.getByTestId('face-not-registered')).toContainText('Needed before you can check in with your face')
  await shot(phone, 'member-home')

  // Next time the phone remembers the account: only the PIN is typed.
  await phone.getByTestId('member-logout').click()
  await expect(phone).toHaveURL(/\/m\/login$/)
  await expect(phone.getByTestId('remembered-account')).toContainText('Siti Rahmawati')
  await shot(phone, 'member-login-remembered')
  await phone.getByTestId('login-pin').fill('482916')
  await phone.getByTestId('member-login-submit').click()
  await expect(phone.getByTestId('member-greeting')).toBeVisible()
  await phone.context().close()
})

test('an admin enrols a tablet, and a petugas activates and signs in on it', async ({ adminPage: page, browser, shot }) => {
  await page.getByTestId('nav-devices').click()
  await page.getByTestId('device-enrol-open').click()
  await page.getByTestId('device-name').fill('Tablet gerbang depan')
  await page.getByTestId('device-submit').click()
  const code = (await page.getByTestId('enrol-code').textContent())?.trim() ?? ''
  expect(code).toMatch(/^[A-Z0-9-]{6,}$/)
  await shot(page, 'devices-code')
  await page.getByTestId('dialog-close').click()
  await expect(page.getByTestId('device-row')).toContainText('Waiting for code')

  await page.getByTestId('nav-members').click()
  await page.getByTestId('member-add-open').click()
  await page.getByTestId('member-name').fill('Pak Budi Santoso')
  await page.getByTestId('member-number').fill('P-001')
  await page.getByTestId('member-role').selectOption('petugas')
  await page.getByTestId('member-submit').click()
  await expect(page.getByTestId('member-added')).toBeVisible()
  await page.getByTestId('member-row').filter({ hasText: 'P-001' }).getByTestId('member-invite').click()
  await expect(page.getByTestId('invitation-petugas-note')).toBeVisible()
  const link = (await page.getByTestId('invitation-link').textContent())?.trim() ?? ''
  await page.getByTestId('dialog-close').click()

  const tablet = await newDevicePage(browser, TABLET, false)
  await tablet.goto('/p/enrol')
  await tablet.getByTestId('enrol-code-input').fill(code.toLowerCase())
  await tablet.getByTestId('enrol-submit').click()
  await expect(tablet).toHaveURL(/\/p\/login$/)
  await expect(tablet.getByTestId('device-badge')).toHaveText('Tablet gerbang depan')
  await shot(tablet, 'petugas-login')

  await tablet.goto(link)
  await tablet.getByTestId('invite-pin').fill('739154')
  await tablet.getByTestId('invite-pin-repeat').fill('739154')
  await tablet.getByTestId('invite-submit').click()
  await expect(tablet).toHaveURL(/\/p$/)
  await expect(tablet.getByTestId('petugas-name')).toContainText('Pak Budi Santoso')
  await expect(tablet.getByTestId('petugas-organization')).toHaveText(ORG)
  await expect(tablet.getByTestId('petugas-device')).toHaveText('Tablet gerbang depan')
  await shot(tablet, 'petugas-home')

  await tablet.getByTestId('petugas-logout').click()
  await expect(tablet).toHaveURL(/\/p\/login$/)
  await tablet.getByTestId('petugas-identifier').fill('P-001')
  await tablet.getByTestId('petugas-pin').fill('739154')
  await tablet.getByTestId('petugas-login-submit').click()
  await expect(tablet.getByTestId('petugas-name')).toContainText('Pak Budi Santoso')

  // Revoking the tablet on the dashboard ends its sessions: it must be enrolled again.
  await page.getByTestId('nav-devices').click()
  await page.getByTestId('device-row').filter({ hasText: 'Tablet gerbang depan' }).getByTestId('device-revoke').click()
  await page.getByTestId('device-revoke-confirm').click()
  await expect(page.getByTestId('device-row').filter({ hasText: 'Tablet gerbang depan' })).toContainText('Revoked')
  await tablet.reload()
  await expect(tablet).toHaveURL(/\/p\/enrol$/)
  await tablet.context().close()
})

test('staff and a second organization: the switcher changes the organization shown', async ({ adminPage: page, shot }) => {
  await page.getByTestId('nav-staff').click()
  await expect(page.getByTestId('staff-row')).toContainText(ADMIN.email)
  await page.getByTestId('staff-add-open').click()
  await page.getByTestId('staff-name').fill('Pak Joko')
  await page.getByTestId('staff-email').fill('joko@harapan.sch.id')
  await page.getByTestId('staff-password').fill('manajer-rahasia-1')
  await page.getByTestId('staff-role').selectOption('manager')
  await page.getByTestId('staff-submit').click()
  await expect(page.getByTestId('staff-row')).toHaveCount(2)

  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId('settings-name')).toHaveValue(ORG)
  await page.getByTestId('new-org-name').fill('SMP Negeri 2 Harapan')
  await page.getByTestId('new-org-timezone').selectOption('Asia/Makassar')
  await page.getByTestId('create-org-submit').click()
  await expect(page.getByTestId('org-created')).toBeVisible()
  await shot(page, 'settings')

  const switcher = page.getByTestId('org-switcher')
  const option = switcher.locator('option', { hasText: 'SMP Negeri 2 Harapan' })
  await switcher.selectOption((await option.getAttribute('value')) ?? '')
  await expect(page.getByTestId('org-name')).toHaveText('SMP Negeri 2 Harapan')
  await expect(page.getByTestId('settings-timezone')).toHaveValue('Asia/Makassar')
  await page.getByTestId('nav-members').click()
  await expect(page.getByTestId('member-row')).toHaveCount(0)

  await page.getByTestId('logout').click()
  await expect(page).toHaveURL(/\/admin\/login$/)
  await page.goto('/admin')
  await expect(page).toHaveURL(/\/admin\/login/)
})
