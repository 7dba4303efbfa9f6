import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { type APIRequestContext, type Browser, type BrowserContext, expect, type Page, request, test } from '@playwright/test'
import { CONSENT_VERSION } from '../shared/face/consent'
import { adminApi, ADMIN, type AdminApi, apiData, inviteMember, type InvitedMember, memberFaceRegistered } from './support/api'
import { facesDir, REPO_ROOT, registrationVideo, type RegistrationVideo } from './support/fake-camera'
import { alternateChallenges, BASE_URL, cameraBrowser, PHONE, SHOTS, watchedPage } from './support/browser'

// A member's attendance on their phone (issue 4): register the face, check in online, check out offline (the record
// waits in the outbox and goes out by itself when the network returns), history, QR code, profile, a record the
// server refuses ("needs attention", sent again after the admin fixes the cause), face sign-in, a face that is not the
// member's, and the admin deleting face data on request.
//
// The fake camera is a video rendered from real photos of one person (../shared/faces/people), with head turns for
// the liveness challenge, as in e2e/face.spec.ts (the same Math.random seeding, support/browser.ts: one turn each way).
// Everything happens in an organization of its own, so other specs' members, faces and settings never interfere.

test.describe.configure({ mode: 'serial' })

const PIN = '604917'
/** Where the phone says it is (Jakarta), and a fenced location far away (Surabaya) for the refused record. */
const HERE = { latitude: -6.2, longitude: 106.8166, accuracy: 15 }
const FAR = { latitude: -7.2575, longitude: 112.7521 }

let admin: AdminApi
let organization: { id: number; name: string }
let video: RegistrationVideo
let rina: InvitedMember
let pageErrors: string[] = []
const timings: Record<string, number> = {}

test.beforeAll(async () => {
  test.setTimeout(180_000)
  facesDir()
  admin = await adminApi(BASE_URL)
  // An organization of this spec's own. Work hours 23:58–23:59 make any check-in of the day "on time" and any
  // check-out "left early", so the confirmation texts are known in advance (unless the test runs at 23:58).
  const created = await apiData<{ id: number; name: string }>(
    await admin.api.post('/api/organizations', {
      data: { name: `Absensi E2E ${Date.now().toString(36)}`, timezone: 'Asia/Jakarta', work_start_time: '23:58', work_end_time: '23:59', late_tolerance_minutes: 0 },
    }),
  )
  organization = { id: created.id, name: created.name }
  await apiData(await admin.api.post('/api/auth/select', { data: { organization_id: created.id } }))
  admin = { api: admin.api, organizationId: created.id }
  video = await registrationVideo('member-attendance')
})

test.afterAll(async () => {
  console.log('member attendance timings (ms):', timings)
  await admin?.api.dispose()
})

test.beforeEach(() => {
  pageErrors = []
})

test.afterEach(() => {
  expect(pageErrors).toEqual([])
})

async function phone(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: 'Asia/Jakarta',
    permissions: ['camera', 'geolocation'],
    geolocation: HERE,
  })
  await alternateChallenges(context)
  return { context, page: await watchedPage(context, pageErrors) }
}

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage })
}

interface OwnRecord {
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  flags: string[]
  remarks: string | null
}

/** The member's records as the server has them (the phone's own session). */
async function serverRecords(page: Page): Promise<OwnRecord[]> {
  return (await apiData<{ records: OwnRecord[] }>(await page.request.get('/api/attendance/mine'))).records
}

/** Absensi → liveness scan → the "it's you" screen. Returns the time the scan took. */
async function scanForAttendance(page: Page, screenshot?: string): Promise<number> {
  const started = Date.now()
  await page.getByTestId('checkin-button').click()
  const camera = page.getByTestId('face-camera')
  await expect(camera).toBeVisible()
  if (screenshot) {
    await expect(camera).toHaveAttribute('data-hint', /turn_left|turn_right/, { timeout: 60_000 })
    await shot(page, screenshot)
  }
  await expect(page.getByTestId('checkin-confirm')).toBeVisible({ timeout: 90_000 })
  return Date.now() - started
}

