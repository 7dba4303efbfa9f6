import path from 'node:path'
import { apiData } from './support/api'
import { cameraBrowser } from './support/browser'
import { facesDir, selfieFrame, VIDEO_DIR } from './support/fake-camera'
import { expect, test, type Viewport } from './support/fixtures'
import { AT_GATE, checkedDay, KIOSK_PEOPLE, KIOSK_PIN, kioskCast, logKioskUntil, ownRecords, personFrames, recent, TABLET } from './support/kiosk'
import { twoFaceFrames } from './support/two-faces'
import { writeY4m } from './support/y4m'

// The kiosk at a school gate at 7am (issue 18), in Chromium with a fake camera fed from real photos: a pupil who
// already checked in on their phone is told so ("Already checked in 07:12 (phone)") instead of a second record, with
// the success sound and a full-colour card; the one instruction is on the big card; search and QR are one tap away and
// go back to face mode by themselves (after the record, after a short idle); with two people in front of the camera
// the nearest one is read and boxed. Screenshots at tablet sizes (landscape 1024x768 and portrait 800x1280).

test.describe.configure({ mode: 'serial' })

const { stamp, org: kioskOrg, registered } = kioskCast()
const PEOPLE = KIOSK_PEOPLE
const PORTRAIT: Viewport = { width: 800, height: 1280 }
const TABLETS = { fullPage: false, sizes: [TABLET, PORTRAIT] }

test('a pupil who checked in on their phone is told "already checked in" with the time and the phone; search from the kiosk records and comes back to face mode', async ({ openTablet, shot }) => {
  test.setTimeout(900_000)
  const org = await kioskOrg(`Kiosk gate ${stamp}`, false)
  const a = await registered(org, 'a')
  // On the bus: her phone checks her in.
  const synced = await apiData<{ results: { status: string }[] }>(await a.api.post('/api/attendance/sync', {
    data: { device_id: 'phone-a', sent_at: new Date().toISOString(), records: [{ client_id: crypto.randomUUID(), member_id: a.id, kind: 'check_in', captured_at: new Date().toISOString() }] },
  }))
  expect(synced.results[0]!.status).toBe('applied')
  const checkIn = (await ownRecords(a))[0]!.check_in_time!.slice(0, 5)
  const browser = await cameraBrowser(writeY4m(path.join(VIDEO_DIR, 'kiosk-gate-a.y4m'), await personFrames(PEOPLE.a, 'gate-a')))
  try {
    const { page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '1', { timeout: 60_000 })
    await page.getByTestId('kiosk-start').click()
    const mode = page.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    // One instruction, on the big card: no second line under the camera.
    await expect(page.getByTestId('kiosk-hint')).toHaveCount(0)
    const result = page.getByTestId('kiosk-result')
    const already = result.and(page.locator('[data-type="already"][data-origin="phone"]'))
    await logKioskUntil(page, expect(already).toBeVisible({ timeout: 180_000 }))
    await expect(already).toHaveAttribute('data-kind', 'check_in')
    await expect(page.getByTestId('kiosk-result-verdict')).toHaveText(`Already checked in ${checkIn} (phone)`)
    await expect(mode).toHaveAttribute('data-sound', 'success')
    await expect(mode).toHaveAttribute('data-records', '0')
    await shot(page, 'kiosk-gate-already-phone', TABLETS)
    await page.getByTestId('language-id').click()
    await expect(page.getByTestId('kiosk-result-verdict')).toHaveText(`Sudah absen masuk ${checkIn.replace(':', '.')} (ponsel)`)
    await shot(page, 'kiosk-gate-already-phone-id', { fullPage: false, sizes: [TABLET] })
    await page.getByTestId('language-en').click()
    expect(await ownRecords(a)).toHaveLength(1)

    // Search, one tap away on the kiosk screen; after the record, back to face mode.
    await page.getByTestId('kiosk-mode-search').click()
    await expect(page.getByTestId('kiosk-search')).toHaveAttribute('data-from', 'kiosk')
    await page.getByTestId('kiosk-search-input').fill('Siti')
    await page.getByTestId('kiosk-search-result').first().click()
    const record = page.getByTestId('kiosk-record')
    await expect(record).toHaveAttribute('data-from', 'kiosk')
    // The 1:1 check's screen has one instruction too: the big line beside the camera (whom it waits for, or what the
    // camera needs), replaced by the turn card once the face is hers; no second line under it.
    await expect(page.getByTestId('kiosk-record-lead').or(page.getByTestId('kiosk-turn'))).toBeVisible({ timeout: 90_000 })
    await expect(page.getByTestId('kiosk-hint')).toHaveCount(0)
    await shot(page, 'kiosk-record-one-instruction', { fullPage: false, sizes: [TABLET] })
    await logKioskUntil(page, expect(page.getByTestId('kiosk-record-confirm')).toBeVisible({ timeout: 180_000 }))
    await page.getByTestId('kiosk-record-confirm-button').click()
    await expect(result.and(page.locator('[data-type="recorded"]'))).toBeVisible()
    await page.getByTestId('kiosk-record-next').click()
    await expect(mode).toBeVisible()
    await expect(page).toHaveURL(/\/p\/kiosk$/)
  } finally {
    await browser.close()
  }
})

