import type { Response } from '@playwright/test'
import { expect, test } from './support/fixtures'
import { snap } from './support/journey'
import { a11y, attendanceToday, J, memberIds, nameOf, ownRecords, personApis, recent, registerThroughApi, startTablet, timings, VERDICT_TIMEOUT } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// Steps 3 and 4: the kiosk recognises a third member by face, asks for one head turn, and refuses a face nobody
// registered; offline, it records two more check-ins, survives a reload, and syncs them exactly once when the network
// returns, while the admin's dashboard shows them arrive without a reload.

export default function kiosk(): void {
  test('3. the petugas kiosk identifies a third member by face and refuses a face nobody registered', async () => {
    test.setTimeout(1_200_000)
    const started = Date.now()
    personApis.citra = await registerThroughApi('citra')
    // The petugas starts the day: the tablet (enrolled, signed in) with the camera looking at the gate.
    const tab = await startTablet(J.faces.sceneOnline)
    await tab.goto('/p')
    await expect(tab.getByTestId('kiosk-station')).toBeVisible()
    await tab.getByTestId('kiosk-location-option').filter({ hasText: 'Gerbang Utama' }).click()
    await snap(tab, 'tablet-station', { also: ['tabletWide'] })
    await a11y.check(tab, 'kiosk: choose the place')
    await tab.getByTestId('kiosk-station-submit').click()
    await expect(tab.getByTestId('kiosk-station-location')).toHaveText('Gerbang Utama')
    await expect(tab.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '3')
    await snap(tab, 'tablet-home', { also: ['tabletWide'] })
    await a11y.check(tab, 'kiosk: petugas home')

    await tab.getByTestId('kiosk-start').click()
    const mode = tab.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    const result = tab.getByTestId('kiosk-result')
    // What the screen asks of the person in front of it (the big card says it; the page names it for tests).
    const hint = mode
    // Recognised: the card asks her for one head turn (the kiosk's challenge); the record follows with that evidence.
    await expect(result.and(tab.locator('[data-type="turn"]'))).toContainText(nameOf('citra'), { timeout: 120_000 })
    await snap(tab, 'tablet-kiosk-turn', { also: ['tabletWide'] })
    await a11y.check(tab, 'kiosk: turn prompt')
    await expect(recent(tab, memberIds.citra)).toHaveCount(1, { timeout: 120_000 })
    await expect(result.and(tab.locator('[data-type="recorded"]'))).toContainText(nameOf('citra'))
    await expect(result).toContainText('Recorded')
    // The picture while she is still in front of the camera (the video moves on to the next person after a while).
    await expect(hint).toHaveAttribute('data-hint', 'recognised')
    await snap(tab, 'tablet-kiosk-recognised', { also: ['tabletWide'] })
    await a11y.check(tab, 'kiosk: recognised')

    // The stranger: never registered anywhere, so never a guess.
    await expect(result.and(tab.locator('[data-type="unknown"]'))).toBeVisible({ timeout: 60_000 })
    await expect(result).toContainText('Not recognised')
    await expect(hint).toHaveAttribute('data-hint', 'unknown')
    await snap(tab, 'tablet-kiosk-unknown', { also: ['tabletWide'] })
    await expect(mode).toHaveAttribute('data-records', '1')
    await expect(tab.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    await tab.getByTestId('kiosk-stop').click()
    await expect(tab.getByTestId('petugas-home')).toBeVisible()

    // The server checked the record's evidence itself (whenever its job ran) and approved it.
    await expect.poll(async () => (await ownRecords(personApis.citra))[0]?.approval_status ?? 'none', { timeout: VERDICT_TIMEOUT, intervals: [1000, 2000, 5000] }).toBe('approved')
    const days = await ownRecords(personApis.citra)
    expect(days).toHaveLength(1)
    expect(days[0]!.check_in_time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect(days[0]!.flags).not.toContain('face_not_verified')
    expect(days[0]!.flags).not.toContain('outside_geofence')
    timings.kiosk = Date.now() - started
  })

  test('4. offline, the kiosk records two check-ins, survives a reload and syncs them once; the dashboard shows them live', async () => {
    test.setTimeout(1_200_000)
    const started = Date.now()
    personApis.dodi = await registerThroughApi('dodi')
    personApis.eka = await registerThroughApi('eka')

    // The admin watches today's attendance on the dashboard (live: no reload from here on).
    const watcher = J.admin.page
    await watcher.getByTestId('nav-attendance').click()
    await expect(watcher.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
    const rows = watcher.getByTestId('attendance-row')
    await expect(rows).toHaveCount(3)
    for (const key of ['dodi', 'eka'] as const) await expect(rows.filter({ hasText: nameOf(key) })).toHaveCount(0)
    // A mark in the page's memory: still there at the end = the page was never reloaded.
    await watcher.evaluate(() => Object.assign(window, { journeyMark: 'not reloaded' }))

    // Other people walk up to the tablet: the same tablet (profile), restarted with the new camera scene.
    const tab = await startTablet(J.faces.sceneOffline)
    const answers: { client_id: string | null; status: string }[] = []
    J.tablet!.on('response', async (response: Response) => {
      if (!response.url().endsWith('/api/attendance/sync') || !response.ok()) return
      const body = (await response.json().catch(() => null)) as { data?: { results: { client_id: string | null; status: string }[] } } | null
      answers.push(...(body?.data?.results ?? []))
    })
    await tab.goto('/p')
    await expect(tab.getByTestId('petugas-home')).toBeVisible()
    await expect(tab.getByTestId('kiosk-station-location')).toHaveText('Gerbang Utama')
    await expect(tab.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '5')
    await expect.poll(() => tab.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)

    await J.tablet!.setOffline(true)
    await tab.getByTestId('kiosk-start').click()
    const mode = tab.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    for (const key of ['dodi', 'eka'] as const) await expect(recent(tab, memberIds[key]), key).toHaveCount(1, { timeout: 150_000 })
    await expect(mode).toHaveAttribute('data-records', '2')
    const status = tab.getByTestId('sync-status')
    await expect(status).toHaveAttribute('data-pending', '2')
    await expect(tab.getByTestId('sync-status-label')).toContainText('2 waiting')
    await snap(tab, 'tablet-kiosk-offline', { also: ['tabletWide'] })
    await a11y.check(tab, 'kiosk: offline, records waiting')
    await tab.getByTestId('kiosk-stop').click()

    // Reloaded while offline: the app comes from the service worker, the records are still waiting.
    await tab.reload()
    await expect(tab.getByTestId('petugas-home')).toBeVisible()
    await expect(status).toHaveAttribute('data-pending', '2')
    await snap(tab, 'tablet-offline-reloaded')
    expect(answers).toEqual([])
    for (const key of ['dodi', 'eka'] as const) expect(await ownRecords(personApis[key]), key).toEqual([])

    // Back online: they go by themselves, each applied exactly once.
    await J.tablet!.setOffline(false)
    await expect(status).toHaveAttribute('data-pending', '0', { timeout: 60_000 })
    await expect(tab.getByTestId('sync-status-label')).toContainText('All sent')
    const applied = answers.filter((r) => r.status === 'applied')
    expect(applied).toHaveLength(2)
    expect(new Set(applied.map((r) => r.client_id)).size).toBe(2)
    expect(answers.filter((r) => r.status !== 'applied' && r.status !== 'duplicate')).toEqual([])
    // Each answered the tablet's own challenge (offline evidence); the server checks it like any other, and the default
    // policy lets an enrolled kiosk's offline records through once checked.
    for (const key of ['dodi', 'eka'] as const) {
      await expect.poll(async () => (await ownRecords(personApis[key]))[0]?.approval_status ?? 'none', { timeout: VERDICT_TIMEOUT, intervals: [1000, 2000, 5000] }).toBe('approved')
      const days = await ownRecords(personApis[key])
      expect(days, key).toHaveLength(1)
      expect(days[0]!.check_in_time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    }
    const listed = await attendanceToday(J.admin.api)
    for (const key of ['dodi', 'eka'] as const) expect(listed.filter((r) => r.member_name === nameOf(key)), key).toHaveLength(1)

    // Meanwhile on the dashboard: both arrived at the top of the list by themselves.
    for (const key of ['dodi', 'eka'] as const) {
      const row = rows.filter({ hasText: nameOf(key) })
      await expect(row, key).toHaveCount(1)
      await expect(row.getByTestId('attendance-new')).toBeVisible()
    }
    await expect(rows).toHaveCount(5)
    expect(await watcher.evaluate(() => (window as unknown as { journeyMark?: string }).journeyMark)).toBe('not reloaded')
    await snap(watcher, 'desktop-attendance-live')
    timings.offline = Date.now() - started
  })
}