/** Submit on the "it's you" screen; returns the time until the confirmation shows. */
async function submitAttendance(page: Page, remarks?: string): Promise<number> {
  if (remarks) await page.getByTestId('checkin-remarks').fill(remarks)
  const started = Date.now()
  await page.getByTestId('checkin-submit').click()
  await expect(page.getByTestId('checkin-done')).toBeVisible()
  return Date.now() - started
}

test('a member checks in online, checks out offline, and the record syncs by itself', async () => {
  test.setTimeout(420_000)
  const browser = await cameraBrowser(video.file)
  try {
    const { context, page } = await phone(browser)
    rina = await inviteMember(admin, 'Rina Wulandari')
    await page.goto(`/m/invite/${rina.code}`)
    await page.getByTestId('invite-pin').fill(PIN)
    await page.getByTestId('invite-pin-repeat').fill(PIN)
    await page.getByTestId('invite-submit').click()
    await expect(page.getByTestId('member-home')).toBeVisible()
    await expect(page.getByTestId('sync-status')).toBeVisible()
    await expect(page.getByTestId('checkin-button')).toBeDisabled()

    // Face registration (consent, liveness, captures) as in e2e/face.spec.ts.
    await page.getByTestId('face-register-start').click()
    await expect(page.getByTestId('face-consent')).toBeVisible()
    await page.getByTestId('consent-checkbox').check()
    await page.getByTestId('consent-accept').click()
    await expect(page.getByTestId('face-register-success')).toBeVisible({ timeout: 120_000 })
    await page.getByTestId('face-register-home').click()

    // Home: the big Absensi button at the bottom, today's card, the sync status.
    const button = page.getByTestId('checkin-button')
    await expect(button).toHaveAttribute('data-kind', 'check_in')
    await expect(page.getByTestId('today-none')).toBeVisible()
    await expect(page.getByTestId('sync-status-label')).toHaveText('Nothing to send')
    const box = (await button.boundingBox())!
    expect(box.y + box.height).toBeGreaterThan(PHONE.height - 140) // within reach of a thumb
    expect(box.height).toBeGreaterThanOrEqual(64)
    await shot(page, 'member-home')

    // ---- check-in, online ----
    timings.checkInScan = await scanForAttendance(page, 'member-verification')
    await expect(page.getByTestId('checkin-verified')).toContainText('Face confirmed')
    await expect(page.getByTestId('checkin-kind')).toHaveText('Check-in')
    await expect(page.getByTestId('checkin-location')).toContainText('Location added')
    await shot(page, 'member-verified')
    timings.checkInSubmitToConfirmation = await submitAttendance(page, 'Rapat pagi di kantor cabang')
    timings.checkInTapToConfirmation = timings.checkInScan + timings.checkInSubmitToConfirmation
    const done = page.getByTestId('checkin-done')
    await expect(done).toHaveAttribute('data-kind', 'check_in')
    await expect(page.getByTestId('checkin-done-title')).toHaveText('You are checked in')
    await expect(page.getByTestId('checkin-status')).toHaveText('On time')
    await expect(page.getByTestId('checkin-time')).toHaveText(/^\d{2}:\d{2}$/)
    const sentAt = Date.now()
    await expect(done).toHaveAttribute('data-delivery', 'sent', { timeout: 20_000 })
    timings.checkInSent = Date.now() - sentAt + timings.checkInSubmitToConfirmation
    await expect(page.getByTestId('checkin-delivery')).toHaveText('Sent to your organization.')
    await shot(page, 'member-confirmation')

    // The server has exactly one record for the member, checked in, with the remarks (the admin sees the attendance).
    let records = await serverRecords(page)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ status: 'present', check_out_time: null, remarks: 'Rapat pagi di kantor cabang' })
    expect(records[0]!.check_in_time).toMatch(/^\d{2}:\d{2}/)
    const asAdmin = await apiData<{ last_attendance: string | null }>(await admin.api.get(`/api/organizations/${admin.organizationId}/members/${rina.id}`))
    expect(asAdmin.last_attendance).not.toBeNull()

    await page.getByTestId('checkin-finish').click()
    await expect(page.getByTestId('today-check-in')).toContainText(records[0]!.check_in_time!.slice(0, 5))
    await expect(page.getByTestId('today-status')).toHaveText('On time')
    await expect(button).toHaveAttribute('data-kind', 'check_out')
    await shot(page, 'member-home-checked-in')

    // ---- check-out, offline ----
    await context.setOffline(true)
    await expect(page.getByTestId('sync-status-label')).toHaveText('Offline')
    timings.checkOutScanOffline = await scanForAttendance(page)
    await expect(page.getByTestId('checkin-kind')).toHaveText('Check-out')
    timings.checkOutSubmitToConfirmationOffline = await submitAttendance(page)
    await expect(done).toHaveAttribute('data-kind', 'check_out')
    await expect(page.getByTestId('checkin-done-title')).toHaveText('You are checked out')
    await expect(page.getByTestId('checkin-status')).toContainText('Left early')
    await expect(done).toHaveAttribute('data-delivery', 'waiting')
    await expect(page.getByTestId('checkin-delivery')).toContainText('Saved on this phone')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '1')
    await expect(page.getByTestId('sync-status-label')).toContainText('1 waiting')
    await shot(page, 'member-confirmation-offline')

    await page.getByTestId('checkin-finish').click()
    await expect(page.getByTestId('today-check-out')).toContainText('waiting to send')
    await page.getByTestId('nav-history').click()
    const today = page.getByTestId('history-row').first()
    await expect(today).toHaveAttribute('data-unsent', 'true')
    await expect(today.getByTestId('history-check-out')).toContainText('waiting to send')
    await expect(page.getByTestId('history-offline')).toBeVisible()
    await shot(page, 'member-history-offline')

    // A reload while offline: the app comes from the service worker, the session and the outbox from this phone.
    await page.reload()
    await expect(page.getByTestId('member-history')).toBeVisible()
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '1')
    await expect(today.getByTestId('history-check-out')).toContainText('waiting to send')

    // ---- back online: the outbox sends by itself, no reload ----
    const online = Date.now()
    await context.setOffline(false)
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0', { timeout: 30_000 })
    timings.syncAfterOnline = Date.now() - online
    await expect(page.getByTestId('sync-status-label')).toHaveText('All sent')
    await expect(today).toHaveAttribute('data-unsent', 'false', { timeout: 10_000 })
    await expect(today.getByTestId('history-check-out')).not.toContainText('waiting')
    await expect(today.getByTestId('history-flags')).toContainText('Left early')
    await expect(page.getByTestId('history-offline')).toBeHidden()
    await shot(page, 'member-history')

    records = await serverRecords(page)
    expect(records).toHaveLength(1)
    expect(records[0]!.check_out_time).toMatch(/^\d{2}:\d{2}/)
    expect(records[0]!.flags).toContain('left_early')

    // ---- QR code for the kiosk ----
    await page.getByTestId('history-back').click()
    await page.getByTestId('nav-qr').click()
    await expect(page.getByTestId('qr-image')).toBeVisible()
    const token = await page.getByTestId('qr-image').getAttribute('data-value')
    expect(token?.length).toBeGreaterThan(20)
    await expect(page.getByTestId('qr-countdown')).toHaveText(/Valid for (10:00|9:\d{2})/)
    await shot(page, 'member-qr')

    // ---- profile: name and phone ----
    await page.getByTestId('qr-back').click()
    await page.getByTestId('nav-profile').click()
    await page.getByTestId('profile-name').fill('Rina Wulandari Putri')
    await page.getByTestId('profile-phone').fill('0812 3456 7890')
    await page.getByTestId('profile-save').click()
    await expect(page.getByTestId('profile-saved')).toBeVisible()
    await shot(page, 'member-profile')
    await page.getByTestId('profile-back').click()
    await expect(page.getByTestId('member-greeting')).toContainText('Rina Wulandari Putri')

    // ---- a record the server refuses: outside the fenced location, with the "refuse" policy ----
    const location = await apiData<{ id: number }>(
      await admin.api.post(`/api/organizations/${admin.organizationId}/locations`, { data: { name: 'Kantor Surabaya', ...FAR, radius_meters: 100 } }),
    )
    await apiData(await admin.api.patch(`/api/organizations/${admin.organizationId}/settings`, { data: { geofence_policy: 'refuse' } }))
    await scanForAttendance(page)
    await submitAttendance(page)
    await expect(done).toHaveAttribute('data-delivery', 'attention', { timeout: 20_000 })
    await page.getByTestId('checkin-finish').click()
    const attention = page.getByTestId('attention-list')
    await expect(attention).toBeVisible()
    await expect(page.getByTestId('attention-item')).toHaveAttribute('data-code', 'OUTSIDE_GEOFENCE')
    await expect(page.getByTestId('attention-reason')).toHaveText('You were outside the allowed location when this record was made.')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-attention', '1')
    await expect(page.getByTestId('sync-status-label')).toHaveText('1 need attention')
    // What the phone shows once the member scrolls to the list (the Absensi button stays at the bottom).
    await attention.evaluate((element) => element.scrollIntoView({ block: 'start' }))
    await shot(page, 'member-needs-attention', false)

    // The admin lifts the fence (the location keeps no coordinates) and lets captures through: "send again" works.
    await apiData(await admin.api.patch(`/api/organizations/${admin.organizationId}/locations/${location.id}`, { data: { latitude: null, longitude: null } }))
    await apiData(await admin.api.patch(`/api/organizations/${admin.organizationId}/settings`, { data: { geofence_policy: 'flag' } }))
    await page.getByTestId('attention-retry').click()
    await expect(attention).toBeHidden({ timeout: 20_000 })
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-attention', '0')
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-pending', '0')
    records = await serverRecords(page)
    expect(records).toHaveLength(1)

    // ---- face sign-in on a phone that remembers the member; the PIN stays the fallback ----
    await page.getByTestId('member-logout').click()
    await expect(page.getByTestId('remembered-account')).toContainText('Rina Wulandari Putri')
    await expect(page.getByTestId('login-pin')).toBeVisible()
    await shot(page, 'member-login-face')
    const faceLoginStarted = Date.now()
    await page.getByTestId('face-login-start').click()
    await expect(page.getByTestId('face-camera')).toBeVisible()
    await expect(page.getByTestId('member-home')).toBeVisible({ timeout: 90_000 })
    timings.faceSignIn = Date.now() - faceLoginStarted
    await expect(page.getByTestId('member-greeting')).toContainText('Rina Wulandari Putri')
  } finally {
    await browser.close()
  }
})

