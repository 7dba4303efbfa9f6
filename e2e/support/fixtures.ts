// What every spec shares, as Playwright fixtures: specs import `test` and `expect` from here.
// - every test fails when a watched page threw an uncaught error (the default `page` is watched; pages a spec opens
//   itself are watched through watchedPage/watchPage of support/browser.ts, or the phone and tablet fixtures);
// - signed-in pages: `adminPage` (the dashboard as the foundation spec's admin, in its organization), `openPhone` (a
//   phone for the member app) and `openTablet` (an enrolled tablet with its petugas signed in);
// - `shot`: a screenshot into test-results/screenshots/.
import { type Browser, type BrowserContext, test as base, expect, type Page } from '@playwright/test'
import { ADMIN, apiData, ORG } from './api'
import { stillCamera } from './paced-camera'
import { applyContextDefaults, BASE_URL, contextDefaults, PHONE, pageErrors, retryTimedOutScans, SHOTS, watchedPage, watchPage } from './browser'

export { expect }

export interface Viewport {
  width: number
  height: number
}

export interface DashboardUser {
  email: string
  password: string
}

/**
 * Signs in on the dashboard as the spec says it: email and password, then the organization (by its name) when the
 * account has several to choose from (one organization with one role goes straight in), then the dashboard's shell.
 * `from` is where the browser starts (a page behind the sign-in sends it to the sign-in).
 */
export async function signInDashboard(page: Page, options: { user?: DashboardUser; organization?: string; from?: string } = {}): Promise<void> {
  const { user = ADMIN, organization = ORG, from = '/admin/login' } = options
  await page.goto(from)
  await expect(page).toHaveURL(/\/admin\/login/)
  await page.getByTestId('login-email').fill(user.email)
  await page.getByTestId('login-password').fill(user.password)
  await page.getByTestId('login-submit').click()
  const choose = page.getByTestId('org-option').filter({ hasText: organization })
  await expect(choose.or(page.getByTestId('admin-shell'))).toBeVisible()
  if (await choose.isVisible()) await choose.click()
  await expect(page.getByTestId('admin-shell')).toBeVisible()
  await expect(page.getByTestId('org-name')).toHaveText(organization)
}

/** A member opens their invitation on the phone, sets the PIN and lands on the member home. */
export async function redeemInvitation(page: Page, code: string, pin: string): Promise<void> {
  await page.goto(`/m/invite/${code}`)
  await page.getByTestId('invite-pin').fill(pin)
  await page.getByTestId('invite-pin-repeat').fill(pin)
  await page.getByTestId('invite-submit').click()
  await expect(page.getByTestId('member-home')).toBeVisible()
}

export interface ShotOptions {
  /** The whole page (default) or what the viewport shows. */
  fullPage?: boolean
  /** Waits for the network to be idle first (web fonts, transitions, lazy chunks settled). */
  idle?: boolean
  /** One picture per size, `<name>-<width>.png`; the page is then put back to `restore` (or the first size). */
  sizes?: Viewport[]
  restore?: Viewport
}

/** A screenshot into test-results/screenshots/<name>.png (or one per size, see ShotOptions). */
export async function shot(page: Page, name: string, options: ShotOptions = {}): Promise<void> {
  await stillCamera(page, () => takeShot(page, name, options))
}

async function takeShot(page: Page, name: string, options: ShotOptions): Promise<void> {
  const fullPage = options.fullPage ?? true
  // Bounded: a picture taken a little early is better than a test that waits for a page that never goes quiet.
  if (options.idle) await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {})
  if (!options.sizes) {
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage })
    return
  }
  for (const size of options.sizes) {
    await page.setViewportSize(size)
    await page.screenshot({ path: `${SHOTS}/${name}-${size.width}.png`, fullPage })
  }
  await page.setViewportSize(options.restore ?? options.sizes[0]!)
}

export interface PhoneOptions {
  geolocation?: { latitude: number; longitude: number; accuracy?: number }
  locale?: string
  /** Camera (default) and, with a geolocation, location permissions. */
  camera?: boolean
  /** Taps "Try again" when a liveness scan timed out (support/browser.ts retryTimedOutScans). */
  retryScans?: boolean
}

export interface Enrolment {
  /** The tablet's one-time enrolment code and the petugas's invitation. */
  deviceCode: string
  petugasCode: string
  pin: string
}

export interface TabletOptions {
  viewport: Viewport
  geolocation: { latitude: number; longitude: number }
}

export interface Device {
  context: BrowserContext
  page: Page
}

