import fs from 'node:fs'
import path from 'node:path'
import { apiData } from './support/api'
import { cameraBrowser } from './support/browser'
import { VIDEO_DIR } from './support/fake-camera'
import { expect, test, useServiceWorker } from './support/fixtures'
import { AT_GATE, BOTH_TABLETS, checkedDay, KIOSK_PEOPLE, KIOSK_PIN, kioskCast, kioskStats, kioskVideo, logKioskUntil, ONE_TABLET, ownRecords, recent, syncAnswers } from './support/kiosk'

// The petugas kiosk (/p) in Chromium with a fake camera fed from real photos (../shared/faces): kiosk mode (1:N)
// recognises two registered members one after another, asks each for one head turn (the kiosk's challenge) and
// records them with that evidence, and refuses a face nobody registered; a QR code from a member's phone followed by
// the 1:1 face check and the turn; then, offline, three check-ins wait in the outbox with their evidence, survive a
// reload (the app comes from the service worker) and reach the server exactly once when the network returns. The
// server checks every record's evidence itself; the spec waits for its verdict on the records.
// The kiosk's safeguards (a confusable face, a still photo, a refused record) are in e2e/kiosk-safeguards.spec.ts.
//
// Each organization is made here through the API, and the members' faces are registered through the API as a phone
// does: the evidence of a registration challenge, rendered from another photo of the same person
// (support/kiosk.ts, shared with e2e/roll-call.spec.ts).

test.describe.configure({ mode: 'serial' })

const { stamp, org: kioskOrg, registered } = kioskCast()
const PEOPLE = KIOSK_PEOPLE

