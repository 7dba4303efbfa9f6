import fs from 'node:fs'
import path from 'node:path'
import { type APIRequestContext, type Browser, type BrowserContext, expect, type Page, request, test } from '@playwright/test'
import { boxIou, type RollCallBox } from '../shared/attendance/roll-call'
import { CONSENT_VERSION } from '../shared/face/consent'
import { composeClassPhoto, type ClassPhoto } from '../tools/faces/class-photo'
import { ADMIN, type AdminApi, adminApi, apiData } from './support/api'
import { BASE_URL, cameraBrowser, logWhile, SHOTS, watchedPage } from './support/browser'
import { classPhotoY4m } from './support/class-photo'
import { personPhoto, registerFaceWithEvidence } from './support/evidence'
import { facesDir, VIDEO_DIR } from './support/fake-camera'

// Roll-call from one photo (issue 14 item 5) on the petugas tablet, in Chromium with a fake camera showing a class
// photo composed from real photos (tools/faces/class-photo.ts, ../shared/faces): three of the six people in it are
// members with a registered face (registered from other photos of them), three are nobody here. The petugas takes the
// photo; every face gets a box, the members their names, the strangers "unknown"; the petugas fixes boxes with a tap
// (a member taken off and put back by search, another marked unknown), records the check-in, and reads what became of
// each face. The records are on the admin dashboard for the members recorded, for nobody else. Then the same offline:
// the confirmed roll-call waits on the tablet, survives a reload, and is sent once when the network returns.

test.describe.configure({ mode: 'serial' })

const TABLET = { width: 1280, height: 800 }
const TABLET_SMALL = { width: 1024, height: 768 }
const PIN = '582914'

/** The people in the class photo: the photo each is in it from, and (members) the photo their face was registered from. */
const PEOPLE = {
  a: { identity: 'p02', photo: 'p02-1.jpg', registered: 'p02-3.jpg', name: 'Siti Rahmawati' },
  b: { identity: 'p04', photo: 'p04-2.jpg', registered: 'p04-5.jpg', name: 'Bambang Wijaya' },
  c: { identity: 'p05', photo: 'p05-2.jpg', registered: 'p05-3.jpg', name: 'Yusuf Hakim' },
  x: { identity: 'p01', photo: 'p01-1.jpg', registered: null, name: null },
  y: { identity: 'p03', photo: 'p03-1.jpg', registered: null, name: null },
  z: { identity: 'p06', photo: 'p06-1.jpg', registered: null, name: null },
} as const
type Who = keyof typeof PEOPLE
const MEMBERS = ['a', 'b', 'c'] as const
const STRANGERS = ['x', 'y', 'z'] as const

let admin: AdminApi
let pageErrors: string[] = []
const stamp = Date.now().toString(36)

test.beforeAll(async () => {
  facesDir()
  admin = await adminApi(BASE_URL)
})
test.afterAll(async () => {
  await admin?.api.dispose()
})
test.beforeEach(() => {
  pageErrors = []
})
test.afterEach(() => {
  expect(pageErrors).toEqual([])
})

interface Member {
  id: number
  name: string
  api: APIRequestContext
}

async function createOrganization(name: string) {
  const { api } = admin
  const org = await apiData<{ id: number }>(await api.post('/api/organizations', { data: { name, timezone: 'Asia/Jakarta' } }))
  await apiData(await api.post('/api/auth/select', { data: { organization_id: org.id } }))
  const petugas = await apiData<{ id: number }>(await api.post(`/api/organizations/${org.id}/members`, { data: { name: 'Bu Wulan', member_number: `RC-P-${stamp}`, role: 'petugas' } }))
  const invite = await apiData<{ code: string }>(await api.post(`/api/organizations/${org.id}/members/${petugas.id}/invitations`, { data: {} }))
  const device = await apiData<{ enrol_code: string }>(await api.post(`/api/organizations/${org.id}/devices`, { data: { name: 'Tablet kelas' } }))
  return { id: org.id, name, petugasCode: invite.code, deviceCode: device.enrol_code }
}

