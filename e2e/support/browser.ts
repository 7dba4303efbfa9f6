import { type Browser, type BrowserContext, chromium, type Locator, type Page } from '@playwright/test'
import { CAMERA_ARGS, CHROMIUM_EXECUTABLE } from './chromium-args'
import { type PromptedCameraVideos, withPacedCamera } from './paced-camera'

// What every camera spec launches and watches the same way.

export const BASE_URL = process.env.HADIR_E2E_URL ?? 'http://127.0.0.1:3100'
export const SHOTS = 'test-results/screenshots'
export const PHONE = { width: 390, height: 844 }
export { CAMERA_ARGS, CHROMIUM_EXECUTABLE, FULL_CHROMIUM, LAUNCH_ARGS } from './chromium-args'

let cameraChromium: Promise<Browser> | null = null

/**
 * A Chromium whose camera plays `video` (a Y4M file), paced by the app's frames and never ahead of the video (support/paced-camera.ts):
 * every context it opens has that camera. One Chromium with the camera flags serves every camera test of the test
 * process (launched at the first, ended with the process, as Playwright's own `browser`); each call answers a view of
 * it whose close() closes the contexts that view opened. A Chromium launched for each camera test took ~0.4 CPU-s more
 * to start and stop (measured on the 2-core machine: 0.72 CPU-s a test against 0.33 with one shared), ~20 times a run.
 */
export async function cameraBrowser(video: string | PromptedCameraVideos): Promise<Browser> {
  cameraChromium ??= chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CAMERA_ARGS })
  return withPacedCamera(await cameraChromium, video)
}

const DEFAULTS = Symbol.for('hadir.e2e.contextDefaults')

/**
 * What every context the browsers of this test process open gets unless its options say otherwise: Playwright's config
 * gives its own page and context fixtures these through `use`; this covers the contexts the specs and the camera
 * browsers open themselves (one patch of Browser.prototype, shared by every browser of the process, applyContextDefaults).
 * support/fixtures.ts sets them for each worker and test:
 * - `reducedMotion: 'reduce'`: less motion (prefers-reduced-motion, the phone's or computer's own setting, which the
 *   app follows: src/styles/base.css); not in the journey;
 * - `serviceWorkers`: the test's `serviceWorkers` option ('block' but in the journey and the tests about working
 *   offline or about the service worker itself: support/fixtures.ts useServiceWorker).
 */
export const contextDefaults: { reducedMotion?: 'reduce'; serviceWorkers?: 'allow' | 'block' } = {}

export function applyContextDefaults(browser: Browser): void {
  const proto = Object.getPrototypeOf(browser) as Browser & { [DEFAULTS]?: true }
  if (proto[DEFAULTS]) return
  proto[DEFAULTS] = true
  const newContext = proto.newContext
  proto.newContext = function (this: Browser, options = {}) {
    return newContext.call(this, { ...contextDefaults, ...options })
  }
}

/**
 * Uncaught errors of every watched page, for the test that is running: e2e/support/fixtures.ts empties the list when a
 * test starts and fails the test when it is not empty at its end. A page that outlives a test (the journey's tablet,
 * a phone kept for a later step) reports into the list of whichever test is running then.
 */
export const pageErrors: string[] = []

/** Records the page's uncaught errors into `pageErrors` and echoes its console errors (network noise aside). */
export function watchPage(page: Page): Page {
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(message.text())) console.log(`[page] ${message.text()}`)
  })
  return page
}

/** A new watched page (watchPage) in the context. */
export async function watchedPage(context: BrowserContext): Promise<Page> {
  return watchPage(await context.newPage())
}

/**
 * While `until` is pending, logs the element's data attributes whenever they change (every second at most): when a
 * camera spec times out, the log says where the scan or the kiosk stood.
 */
export async function logWhile<T>(label: string, element: Locator, attributes: readonly string[], until: Promise<T>): Promise<T> {
  let last = ''
  const timer = setInterval(() => {
    void element
      .evaluate((e, names) => names.map((a) => e.getAttribute(`data-${a}`)).join(' | '), [...attributes])
      .then(
        (state) => {
          if (state !== last) console.log(`${label}:`, (last = state))
        },
        () => undefined,
      )
  }, 1000)
  try {
    return await until
  } finally {
    clearInterval(timer)
  }
}

/**
 * Taps "Try again" whenever the phone's liveness check timed out, as a person would. The paced camera gives the app
 * the same frames whatever the load, but the app's 20 s limit is the clock's: when a frame takes seconds (several
 * browsers and vitest on two cores), or a screenshot held the camera, a challenge can run out of time. Looks once a
 * second; a button it sees gets a click that may wait for the page (a short limit kept missing a busy page's button).
 * Stops by itself when the page closes; `stop()` answers how many retries.
 */
export function retryTimedOutScans(page: Page): { stop: () => number } {
  let retries = 0
  let busy = false
  const retry = page.getByTestId('face-liveness-retry')
  const timer = setInterval(() => {
    if (busy || page.isClosed()) return
    busy = true
    void retry
      .isVisible()
      .then(async (shown) => {
        if (!shown) return
        await retry.click({ timeout: 60_000 })
        console.log(`liveness timed out, tapped "Try again" (${++retries})`)
      })
      .catch(() => undefined)
      .finally(() => (busy = false))
  }, 1000)
  page.once('close', () => clearInterval(timer))
  return {
    stop: () => {
      clearInterval(timer)
      return retries
    },
  }
}
