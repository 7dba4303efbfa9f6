import { BASE_URL, cameraBrowser, SHOTS, watchedPage } from './support/browser'
import { personPhoto } from './support/evidence'
import { expect, signInDashboard, test, useServiceWorker } from './support/fixtures'
import { type FaceMember, GATE, KIOSK_PIN, kioskAdmin, kioskOrganization, memberWithFace, ownRecords, TABLET, TABLET_WIDE } from './support/kiosk'
import { classVideo, confirmChecks, faceAt, takePhoto } from './support/roll-call'

// Roll-call from one photo (issue 14 item 5) on the petugas tablet, in Chromium with a fake camera showing a class
// photo composed from real photos (tools/faces/class-photo.ts, ../shared/faces): three of the six people in it are
// members with a registered face (registered from other photos of them), three are nobody here. The petugas takes the
// photo; every face gets a box, the members their names, the strangers "unknown"; the petugas fixes boxes with a tap
// (a member taken off and put back by search, another marked unknown), records the check-in, and reads what became of
// each face. The records are on the admin dashboard for the members recorded, for nobody else. Then the same offline:
// the confirmed roll-call waits on the tablet, survives a reload, and is sent once when the network returns.
// The organization, its tablet and the members' faces are made as for the kiosk (support/kiosk.ts).

test.describe.configure({ mode: 'serial' })

// The roll-call is made on a 1280x800 tablet; the pictures are also taken at 1024x768.
const BOTH_SIZES = { fullPage: false, sizes: [TABLET_WIDE, TABLET] }
const ONE_SIZE = { fullPage: false, sizes: [TABLET_WIDE] }

/** The people in the class photo: the photo each is in it from, and (members) the photo their face was registered from. */
const PEOPLE = {
  a: { identity: 'p02', photo: 'p02-1.jpg', registered: 'p02-3.jpg', name: 'Siti Rahmawati' },
  b: { identity: 'p04', photo: 'p04-2.jpg', registered: 'p04-5.jpg', name: 'Bambang Wijaya' },
  c: { identity: 'p05', photo: 'p05-2.jpg', registered: 'p05-3.jpg', name: 'Yusuf Hakim' },
  x: { identity: 'p01', photo: 'p01-1.jpg', registered: null, name: null },
  y: { identity: 'p03', photo: 'p03-1.jpg', registered: null, name: null },
  z: { identity: 'p06', photo: 'p06-1.jpg', registered: null, name: null },
} as const
const MEMBERS = ['a', 'b', 'c'] as const
const STRANGERS = ['x', 'y', 'z'] as const

const session = kioskAdmin()
const { stamp } = session