interface Fixtures {
  /** The uncaught errors of the watched pages during this test (fails the test when not empty at its end). */
  pageErrors: string[]
  /** The dashboard, signed in as the foundation spec's admin in its organization. */
  adminPage: Page
  /** A phone (390x844, touch, Jakarta) in `browser`: a watched page, not signed in yet. */
  openPhone: (browser: Browser, options?: PhoneOptions) => Promise<Device>
  /** A tablet in `browser` enrolled with the code and its petugas signed in (both through the tablet's session). */
  openTablet: (browser: Browser, enrolment: Enrolment, options: TabletOptions) => Promise<Device>
  /** Whether `shot` waits for the network to be idle by default (test.use it in a spec file). */
  shotsWaitForIdle: boolean
  shot: (page: Page, name: string, options?: ShotOptions) => Promise<void>
}

/**
 * The contexts this test opens from now on register the app's service worker, as a phone or tablet does: for tests
 * about working offline or about the service worker itself. Every other test opens its contexts without it
 * (playwright.config.ts `serviceWorkers`); a spec whose every test needs it says `test.use({ serviceWorkers: 'allow' })`.
 */
export function useServiceWorker(): void {
  contextDefaults.serviceWorkers = 'allow'
}

/** Options of a Playwright worker (set per project in playwright.config.ts). */
export interface WorkerOptions {
  /** The contexts this worker's browsers open ask for less motion (browser.ts contextDefaults); the journey's do not. */
  lessMotion: boolean
}

export const test = base.extend<Fixtures & { contextSettings: void }, WorkerOptions & { motionSetting: void }>({
  lessMotion: [true, { scope: 'worker', option: true }],
  motionSetting: [
    async ({ browser, lessMotion: less }, use) => {
      applyContextDefaults(browser)
      contextDefaults.reducedMotion = less ? 'reduce' : undefined
      await use()
    },
    { scope: 'worker', auto: true },
  ],
  // The test's `serviceWorkers` option (playwright.config.ts, or `test.use` in a spec) for the contexts it opens itself.
  contextSettings: [
    async ({ serviceWorkers }, use) => {
      contextDefaults.serviceWorkers = serviceWorkers ?? 'allow'
      await use()
    },
    { auto: true },
  ],
  pageErrors: [
    async ({}, use) => {
      pageErrors.length = 0
      await use(pageErrors)
      expect(pageErrors, 'uncaught errors in the pages').toEqual([])
    },
    { auto: true },
  ],
  page: async ({ page }, use) => {
    watchPage(page)
    await use(page)
  },
  adminPage: async ({ page }, use) => {
    await signInDashboard(page, { from: '/admin' })
    await use(page)
  },
  openPhone: async ({}, use) => {
    const contexts: BrowserContext[] = []
    await use(async (browser, options = {}) => {
      const { geolocation, locale = 'en-US', camera = true, retryScans = false } = options
      const context = await browser.newContext({
        baseURL: BASE_URL,
        viewport: PHONE,
        isMobile: true,
        hasTouch: true,
        locale,
        timezoneId: 'Asia/Jakarta',
        ...(camera ? { permissions: geolocation ? ['camera', 'geolocation'] : ['camera'] } : {}),
        ...(geolocation ? { geolocation } : {}),
      })
      contexts.push(context)
      const page = await watchedPage(context)
      if (retryScans) retryTimedOutScans(page)
      return { context, page }
    })
    for (const context of contexts) await context.close().catch(() => {})
  },
  openTablet: async ({}, use) => {
    const contexts: BrowserContext[] = []
    await use(async (browser, enrolment, options) => {
      const context = await browser.newContext({
        baseURL: BASE_URL,
        viewport: options.viewport,
        hasTouch: true,
        locale: 'en-US',
        timezoneId: 'Asia/Jakarta',
        permissions: ['camera', 'geolocation'],
        geolocation: options.geolocation,
      })
      contexts.push(context)
      await apiData(await context.request.post('/api/devices/enrol', { data: { code: enrolment.deviceCode } }))
      await apiData(await context.request.post('/api/mobile/invitations/redeem', { data: { code: enrolment.petugasCode, pin: enrolment.pin } }))
      return { context, page: await watchedPage(context) }
    })
    for (const context of contexts) await context.close().catch(() => {})
  },
  shotsWaitForIdle: [false, { option: true }],
  shot: async ({ shotsWaitForIdle }, use) => {
    await use((page, name, options = {}) => shot(page, name, { idle: shotsWaitForIdle, ...options }))
  },
})