test('kiosk mode recognises two members one after another, sees each head move, refuses an unknown face; a QR code and the 1:1 check record a check-out', async ({ openTablet, shot }) => {
  test.setTimeout(900_000)
  const org = await kioskOrg(`Kiosk ${stamp}`, true)
  const a = await registered(org, 'a')
  const b = await registered(org, 'b')
  const qr = await apiData<{ token: string }>(await a.api.get('/api/attendance/qr'))
  const browser = await cameraBrowser(await kioskVideo({ a: PEOPLE.a, b: PEOPLE.b, u: PEOPLE.u }, qr.token))
  try {
    const { page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    // What the tablet sends: records with their evidence, never a descriptor (a biometric template the server never keeps).
    const sent: Record<string, unknown>[] = []
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/attendance/sync')) sent.push(...(r.postDataJSON() as { records: Record<string, unknown>[] }).records)
    })

    // Pick the place: remembered on the tablet.
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-station')).toBeVisible()
    await expect(page.getByTestId('kiosk-location-option')).toHaveCount(2)
    await shot(page, 'kiosk-location-pick', BOTH_TABLETS)
    await page.getByTestId('kiosk-location-option').filter({ hasText: 'Gerbang Utama' }).click()
    await page.getByTestId('kiosk-department').selectOption({ label: 'Tata Usaha' })
    await page.getByTestId('kiosk-station-submit').click()
    await expect(page.getByTestId('kiosk-station-location')).toHaveText('Gerbang Utama')
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '2')
    for (const id of ['kiosk-start', 'kiosk-open-search', 'kiosk-open-qr', 'petugas-logout']) {
      expect((await page.getByTestId(id).boundingBox())!.height, id).toBeGreaterThanOrEqual(56)
    }
    await shot(page, 'kiosk-home', BOTH_TABLETS)
    await page.reload()
    await expect(page.getByTestId('kiosk-station-location')).toHaveText('Gerbang Utama')

    // Kiosk mode: each recognised face is recorded at once, one after another.
    await page.getByTestId('kiosk-start').click()
    const mode = page.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    const result = page.getByTestId('kiosk-result')
    // Recognised: the big card says what the kiosk's challenge (natural movement) still needs, if anything.
    // One look at the whole card: the movement may be seen (and the card gone) a moment later.
    const turn = result.and(page.locator('[data-type="turn"]'))
      .filter({ hasText: /Siti Rahmawati|Bambang Wijaya/ })
      .filter({ has: page.locator('[data-testid="kiosk-turn"]:is([data-prompt="move"], [data-prompt="look_straight"], [data-prompt="done"])') })
      .filter({ has: page.getByTestId('kiosk-turn-text').filter({ hasText: /Turn your head a little to either side|Look straight at the camera|Hold still/ }) })
    await expect(turn).toBeVisible({ timeout: 180_000 })
    await shot(page, 'kiosk-turn-prompt', BOTH_TABLETS)
    await logKioskUntil(page, expect(recent(page, a.id)).toHaveCount(1, { timeout: 120_000 }))
    await logKioskUntil(page, expect(recent(page, b.id)).toHaveCount(1, { timeout: 120_000 }))
    // One look at the card (the camera moves on as fast as the tablet reads it, so the next face may replace it).
    const card = (type: string) => result.and(page.locator(`[data-type="${type}"]`))
    await expect(card('recorded').filter({ hasText: /Siti Rahmawati|Bambang Wijaya/ }).filter({ hasText: 'Recorded' })).toBeVisible({ timeout: 60_000 })
    await shot(page, 'kiosk-recognised', BOTH_TABLETS)
    const stats = await kioskStats(page)
    test.info().annotations.push({ type: 'kiosk timings', description: JSON.stringify(stats) })
    console.log('kiosk mode in Chromium:', stats)

    // The third face belongs to nobody here: "not recognised", never a guess.
    // (Missed while the pictures were taken, it comes back round the loop.)
    await expect(card('unknown').filter({ hasText: 'Not recognised' })).toBeVisible({ timeout: 180_000 })
    await shot(page, 'kiosk-not-recognised', BOTH_TABLETS)

    // Round the loop, the first member is back within the cooldown: their card again, still one record each.
    await expect(card('already')).toBeVisible({ timeout: 180_000 })
    await expect(recent(page, a.id)).toHaveCount(1)
    await expect(recent(page, b.id)).toHaveCount(1)
    await expect(mode).toHaveAttribute('data-records', '2')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    await expect(page.getByTestId('kiosk-recent-item').first()).toHaveAttribute('data-synced', '1')

    expect(sent.length).toBeGreaterThanOrEqual(2)
    for (const record of sent) {
      expect(record).not.toHaveProperty('face_encoding')
      expect(record).toHaveProperty('evidence')
    }
    // The records are on the server, with the kiosk's place and GPS position; the server checked each one's evidence
    // (the turn of an issued challenge, the member's face) and approved it.
    for (const member of [a, b]) {
      const day = await checkedDay(member)
      expect(await ownRecords(member), member.name).toHaveLength(1)
      expect(day.check_in_time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
      expect(day.approval_status, member.name).toBe('approved')
      expect(day.flags).not.toContain('face_not_verified')
      expect(day.flags).not.toContain('outside_geofence')
    }

    // QR: the member's phone code finds the member, the face is checked 1:1 against them, the petugas confirms.
    await page.getByTestId('kiosk-stop').click()
    await page.getByTestId('kiosk-open-qr').click()
    const record = page.getByTestId('kiosk-record')
    await expect(record).toBeVisible({ timeout: 90_000 })
    await expect(record).toHaveAttribute('data-member-id', String(a.id))
    await expect(page.getByTestId('kiosk-turn')).toBeVisible({ timeout: 120_000 })
    await shot(page, 'kiosk-qr-turn', ONE_TABLET)
    await logKioskUntil(page, expect(page.getByTestId('kiosk-record-confirm')).toBeVisible({ timeout: 120_000 }))
    await expect(page.getByTestId('kiosk-record-confirm')).toHaveAttribute('data-kind', 'check_out')
    await expect(page.getByTestId('kiosk-record-confirm')).toContainText('Siti Rahmawati')
    await shot(page, 'kiosk-qr-confirm', BOTH_TABLETS)
    await page.getByTestId('kiosk-record-confirm-button').click()
    await expect(result.and(page.locator('[data-type="recorded"]'))).toBeVisible()
    await expect(result).toHaveAttribute('data-kind', 'check_out')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    await expect.poll(async () => (await ownRecords(a))[0]?.check_out_time ?? null).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect(await ownRecords(a)).toHaveLength(1)

    // Search (online: the server's member list, in the tablet's department unless widened) and the same 1:1 check.
    await page.getByTestId('kiosk-record-next').click()
    await expect(page.getByTestId('kiosk-qr')).toBeVisible()
    await page.getByTestId('kiosk-back').click()
    await page.getByTestId('kiosk-open-search').click()
    await page.getByTestId('kiosk-search-input').fill('bambang')
    await expect(page.getByTestId('kiosk-search-empty')).toBeVisible() // B is in no department
    await page.getByTestId('kiosk-search-scope').click()
    await expect(page.getByTestId('kiosk-search-result')).toHaveCount(1)
    await expect(page.getByTestId('kiosk-search-offline')).toHaveCount(0)
    await shot(page, 'kiosk-search', BOTH_TABLETS)
    await page.getByTestId('kiosk-search-result').click()
    await expect(page.getByTestId('kiosk-record')).toHaveAttribute('data-member-id', String(b.id))
    await expect(page.getByTestId('kiosk-record-confirm')).toBeVisible({ timeout: 180_000 })
    await expect(page.getByTestId('kiosk-record-confirm')).toHaveAttribute('data-kind', 'check_out')
    await page.getByTestId('kiosk-record-confirm-button').click()
    await expect(result.and(page.locator('[data-type="recorded"]'))).toContainText('Bambang Wijaya')
    await expect.poll(async () => (await ownRecords(b))[0]?.check_out_time ?? null).toMatch(/^\d{2}:\d{2}:\d{2}$/)
    expect((await checkedDay(b)).approval_status).toBe('approved')
  } finally {
    await browser.close()
  }
})