test('roll-call from one photo: every face boxed and named, fixed by a tap, recorded, on the dashboard; offline it waits and is sent once', async ({ browser: plainBrowser, openTablet, shot }) => {
  useServiceWorker()
  test.setTimeout(900_000)
  const org = await kioskOrganization(session.admin, `Roll-call ${stamp}`, { petugas: { name: 'Bu Wulan', number: `RC-P-${stamp}` }, device: 'Tablet kelas' })
  const members = {} as Record<(typeof MEMBERS)[number], FaceMember>
  for (const who of MEMBERS) {
    const person = PEOPLE[who]
    members[who] = await memberWithFace(session.admin, org.id, { name: person.name, number: `RC-${stamp}-${who}`, photo: personPhoto(person.identity, person.registered), pin: KIOSK_PIN })
  }
  const { a, b, c } = members
  const { video, photo } = await classVideo(PEOPLE)
  expect(photo.faces).toHaveLength(6)
  const browser = await cameraBrowser(video)
  try {
    const { context, page } = await openTablet(browser, { ...org, pin: KIOSK_PIN }, { viewport: TABLET_WIDE, geolocation: GATE })
    const answers: { status: string; faces: { status: string; member_id: number | null }[] }[] = []
    page.on('response', async (response) => {
      if (!response.url().endsWith('/api/attendance/roll-call')) return
      const body = (await response.json().catch(() => null)) as { data?: (typeof answers)[number] } | null
      if (body?.data) answers.push(body.data)
    })

    // The tablet keeps the app and the faces for offline use (as for kiosk mode).
    await page.goto('/p')
    await expect(page.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '3', { timeout: 60_000 })
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    await page.reload()
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
    await expect(page.getByTestId('kiosk-open-roll-call')).toBeVisible()
    expect((await page.getByTestId('kiosk-open-roll-call').boundingBox())!.height).toBeGreaterThanOrEqual(56)
    await shot(page, 'roll-call-home', BOTH_SIZES)

    // Frame the class and take the photo.
    await page.getByTestId('kiosk-open-roll-call').click()
    await expect(page).toHaveURL(/\/p\/roll-call$/)
    await expect(page.getByTestId('roll-call')).toHaveAttribute('data-camera', 'running', { timeout: 90_000 })
    await shot(page, 'roll-call-camera', BOTH_SIZES)
    await takePhoto(page)
    const screen = page.getByTestId('roll-call')

    // Six faces, six boxes: the three members by name at their own faces, the three strangers unknown.
    await expect(screen).toHaveAttribute('data-faces', '6')
    await expect(page.getByTestId('roll-call-box')).toHaveCount(6)
    // The photo has the camera's full resolution (not the kiosk's 640 px frames), zoomed on screen to the faces.
    await expect(page.getByTestId('roll-call-photo')).toHaveAttribute('data-width', '1920')
    await expect(page.getByTestId('roll-call-photo')).toHaveAttribute('data-height', '1080')
    await expect(page.getByTestId('roll-call-photo')).toHaveAttribute('data-zoomed', 'true')
    for (const who of MEMBERS) {
      const { face } = await faceAt(page, photo, who)
      await expect(face, who).toHaveAttribute('data-member-id', String(members[who].id))
      await expect(face).toContainText(members[who].name)
    }
    for (const who of STRANGERS) {
      const { face } = await faceAt(page, photo, who)
      await expect(face, who).toHaveAttribute('data-mark', 'unknown')
      await expect(face).toHaveAttribute('data-member-id', '')
    }
    await expect(screen).toHaveAttribute('data-unknown', '3')
    await expect(page.getByTestId('roll-call-summary')).toContainText('6 faces')
    await shot(page, 'roll-call-review', BOTH_SIZES)
    // The tablet speaks Indonesian too.
    await page.getByTestId('language-id').click()
    await expect(page.getByTestId('roll-call-summary')).toContainText('6 wajah')
    await shot(page, 'roll-call-review-id', ONE_SIZE)
    await page.getByTestId('language-en').click()
    await confirmChecks(page)
    await expect(screen).toHaveAttribute('data-named', '3')
    await expect(page.getByTestId('roll-call-record')).toHaveText(/Record 3/)

    // A tap on Bambang's box: "unknown" takes him off; a tap again and search puts him back (one face, one name).
    const bambang = await faceAt(page, photo, 'b')
    await bambang.box.click()
    const picker = page.getByTestId('roll-call-picker')
    await expect(picker).toBeVisible()
    await expect(page.getByTestId('roll-call-picker-current')).toHaveText(b.name)
    await shot(page, 'roll-call-picker', ONE_SIZE)
    await page.getByTestId('roll-call-picker-unknown').click()
    await expect(picker).toBeHidden()
    await expect(bambang.face).toHaveAttribute('data-mark', 'unknown')
    await expect(screen).toHaveAttribute('data-named', '2')
    await bambang.face.click()
    await page.getByTestId('roll-call-picker-search').fill('bambang')
    await page.getByTestId('roll-call-picker-member').and(page.locator(`[data-member-id="${b.id}"]`)).last().click()
    await expect(bambang.face).toHaveAttribute('data-member-id', String(b.id))
    await expect(bambang.face).toHaveAttribute('data-mark', 'named')
    // Yusuf is marked unknown: he is not recorded.
    const yusuf = await faceAt(page, photo, 'c')
    await yusuf.box.click()
    await page.getByTestId('roll-call-picker-unknown').click()
    await expect(yusuf.face).toHaveAttribute('data-mark', 'unknown')
    await expect(screen).toHaveAttribute('data-named', '2')
    await expect(screen).toHaveAttribute('data-unknown', '4')
    await page.getByTestId('roll-call-kind-check_in').click()
    await expect(page.getByTestId('roll-call-record')).toHaveAttribute('data-kind', 'check_in')
    await expect(page.getByTestId('roll-call-record')).toHaveText(/Record 2/)
    await shot(page, 'roll-call-fixed', ONE_SIZE)

    // Recorded: the per-face results in words.
    await page.getByTestId('roll-call-record').click()
    const state = page.getByTestId('roll-call-state')
    await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    await expect(page.getByTestId('roll-call-totals')).toHaveAttribute('data-recorded', '2')
    await expect(page.getByTestId('roll-call-totals')).toHaveAttribute('data-unknown', '4')
    const result = (member: FaceMember) => page.getByTestId('roll-call-result').and(page.locator(`[data-member-id="${member.id}"]`))
    for (const member of [a, b]) {
      await expect(result(member)).toHaveAttribute('data-outcome', /^(checking|review|recorded)$/)
      await expect(result(member)).toContainText(/Recorded/)
    }
    await expect(page.getByTestId('roll-call-result').and(page.locator('[data-outcome="unknown"]'))).toHaveCount(4)
    await shot(page, 'roll-call-results', BOTH_SIZES)
    await expect.poll(() => answers.length).toBe(1)
    expect(answers[0]!.faces.filter((f) => f.status === 'applied').map((f) => f.member_id).sort()).toEqual([a.id, b.id].sort())
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')

    // The records are the members', with the roll-call's photo as evidence; none for Yusuf.
    for (const member of [a, b]) {
      const days = await ownRecords(member)
      expect(days, member.name).toHaveLength(1)
      expect(days[0]!.check_in_time).toMatch(/^\d{2}:\d{2}:\d{2}$/)
      expect(days[0]!.flags).toContain('roll_call')
    }
    expect(await ownRecords(c)).toEqual([])

    // On the admin dashboard's attendance page: Siti and Bambang, nobody else.
    const desk = await plainBrowser.newContext({ baseURL: BASE_URL, viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Jakarta' })
    const dashboard = await watchedPage(desk)
    await signInDashboard(dashboard, { organization: org.name, from: '/admin' })
    await dashboard.goto('/admin/attendance')
    const rows = dashboard.getByTestId('attendance-row')
    await expect(rows).toHaveCount(2)
    for (const member of [a, b]) await expect(rows.filter({ hasText: member.name })).toHaveCount(1)
    await expect(rows.filter({ hasText: c.name })).toHaveCount(0)
    await dashboard.screenshot({ path: `${SHOTS}/roll-call-dashboard.png` })
    await desk.close()

    // Offline: the check-out roll-call is saved on the tablet, survives a reload, and is sent once when back online.
    await page.getByTestId('roll-call-next').click()
    await expect(page.getByTestId('roll-call-history-item')).toHaveCount(1)
    await context.setOffline(true)
    await takePhoto(page)
    await confirmChecks(page)
    await expect(screen).toHaveAttribute('data-named', '3')
    await page.getByTestId('roll-call-kind-check_out').click()
    await page.getByTestId('roll-call-record').click()
    await expect(state).toHaveAttribute('data-state', 'waiting')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '3')
    await expect(page.getByTestId('sync-status-label')).toContainText('Offline · 3 waiting')
    await expect(page.getByTestId('roll-call-result').and(page.locator('[data-outcome="waiting"]'))).toHaveCount(3)
    await shot(page, 'roll-call-offline-waiting', BOTH_SIZES)
    await page.reload()
    await expect(page.getByTestId('roll-call')).toBeVisible()
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '3')
    const waiting = page.getByTestId('roll-call-history-item').and(page.locator('[data-state="pending"]'))
    await expect(waiting).toHaveCount(1)
    await waiting.click()
    await expect(state).toHaveAttribute('data-state', 'waiting')
    await shot(page, 'roll-call-offline-reloaded', ONE_SIZE)
    expect(answers).toHaveLength(1)

    await context.setOffline(false)
    await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    await expect.poll(() => answers.length).toBe(2)
    expect(answers[1]!.status).toBe('applied')
    for (const member of [a, b]) await expect.poll(async () => (await ownRecords(member))[0]?.check_out_time ?? null).toMatch(/^\d{2}:\d{2}:\d{2}$/)
  } finally {
    await browser.close()
  }
})