test('two people in front of the kiosk: the nearer (larger) face is read, boxed and recorded; the server accepts the evidence', async ({ openTablet, shot }) => {
  test.setTimeout(900_000)
  const org = await kioskOrg(`Kiosk two ${stamp}`, false)
  const a = await registered(org, 'a')
  const other = await selfieFrame(path.join(facesDir(), 'people', PEOPLE.u.identity, PEOPLE.u.video))
  if (!other) throw new Error('no clear face for the second person')
  const frames = await twoFaceFrames(await personFrames(PEOPLE.a, 'two-a'), other)
  const browser = await cameraBrowser(writeY4m(path.join(VIDEO_DIR, 'kiosk-two-faces.y4m'), frames))
  try {
    const { page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '1', { timeout: 60_000 })
    await page.getByTestId('kiosk-start').click()
    const mode = page.getByTestId('kiosk-mode')
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    // Both faces are seen; the box is around the nearer one (left in the camera's picture: right in the mirror).
    await expect(mode).toHaveAttribute('data-faces', '2', { timeout: 120_000 })
    const box = page.getByTestId('kiosk-face-box')
    await expect(box).toBeVisible({ timeout: 60_000 })
    const stage = (await page.getByTestId('kiosk-camera').boundingBox())!
    const around = (await box.boundingBox())!
    expect(around.x + around.width / 2).toBeGreaterThan(stage.x + stage.width / 2)
    await expect(page.getByTestId('kiosk-result').and(page.locator('[data-type="turn"]'))).toContainText(PEOPLE.a.name, { timeout: 180_000 })
    await shot(page, 'kiosk-gate-two-faces', TABLETS)
    await logKioskUntil(page, expect(recent(page, a.id)).toHaveCount(1, { timeout: 180_000 }))
    await expect(page.getByTestId('kiosk-result').and(page.locator('[data-type="recorded"]'))).toBeVisible({ timeout: 60_000 })
    await expect(mode).toHaveAttribute('data-sound', 'success')
    await shot(page, 'kiosk-gate-recorded', TABLETS)
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    // The server's own check of the evidence (one person in every crop, the turn) approves it.
    const day = await checkedDay(a)
    expect(day.approval_status).toBe('approved')
  } finally {
    await browser.close()
  }
})

test('"not recognised" turns the card red with its sound and points at search and QR, one tap away; both go back to face mode after a short idle', async ({ openTablet, shot }) => {
  test.setTimeout(600_000)
  const org = await kioskOrg(`Kiosk ways ${stamp}`, false)
  await registered(org, 'a')
  const stranger = await selfieFrame(path.join(facesDir(), 'people', PEOPLE.u.identity, PEOPLE.u.video))
  if (!stranger) throw new Error('no clear face for the stranger')
  const browser = await cameraBrowser(writeY4m(path.join(VIDEO_DIR, 'kiosk-stranger.y4m'), [stranger]))
  try {
    const { page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, AT_GATE)
    // The idle return is tested by moving the page's clock on, never by waiting for it.
    await page.clock.install()
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '1', { timeout: 60_000 })
    await page.getByTestId('kiosk-start').click()
    const mode = page.getByTestId('kiosk-mode')
    // Before anyone is read, the big card carries the one instruction (a picture only when caught before the first face).
    if ((await page.getByTestId('kiosk-result').getAttribute('data-type')) === 'idle') await shot(page, 'kiosk-gate-ready', { fullPage: false, sizes: [TABLET] })
    await expect(mode).toHaveAttribute('data-status', 'running', { timeout: 90_000 })
    await expect(page.getByTestId('kiosk-result').and(page.locator('[data-type="unknown"]'))).toBeVisible({ timeout: 180_000 })
    await expect(mode).toHaveAttribute('data-sound', 'unknown')
    for (const id of ['kiosk-mode-search', 'kiosk-mode-qr']) {
      await expect(page.getByTestId(id)).toHaveClass(/kiosk-mode__way--ask/)
      expect((await page.getByTestId(id).boundingBox())!.height, id).toBeGreaterThanOrEqual(64)
    }
    await shot(page, 'kiosk-gate-not-recognised', TABLETS)

    await page.getByTestId('kiosk-mode-search').click()
    const search = page.getByTestId('kiosk-search')
    await expect(search).toHaveAttribute('data-from', 'kiosk')
    await shot(page, 'kiosk-gate-search', { fullPage: false, sizes: [TABLET] })
    // Typing keeps the screen; left alone, it goes back to face mode.
    await page.clock.fastForward(15_000)
    await page.getByTestId('kiosk-search-input').fill('nobody')
    await page.clock.fastForward(15_000)
    await expect(search).toBeVisible()
    await page.clock.fastForward(10_000)
    await expect(mode).toBeVisible()

    await page.getByTestId('kiosk-mode-qr').click()
    await expect(page.getByTestId('kiosk-qr')).toHaveAttribute('data-from', 'kiosk')
    await page.clock.fastForward(25_000)
    await expect(mode).toBeVisible()
    await expect(mode).toHaveAttribute('data-records', '0')
  } finally {
    await browser.close()
  }
})