/** Descriptors of a photo computed by the server's own face inference, in a child process (tsx). */
function describePhotos(files: string[]): (string | null)[] {
  const script = path.join(REPO_ROOT, 'test-results', 'describe-photos.mts')
  fs.mkdirSync(path.dirname(script), { recursive: true })
  fs.writeFileSync(
    script,
    [
      `import fs from 'node:fs'`,
      `import { describeSingleFace } from ${JSON.stringify(path.join(REPO_ROOT, 'server', 'face', 'inference.ts'))}`,
      `import { encodeDescriptor } from ${JSON.stringify(path.join(REPO_ROOT, 'shared', 'face', 'descriptor.ts'))}`,
      `const out = []`,
      `for (const file of process.argv.slice(2)) {`,
      `  const r = await describeSingleFace(new Uint8Array(fs.readFileSync(file)))`,
      `  out.push(r.ok ? encodeDescriptor(r.descriptor) : null)`,
      `}`,
      `console.log('DESCRIPTORS ' + JSON.stringify(out))`,
    ].join('\n'),
  )
  const output = execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script, ...files], { encoding: 'utf8', timeout: 120_000 })
  const line = output.split('\n').find((l) => l.startsWith('DESCRIPTORS '))
  if (!line) throw new Error(`no descriptors from ${script}: ${output}`)
  return JSON.parse(line.slice('DESCRIPTORS '.length)) as (string | null)[]
}

