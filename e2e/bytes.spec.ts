import type { Browser } from '@playwright/test'
import { BASE_URL, watchedPage } from './support/browser'
import { countingProxy } from './support/counting-proxy'
import { expect, signInDashboard, test } from './support/fixtures'

// What a device downloads, counted on the wire: every byte the server sends through a counting TCP proxy on 127.0.0.1
// (support/counting-proxy.ts: headers, compressed bodies, the service worker and everything it precaches), for a
// fresh browser profile. A member opening /m on a phone with prepaid data gets the app, not the face runtime
// (downloaded at the first face screen, e2e/face.spec.ts) nor the petugas or dashboard code; a desktop admin never
// downloads a face model.

const PHONE = { width: 390, height: 844 }
/** Issue 16: opening /m on a phone transfers at most this much, service worker included. */
const PHONE_BUDGET = 300_000

/** Waits until the service worker controls the page and has finished precaching (active), and the network is quiet. */
async function settled(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
  await page.waitForLoadState('networkidle')
}

async function freshContext(browser: Browser, baseURL: string, phone: boolean) {
  return browser.newContext({ baseURL, viewport: phone ? PHONE : { width: 1366, height: 900 }, isMobile: phone, hasTouch: phone, locale: 'id-ID' })
}

// The service worker is part of what a device downloads (every other spec opens its pages without it).
test.use({ serviceWorkers: 'allow' })

const FACE_FILES = /^GET \/(models\/|wasm\/|assets\/(face\.worker|face-api|ort[.-]|pipeline-|recognizer-))/

test('a phone opening /m downloads at most 300 KB, service worker and its precache included, and no face runtime', async ({ browser }) => {
  const proxy = await countingProxy(BASE_URL)
  try {
    const context = await freshContext(browser, proxy.url, true)
    const page = await watchedPage(context)
    await page.goto('/m')
    await expect(page.getByTestId('member-login')).toBeVisible()
    await settled(page)
    const bytes = proxy.received()
    test.info().annotations.push({ type: 'bytes on the wire', description: `${bytes} bytes, ${proxy.requests.length} requests: ${proxy.requests.join(', ')}` })
    console.log(`/m on a fresh phone: ${bytes} bytes on the wire in ${proxy.requests.length} requests`)
    expect(proxy.requests.filter((r) => FACE_FILES.test(r)), 'no face runtime').toEqual([])
    expect(proxy.requests.filter((r) => /^GET \/assets\/(admin|setup|petugas)-/.test(r)), 'no dashboard, setup or petugas code').toEqual([])
    expect(proxy.requests.some((r) => r.startsWith('GET /sw.js'))).toBe(true)
    expect(bytes).toBeLessThanOrEqual(PHONE_BUDGET)
    await context.close()
  } finally {
    await proxy.close()
  }
})

test('a desktop admin signing in and using the dashboard never downloads a face model', async ({ browser }) => {
  const proxy = await countingProxy(BASE_URL)
  try {
    const context = await freshContext(browser, proxy.url, false)
    const page = await watchedPage(context)
    await signInDashboard(page)
    for (const path of ['/admin/attendance', '/admin/members', '/admin/settings']) {
      await page.goto(path)
      await page.waitForLoadState('networkidle')
    }
    await settled(page)
    expect(proxy.requests.filter((r) => FACE_FILES.test(r)), 'no face runtime').toEqual([])
    console.log(`the dashboard on a fresh desktop: ${proxy.received()} bytes on the wire in ${proxy.requests.length} requests`)
    await context.close()
  } finally {
    await proxy.close()
  }
})