test('offline: three check-ins wait in the outbox, survive a reload, and reach the server exactly once', async ({ openTablet, shot }) => {
  useServiceWorker()
  test.setTimeout(900_000)
  const org = await kioskOrg(`Kiosk offline ${stamp}`, false)
  const members = [await registered(org, 'a'), await registered(org, 'b'), await registered(org, 'u')]
  const video = path.join(VIDEO_DIR, 'kiosk.y4m')
  expect(fs.existsSync(video), 'the kiosk video of the first test').toBe(true)
  const browser = await cameraBrowser(video)
  try {
    const { context, page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    const answers = syncAnswers(page)

    // Online once: no places to choose (the whole organization), the gallery and the app are saved on the tablet.
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-actions')).toBeVisible()
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '3')
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await page.reload()
    await expect(page.getByTestId('kiosk-actions')).toBeVisible()
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
    // The recognition model and its runtime are not precached: the tablet keeps them once fetched, and says so.
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-faces', 'ready', { timeout: 120_000 })
    await expect(page.getByTestId('kiosk-gallery-status')).toContainText('Kiosk mode works offline.')

    await context.setOffline(true)
    await page.getByTestId('kiosk-start').click()
    const mode = page.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    for (const member of members) await logKioskUntil(page, expect(recent(page, member.id)).toHaveCount(1, { timeout: 150_000 }))
    await expect(mode).toHaveAttribute('data-records', '3')
    const status = page.getByTestId('sync-status')
    await expect(status).toHaveAttribute('data-pending', '3')
    await expect(page.getByTestId('sync-status-label')).toContainText('Offline · 3 waiting')
    await shot(page, 'kiosk-offline-waiting', BOTH_TABLETS)
    console.log('kiosk mode offline:', await kioskStats(page))

    // Search works offline too, over the names saved with the faces.
    await page.getByTestId('kiosk-stop').click()
    await page.getByTestId('kiosk-open-search').click()
    await page.getByTestId('kiosk-search-input').fill('bambang')
    await expect(page.getByTestId('kiosk-search-offline')).toBeVisible()
    await expect(page.getByTestId('kiosk-search-result')).toHaveCount(1)
    await expect(page.getByTestId('kiosk-search-result')).toContainText('Bambang Wijaya')
    await shot(page, 'kiosk-search-offline', BOTH_TABLETS)

    // A reload while offline: the app comes from the service worker, the records are still waiting.
    await page.getByTestId('kiosk-back').click()
    await page.reload()
    await expect(page.getByTestId('petugas-home')).toBeVisible()
    await expect(status).toHaveAttribute('data-pending', '3')
    await expect(page.getByTestId('sync-status-label')).toContainText('3 waiting')
    await shot(page, 'kiosk-offline-reloaded', BOTH_TABLETS)
    expect(answers).toEqual([])

    // Back online: they go by themselves, without a reload, each applied exactly once.
    await context.setOffline(false)
    await expect(status).toHaveAttribute('data-pending', '0', { timeout: 60_000 })
    await expect(page.getByTestId('sync-status-label')).toContainText('All sent')
    await shot(page, 'kiosk-synced', ONE_TABLET)
    const applied = answers.filter((r) => r.status === 'applied')
    expect(applied).toHaveLength(3)
    expect(new Set(applied.map((r) => r.client_id)).size).toBe(3)
    expect(answers.filter((r) => r.status !== 'applied' && r.status !== 'duplicate')).toEqual([])
    // Each answered the tablet's own challenge (offline evidence): the server checked it like any other, and the
    // organization's default policy lets an enrolled kiosk's offline records through without review.
    for (const member of members) {
      const day = await checkedDay(member)
      expect(await ownRecords(member), member.name).toHaveLength(1)
      expect(day.check_in_time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
      expect(day.check_out_time).toBeNull()
      expect(day.approval_status, member.name).toBe('approved')
      expect(day.flags).not.toContain('face_not_verified')
    }
  } finally {
    await browser.close()
  }
})