/** A member whose registered face is another person of ../shared/faces than the camera shows. */
async function memberWithAnotherFace(name: string): Promise<{ member: InvitedMember; number: string }> {
  const people = path.join(facesDir(), 'people')
  const others = fs.readdirSync(people).filter((p) => p !== video.identity).sort()
  let photo: string | null = null
  let encoding: string | null = null
  for (const identity of others) {
    const file = path.join(people, identity, fs.readdirSync(path.join(people, identity)).sort()[0]!)
    const [d] = describePhotos([file])
    if (d) {
      photo = file
      encoding = d
      break
    }
  }
  if (!photo || !encoding) throw new Error('no other identity in ../shared/faces/people has a clear face')
  const member = await inviteMember(admin, name)
  const detail = await apiData<{ member_number: string }>(await admin.api.get(`/api/organizations/${admin.organizationId}/members/${member.id}`))
  const own: APIRequestContext = await request.newContext({ baseURL: BASE_URL })
  try {
    await apiData(await own.post('/api/mobile/invitations/redeem', { data: { code: member.code, pin: PIN } }))
    await apiData(await own.post(`/api/members/${member.id}/face/consent`, { data: { version: CONSENT_VERSION } }))
    const image = `data:image/jpeg;base64,${fs.readFileSync(photo).toString('base64')}`
    await apiData(await own.post(`/api/members/${member.id}/face/register`, { data: { face_encoding: encoding, face_encodings: [encoding, encoding], face_image: image } }))
  } finally {
    await own.dispose()
  }
  return { member, number: detail.member_number }
}

