import fs from 'node:fs'
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test'
import { CONSENT_VERSION } from '../shared/face/consent'
import { type AdminApi, adminApi, apiData } from './support/api'
import { BASE_URL, CHROMIUM_EXECUTABLE, LAUNCH_ARGS, SHOTS } from './support/browser'
import { expect, test } from './support/fixtures'

// Issue 6, item 5 in the browser: the app runs under its own Content-Security-Policy without a single violation on
// any screen of /admin, /m, /p and /setup (the screens are read from the app's own router, so a new screen is
// visited too), and text that looks like HTML or SQL is shown as text.

test.describe.configure({ mode: 'serial' })

const PIN = '739164'
const TABLET = { width: 1024, height: 768 }
const PHONE = { width: 390, height: 844 }
const EVIL = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'; DROP TABLE users; --`
const stamp = Date.now().toString(36)
const CAMERA_STARTING = ['idle', 'camera', 'loading']

let admin: AdminApi
let browser: Browser
let memberId = 0
let freshInvite = ''

interface Watch {
  violations: string[]
  errors: string[]
  dialogs: string[]
}

test.beforeAll(async () => {
  admin = await adminApi(BASE_URL)
  // Cameras answer with Chromium's fake device, so the capture screens really start their camera and workers.
  browser = await chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...LAUNCH_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  })
  const { api, organizationId } = admin
  const evil = await apiData<{ id: number }>(await api.post(`/api/organizations/${organizationId}/members`, { data: { name: EVIL, member_number: `SEC-${stamp}`, role: 'member' } }))
  memberId = evil.id
  freshInvite = (await apiData<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${memberId}/invitations`, { data: {} }))).code
})

test.afterAll(async () => {
  await browser?.close()
  await admin?.api.dispose()
})

/** A context whose pages report every CSP violation, uncaught error, console error and dialog. */
async function watchedContext(viewport: { width: number; height: number }, watch: Watch): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport, locale: 'id-ID', timezoneId: 'Asia/Jakarta', permissions: ['camera', 'geolocation'], geolocation: { latitude: -6.2, longitude: 106.8 } })
  await context.exposeBinding('__reportCsp', (_source, text: string) => {
    watch.violations.push(text)
  })
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ;(window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || location.pathname}:${e.lineNumber}`)
    })
  })
  context.on('page', (page) => watchPage(page, watch))
  return context
}

function watchPage(page: Page, watch: Watch) {
  page.on('pageerror', (error) => watch.errors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    const text = message.text()
    if (/Content Security Policy|Refused to/i.test(text)) watch.violations.push(`console: ${text}`)
    else if (message.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(text)) watch.errors.push(`${page.url()}: ${text}`)
  })
  page.on('dialog', async (dialog) => {
    watch.dialogs.push(dialog.message())
    await dialog.dismiss()
  })
}

/** The app's own route table, read from the running app (Vue keeps the app on its mount element). */
async function appRoutes(page: Page): Promise<string[]> {
  await page.goto('/')
  await page.waitForFunction(() => !!(document.querySelector('#app') as unknown as { __vue_app__?: unknown })?.__vue_app__)
  return page.evaluate(() => {
    const app = (document.querySelector('#app') as unknown as { __vue_app__: { config: { globalProperties: { $router: { getRoutes: () => { path: string }[] } } } } }).__vue_app__
    return app.config.globalProperties.$router.getRoutes().map((r) => r.path)
  })
}

function concrete(path: string): string {
  return path
    .replace(/:memberId(\([^)]*\))?/, String(memberId))
    .replace(/:code(\([^)]*\))?/, freshInvite)
    .replace(/\/:pathMatch.*$/, '/no-such-page')
}

async function visitAll(context: BrowserContext, paths: string[], shotPrefix?: string): Promise<string[]> {
  const page = await context.newPage()
  const seen: string[] = []
  for (const path of paths) {
    await page.goto(path)
    // Lazy chunks load before the network goes quiet; a camera screen's camera, face worker and wasm (where a CSP
    // would bite) have started once none of its cameras (face-camera, kiosk-camera) is still starting.
    const t0 = Date.now()
    await page.waitForLoadState('networkidle').catch(() => {})
    await page.waitForFunction((starting) => ![...document.querySelectorAll<HTMLElement>('[data-testid="face-camera"], [data-testid="kiosk-camera"]')].some((e) => starting.includes(e.dataset.status ?? '')), CAMERA_STARTING, { timeout: 120_000 })
    seen.push(`${path} -> ${new URL(page.url()).pathname} (settled in ${Date.now() - t0} ms)`)
    if (shotPrefix) {
      fs.mkdirSync(SHOTS, { recursive: true })
      await page.screenshot({ path: `${SHOTS}/${shotPrefix}${path.replace(/[^a-z0-9]+/gi, '-')}.png` })
    }
  }
  await page.close()
  return seen
}