/** A member who redeemed their invitation on "their phone", consented and registered their face (from another photo). */
async function registeredMember(orgId: number, who: (typeof MEMBERS)[number]): Promise<Member> {
  const { api } = admin
  const person = PEOPLE[who]
  await apiData(await api.post('/api/auth/select', { data: { organization_id: orgId } }))
  const member = await apiData<{ id: number }>(await api.post(`/api/organizations/${orgId}/members`, { data: { name: person.name, member_number: `RC-${stamp}-${who}`, role: 'member' } }))
  const invitation = await apiData<{ code: string }>(await api.post(`/api/organizations/${orgId}/members/${member.id}/invitations`, { data: {} }))
  const phone = await request.newContext({ baseURL: BASE_URL })
  await apiData(await phone.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
  await apiData(await phone.post(`/api/members/${member.id}/face/consent`, { data: { version: CONSENT_VERSION } }))
  await registerFaceWithEvidence(phone, member.id, personPhoto(person.identity, person.registered))
  return { id: member.id, name: person.name, api: phone }
}

async function ownRecords(member: Member) {
  return (await apiData<{ records: { check_in_time: string | null; check_out_time: string | null; approval_status: string; flags: string[] }[] }>(await member.api.get('/api/attendance/mine'))).records
}

/** The class photo as the tablet's camera: one still frame of 1920x1080 (e2e/support/class-photo.ts), looped by Chromium. */
async function classVideo(): Promise<{ video: string; photo: ClassPhoto }> {
  const people = (Object.keys(PEOPLE) as Who[]).map((who) => ({ file: personPhoto(PEOPLE[who].identity, PEOPLE[who].photo), label: who }))
  const composed = await composeClassPhoto(people, { width: 1920, height: 1080, faceSizes: { back: 70, front: 100 }, seed: 5 })
  fs.mkdirSync(VIDEO_DIR, { recursive: true })
  fs.writeFileSync(path.join(VIDEO_DIR, 'roll-call-class.jpg'), composed.jpeg)
  // The camera frame has the photo's size: the faces' boxes are the same in the frame.
  const { file, faces } = await classPhotoY4m(composed, path.join(VIDEO_DIR, 'roll-call.y4m'), composed.width, composed.height)
  return { video: file, photo: { ...composed, faces } }
}

async function tablet(browser: Browser, org: { petugasCode: string; deviceCode: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: TABLET, hasTouch: true, locale: 'en-US', timezoneId: 'Asia/Jakarta', permissions: ['camera', 'geolocation'], geolocation: { latitude: -6.2001, longitude: 106.8167 } })
  await apiData(await context.request.post('/api/devices/enrol', { data: { code: org.deviceCode } }))
  await apiData(await context.request.post('/api/mobile/invitations/redeem', { data: { code: org.petugasCode, pin: PIN } }))
  return { context, page: await watchedPage(context, pageErrors) }
}

async function shot(page: Page, name: string, sizes: { width: number; height: number }[] = [TABLET, TABLET_SMALL]): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  for (const size of sizes) {
    await page.setViewportSize(size)
    await page.screenshot({ path: `${SHOTS}/${name}-${size.width}.png` })
  }
  await page.setViewportSize(TABLET)
}

const parseBox = (value: string | null): RollCallBox => {
  const [x, y, width, height] = (value ?? '').split(',').map(Number)
  return { x: x!, y: y!, width: width!, height: height! }
}

/** The face of the list (and of the photo) at a person's place in the composed photo. */
async function faceAt(page: Page, photo: ClassPhoto, who: Who) {
  const truth = photo.faces.find((f) => f.label === who)!.box
  const faces = page.getByTestId('roll-call-face')
  for (let i = 0; i < (await faces.count()); i++) {
    if (boxIou(parseBox(await faces.nth(i).getAttribute('data-box')), truth) >= 0.3) return { index: i, face: faces.nth(i), box: page.getByTestId('roll-call-box').nth(i) }
  }
  throw new Error(`no face box at ${who}'s place ${JSON.stringify(truth)}`)
}

const logRollCallUntil = <T>(page: Page, until: Promise<T>) => logWhile('roll-call', page.getByTestId('roll-call'), ['phase', 'camera', 'engine', 'faces', 'named', 'unknown'], until)

/** Takes the photo and waits for its faces to be found and named (however long that takes here). */
async function takePhoto(page: Page): Promise<void> {
  const screen = page.getByTestId('roll-call')
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-camera', 'running', { timeout: 90_000 }))
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-engine', 'ready', { timeout: 180_000 }))
  await page.getByTestId('roll-call-take').click()
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-phase', 'review', { timeout: 180_000 }))
}