test('a face that is not the member\'s is refused in plain words, with a way to try again', async () => {
  test.setTimeout(240_000)
  const { member, number } = await memberWithAnotherFace('Yusuf Pratama')
  const browser = await cameraBrowser(video.file)
  try {
    const { page } = await phone(browser)
    await page.goto('/m/login')
    await page.getByTestId('login-organization').fill(String(admin.organizationId))
    await page.getByTestId('login-identifier').fill(number)
    await page.getByTestId('login-pin').fill(PIN)
    await page.getByTestId('member-login-submit').click()
    await expect(page.getByTestId('member-greeting')).toContainText('Yusuf Pratama')
    await expect(page.getByTestId('checkin-button')).toHaveAttribute('data-kind', 'check_in')

    await page.getByTestId('checkin-button').click()
    const mismatch = page.getByTestId('checkin-mismatch')
    await expect(mismatch).toBeVisible({ timeout: 90_000 })
    await expect(mismatch).toContainText('This does not look like you')
    await expect(mismatch).toContainText('nothing was recorded')
    await expect(page.getByTestId('checkin-try-again')).toBeVisible()
    const distance = Number(await page.getByTestId('member-checkin').getAttribute('data-distance'))
    test.info().annotations.push({ type: 'mismatch distance', description: distance.toFixed(3) })
    expect(distance).toBeGreaterThanOrEqual(0.5)
    await shot(page, 'member-mismatch')
    await page.getByTestId('language-id').click()
    await expect(mismatch).toContainText('Wajah ini tidak cocok')
    await shot(page, 'member-mismatch-id')
    await page.getByTestId('language-en').click()

    // Trying again opens the camera again; nothing reached the server.
    await page.getByTestId('checkin-try-again').click()
    await expect(page.getByTestId('face-camera')).toBeVisible()
    expect(await serverRecords(page)).toHaveLength(0)
    expect(member.id).toBeGreaterThan(0)
  } finally {
    await browser.close()
  }
})

test('an admin deletes a member\'s face data at their request', async ({ page }) => {
  page.on('pageerror', (error) => pageErrors.push(error.message))
  expect(await memberFaceRegistered(admin, rina.id)).toBe(true)
  await page.goto('/admin/login')
  await page.getByTestId('login-email').fill(ADMIN.email)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/admin\/select-org/)
  await page.getByTestId('org-option').filter({ hasText: organization.name }).click()
  await page.goto('/admin/members')
  const row = page.getByTestId('member-row').filter({ hasText: 'Rina Wulandari Putri' })
  await row.getByTestId('member-face-delete').click()
  const dialog = page.getByTestId('member-face-delete-dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('Delete the face data of Rina Wulandari Putri?')
  await dialog.screenshot({ path: `${SHOTS}/admin-member-face-delete.png` })
  await page.getByTestId('member-face-delete-confirm').click()
  await expect(page.getByTestId('member-face-deleted')).toContainText('Rina Wulandari Putri')
  await expect(row.getByTestId('member-face-delete')).toHaveCount(0)
  expect(await memberFaceRegistered(admin, rina.id)).toBe(false)
})