test('every screen of the app runs under the Content-Security-Policy without a violation', async () => {
  test.setTimeout(300_000)
  const watch: Watch = { violations: [], errors: [], dialogs: [] }
  const { api, organizationId } = admin

  // The routes, from the app itself.
  const guest = await watchedContext(TABLET, watch)
  const routes = (await appRoutes(await guest.newPage())).filter((p) => p !== '/')
  expect(routes.some((p) => p.startsWith('/admin/'))).toBe(true)
  expect(routes.some((p) => p.startsWith('/m/'))).toBe(true)
  expect(routes.some((p) => p.startsWith('/p/'))).toBe(true)
  const csp = (await guest.request.get('/')).headers()['content-security-policy']
  expect(csp).toContain('default-src \'self\'')

  // Signed out: the landing page, the sign-in screens, and the setup wizard (as on a fresh installation).
  const setupPage = await guest.newPage()
  await setupPage.route('**/api/setup/status', (route) => route.fulfill({ json: { success: true, data: { needs_setup: true } } }))
  await setupPage.goto('/setup')
  await expect(setupPage.getByTestId('setup-step-organization')).toBeVisible()
  await setupPage.waitForTimeout(500)
  await setupPage.close()
  const guestPaths = ['/', ...routes.filter((p) => /\/(login|enrol|invite\/:code)$/.test(p) || p.startsWith('/:pathMatch'))].map(concrete)
  const visited = await visitAll(guest, guestPaths)

  // The dashboard, as the admin.
  const dash = await watchedContext({ width: 1440, height: 900 }, watch)
  await dash.addCookies((await api.storageState()).cookies)
  visited.push(...(await visitAll(dash, ['/admin', ...routes.filter((p) => p.startsWith('/admin/') && !/login/.test(p))].map(concrete))))

  // A member's phone: invitation redeemed with a PIN, then every member screen (camera ones included).
  const phone = await watchedContext(PHONE, watch)
  const member = await apiData<{ id: number }>(await api.post(`/api/organizations/${organizationId}/members`, { data: { name: 'Sari Keamanan', member_number: `SECM-${stamp}`, role: 'member' } }))
  const invite = await apiData<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${member.id}/invitations`, { data: {} }))
  await apiData(await phone.request.post('/api/mobile/invitations/redeem', { data: { code: invite.code, pin: PIN } }))
  // Consent given, so the registration screen opens its camera and loads the face models (wasm, worker).
  await apiData(await phone.request.post(`/api/members/${member.id}/face/consent`, { data: { version: CONSENT_VERSION } }))
  visited.push(...(await visitAll(phone, ['/m', ...routes.filter((p) => p.startsWith('/m/') && !/login|invite/.test(p))].map(concrete), 'security-phone')))

  // A petugas tablet: enrolled, petugas signed in, every kiosk screen.
  const tablet = await watchedContext(TABLET, watch)
  const petugas = await apiData<{ id: number }>(await api.post(`/api/organizations/${organizationId}/members`, { data: { name: 'Pak Jaga', member_number: `SECP-${stamp}`, role: 'petugas' } }))
  const pInvite = await apiData<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${petugas.id}/invitations`, { data: {} }))
  const device = await apiData<{ enrol_code: string }>(await api.post(`/api/organizations/${organizationId}/devices`, { data: { name: `Tablet keamanan ${stamp}` } }))
  await apiData(await tablet.request.post('/api/devices/enrol', { data: { code: device.enrol_code } }))
  await apiData(await tablet.request.post('/api/mobile/invitations/redeem', { data: { code: pInvite.code, pin: PIN } }))
  // The station chosen once, so that kiosk mode really starts (camera, face worker, models).
  const home = await tablet.newPage()
  await home.goto('/p')
  await home.getByTestId('kiosk-station-submit').click()
  await expect(home.getByTestId('kiosk-actions')).toBeVisible()
  await home.close()
  visited.push(...(await visitAll(tablet, ['/p', ...routes.filter((p) => p.startsWith('/p/') && !/login|enrol/.test(p))].map(concrete), 'security-tablet')))

  console.log(`visited ${visited.length} screens:\n  ${visited.join('\n  ')}`)
  expect(watch.violations).toEqual([])
  expect(watch.errors).toEqual([])
  expect(watch.dialogs).toEqual([])
  for (const c of [guest, dash, phone, tablet]) await c.close()
})

test('a name made of HTML and SQL is shown as text on the dashboard, never run', async () => {
  const watch: Watch = { violations: [], errors: [], dialogs: [] }
  const context = await watchedContext({ width: 1440, height: 900 }, watch)
  await context.addCookies((await admin.api.storageState()).cookies)
  const page = await context.newPage()
  await page.goto(`/admin/members/${memberId}`)
  await expect(page.getByText(EVIL).first()).toBeVisible()
  await page.goto(`/admin/members?q=${encodeURIComponent(`SEC-${stamp}`)}`)
  await expect(page.getByText(EVIL).first()).toBeVisible()
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/security-html-name.png` })
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
  expect(await page.locator('img[src="x"]').count()).toBe(0)
  expect(watch.dialogs).toEqual([])
  expect(watch.violations).toEqual([])
  await context.close()
})
