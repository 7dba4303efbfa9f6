import { request } from '@playwright/test'
import sharp from 'sharp'
import { expect, test } from './support/fixtures'
import { JOURNEY_DIR, ok, SIZES, snap } from './support/journey'
import { a11y, desktopPage, J } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// At the end: the PWA's installability basics and offline start, and the accessibility scans of every main screen
// the steps took (axe-core, collected as they went).

export default function installable(): void {
  test('the PWA is installable: manifest, icons in the sizes stores ask for, a service worker, viewport and theme colour; it works offline after one visit', async () => {
    const api = await request.newContext({ baseURL: J.base })
    const manifest = await ok<{
      name: string
      short_name: string
      display: string
      start_url: string
      scope?: string
      theme_color: string
      background_color: string
      icons: { src: string; sizes: string; type?: string; purpose?: string }[]
    }>(await api.get('/manifest.webmanifest'))
    expect(manifest).toMatchObject({ name: 'Hadir', short_name: 'Hadir', display: 'standalone', start_url: '/' })
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i)
    // Chrome's install criteria and the stores (Play via a TWA, Microsoft Store): 192 and 512 px, and a maskable icon.
    const icons: Record<string, string> = {}
    for (const icon of manifest.icons) {
      const response = await api.get(icon.src)
      expect(response.ok(), icon.src).toBe(true)
      const meta = await sharp(await response.body()).metadata()
      expect(`${meta.width}x${meta.height}`, icon.src).toBe(icon.sizes)
      icons[`${icon.sizes}/${icon.purpose ?? 'any'}`] = icon.src
    }
    expect(Object.keys(icons)).toEqual(expect.arrayContaining(['192x192/any', '512x512/any', '512x512/maskable']))
    const apple = await sharp(await (await api.get('/icons/apple-touch-icon.png')).body()).metadata()
    expect(`${apple.width}x${apple.height}`).toBe('180x180')
    await api.dispose()

    const { context, page } = await desktopPage(SIZES.phone)
    await page.goto('/m/login')
    await expect(page.locator('meta[name="viewport"]')).toHaveAttribute('content', /width=device-width/)
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', manifest.theme_color)
    await expect(page.locator('link[rel="manifest"]')).toHaveCount(1)
    await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveCount(1)
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    expect(scope).toBe(`${J.base}/`)
    await page.reload()
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
    // After that first visit, the member app opens with no network at all. The petugas screens are not on a phone
    // (a tablet keeps them from its enrolment: e2e/kiosk.spec.ts): offline, the phone says so in words.
    await context.setOffline(true)
    await page.reload()
    await expect(page.getByTestId('member-login')).toBeVisible()
    await page.goto('/p')
    await expect(page.getByTestId('offline-unavailable')).toBeVisible()
    await expect(page.getByTestId('offline-unavailable')).toContainText(/not on this device yet|belum tersimpan di perangkat ini/)
    await snap(page, 'offline-unavailable')
    await context.close()
  })

  test('accessibility: no serious or critical axe-core violations on any main screen', async () => {
    a11y.save()
    expect(a11y.screens.length).toBeGreaterThanOrEqual(15)
    expect(a11y.findings, `axe-core findings (also in ${JOURNEY_DIR}/axe.json):\n${a11y.summary()}`).toEqual([])
  })
}