/** Confirms every name the tablet marked for a look (amber), as the petugas would after looking. */
async function confirmChecks(page: Page): Promise<void> {
  const checks = page.getByTestId('roll-call-face').and(page.locator('[data-mark="check"]'))
  while ((await checks.count()) > 0) {
    await checks.first().click()
    await page.getByTestId('roll-call-picker-yes').click()
  }
}

test('roll-call from one photo: every face boxed and named, fixed by a tap, recorded, on the dashboard; offline it waits and is sent once', async ({ browser: plainBrowser }) => {
  test.setTimeout(900_000)
  const org = await createOrganization(`Roll-call ${stamp}`)
  const members = {} as Record<(typeof MEMBERS)[number], Member>
  for (const who of MEMBERS) members[who] = await registeredMember(org.id, who)
  const { a, b, c } = members
  const { video, photo } = await classVideo()
  expect(photo.faces).toHaveLength(6)
  const browser = await cameraBrowser(video)
  try {
    const { context, page } = await tablet(browser, org)
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
    await shot(page, 'roll-call-home')

    // Frame the class and take the photo.
    await page.getByTestId('kiosk-open-roll-call').click()
    await expect(page).toHaveURL(/\/p\/roll-call$/)
    await expect(page.getByTestId('roll-call')).toHaveAttribute('data-camera', 'running', { timeout: 90_000 })
    await shot(page, 'roll-call-camera')
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
    await shot(page, 'roll-call-review')
    // The tablet speaks Indonesian too.
    await page.getByTestId('language-id').click()
    await expect(page.getByTestId('roll-call-summary')).toContainText('6 wajah')
    await shot(page, 'roll-call-review-id', [TABLET])
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
    await shot(page, 'roll-call-picker', [TABLET])
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
    await shot(page, 'roll-call-fixed', [TABLET])

    // Recorded: the per-face results in words.
    await page.getByTestId('roll-call-record').click()
    const state = page.getByTestId('roll-call-state')
    await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    await expect(page.getByTestId('roll-call-totals')).toHaveAttribute('data-recorded', '2')
    await expect(page.getByTestId('roll-call-totals')).toHaveAttribute('data-unknown', '4')
    const result = (member: Member) => page.getByTestId('roll-call-result').and(page.locator(`[data-member-id="${member.id}"]`))
    for (const member of [a, b]) {
      await expect(result(member)).toHaveAttribute('data-outcome', /^(checking|review|recorded)$/)
      await expect(result(member)).toContainText(/Recorded/)
    }
    await expect(page.getByTestId('roll-call-result').and(page.locator('[data-outcome="unknown"]'))).toHaveCount(4)
    await shot(page, 'roll-call-results')
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
    const dashboard = await watchedPage(desk, pageErrors)
    await dashboard.goto('/admin')
    await dashboard.getByTestId('login-email').fill(ADMIN.email)
    await dashboard.getByTestId('login-password').fill(ADMIN.password)
    await dashboard.getByTestId('login-submit').click()
    await dashboard.getByTestId('org-option').filter({ hasText: org.name }).click()
    await expect(dashboard.getByTestId('admin-shell')).toBeVisible()
    await dashboard.goto('/admin/attendance')
    const rows = dashboard.getByTestId('attendance-row')
    await expect(rows).toHaveCount(2, { timeout: 30_000 })
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
    await expect(state).toHaveAttribute('data-state', 'waiting', { timeout: 30_000 })
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '3')
    await expect(page.getByTestId('sync-status-label')).toContainText('Offline · 3 waiting')
    await expect(page.getByTestId('roll-call-result').and(page.locator('[data-outcome="waiting"]'))).toHaveCount(3)
    await shot(page, 'roll-call-offline-waiting')
    await page.reload()
    await expect(page.getByTestId('roll-call')).toBeVisible()
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '3')
    const waiting = page.getByTestId('roll-call-history-item').and(page.locator('[data-state="pending"]'))
    await expect(waiting).toHaveCount(1)
    await waiting.click()
    await expect(state).toHaveAttribute('data-state', 'waiting')
    await shot(page, 'roll-call-offline-reloaded', [TABLET])
    expect(answers).toHaveLength(1)

    await context.setOffline(false)
    await expect(state).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    await expect.poll(() => answers.length).toBe(2)
    expect(answers[1]!.status).toBe('applied')
    for (const member of [a, b]) await expect.poll(async () => (await ownRecords(member))[0]?.check_out_time ?? null, { timeout: 30_000 }).toMatch(/^\d{2}:\d{2}:\d{2}$/)
  } finally {
    await browser.close()
  }
})
