import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page, request, type Response } from '@playwright/test'
import sharp from 'sharp'
import type { IssuedChallenge } from '../shared/attendance/evidence'
import { CONSENT_VERSION } from '../shared/face/consent'
import { renderEvidence } from '../tools/test-support/evidence'
import { LAUNCH_ARGS, retryTimedOutScans, watchedPage } from './support/browser'
import { registerFaceWithEvidence } from './support/evidence'
import { expect, test } from './support/fixtures'
import { facesDir, REPO_ROOT, VIDEO_DIR } from './support/fake-camera'
import { CAST, type PhoneVideo, type PreparedFaces } from './support/journey-faces'
import { A11yScan, type Api, JOURNEY_DIR, ok, readXlsx, serverDataDirs, SIZES, snap, storedPhotos, xlsxFile } from './support/journey'
import { type OwnServer, startOwnServer } from './support/server'

// The whole life of an organization, end to end, on a production build of its own with a fresh PostgreSQL database
// (support/server.ts), in Debian Chromium with fake cameras fed from real photos (../shared/faces/people):
//   1. an admin runs the setup wizard, builds the organization (departments, a schedule, a location), imports five
//      members from an .xlsx file made here, adds a petugas and enrols the tablet;
//   2. two members open their invitations on their phones, set PINs, consent, register their faces and check in (the
//      server checks each capture's evidence: one is verified, the other waits for review, with the reason);
//   3. the kiosk recognises a third member by face, asks for one head turn, and refuses a face nobody registered;
//   4. offline, the kiosk records two more check-ins, survives a reload, and syncs them exactly once when the network
//      returns, while the admin's dashboard shows them arrive without a reload;
//   5. the admin filters today's attendance, approves a flagged record, corrects one with a reason and exports the
//      monthly report (the file's totals are checked); a support user sees and reports but cannot change anything;
//   6. a member withdraws consent: face verification stops and the photos are gone.
// Screenshots of every main screen go to test-results/journey/ (phone 390x844, tablet 1024x768 and 1280x800, desktop
// 1440x900), axe-core scans each of them, and the PWA's installability basics are checked at the end.
//
// A fake camera is a browser launch flag, so each camera scene has its own Chromium. The tablet keeps ONE profile
// (a persistent context: cookies, IndexedDB, service worker) and is restarted with a new scene when other people
// walk up to it, as a real tablet would be restarted.

test.describe.configure({ mode: 'serial' })

const ORG = 'SMK Negeri 3 Harapan Jaya'
const ADMIN = { name: 'Ibu Wulan Maharani', email: 'wulan@smkn3hj.sch.id', password: 'hadir-sekolah-2026' }
const SUPPORT = { name: 'Pak Hendra Gunawan', email: 'hendra@smkn3hj.sch.id', password: 'bantuan-sekolah-7' }
const PETUGAS = { name: 'Pak Slamet Riyadi', number: 'PTG-01', pin: '730415' }
const PIN = '582916'
const TZ = 'Asia/Jakarta'
/** The school gate (the location's fence is centred here) and a phone far away (Surabaya) for a flagged record. */
const GATE = { latitude: -6.2001, longitude: 106.8167 }
const FAR = { latitude: -7.2575, longitude: 112.7521, accuracy: 20 }

/** The five members of the import (step 1): who they are, and which department. */
const MEMBERS = [
  { key: 'ani', number: 'G-101', department: 'Guru', email: 'ani@smkn3hj.sch.id', phone: '081234500101' },
  { key: 'bayu', number: 'G-102', department: 'Guru', email: 'bayu@smkn3hj.sch.id', phone: '081234500102' },
  { key: 'citra', number: 'TU-201', department: 'Tata Usaha', email: 'citra@smkn3hj.sch.id', phone: '081234500201' },
  { key: 'dodi', number: 'TU-202', department: 'Tata Usaha', email: 'dodi@smkn3hj.sch.id', phone: '081234500202' },
  { key: 'eka', number: 'G-103', department: 'Guru', email: 'eka@smkn3hj.sch.id', phone: '081234500103' },
] as const
type Key = (typeof MEMBERS)[number]['key']
const nameOf = (key: Key) => CAST[key].name

let server: OwnServer
let dataDir: string
let base: string
let desktop: Browser
let admin: { context: BrowserContext; page: Page; api: Api }
let organizationId: number
const memberIds = {} as Record<Key, number>
const a11y = new A11yScan()
const timings: Record<string, number> = {}
/** How long the server's check of a capture may take here (a job queue and face inference on a shared 2-core machine). */
const VERDICT_TIMEOUT = 180_000

// Faces: fake-camera videos and the API registrations' evidence, made in a child process while step 1 runs.
let preparing: Promise<PreparedFaces>
let preparer: ReturnType<typeof spawn> | null = null
let faces: PreparedFaces

function prepareFacesAside(): Promise<PreparedFaces> {
  const out = path.join(VIDEO_DIR, 'journey-faces.json')
  fs.mkdirSync(VIDEO_DIR, { recursive: true })
  fs.rmSync(out, { force: true })
  const child = (preparer = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO_ROOT, 'e2e', 'support', 'journey-prepare.ts'), out], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  }))
  let output = ''
  child.stdout.on('data', (d) => (output += String(d)))
  child.stderr.on('data', (d) => (output += String(d)))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0 || !fs.existsSync(out)) return reject(new Error(`preparing the faces failed (exit ${code}):\n${output.slice(-4000)}`))
      const prepared = JSON.parse(fs.readFileSync(out, 'utf8')) as PreparedFaces & { ms: number }
      timings.faces = prepared.ms
      resolve(prepared)
    })
  })
}

// The tablet: one Chromium profile for the whole journey.
let tabletProfile = ''
let tablet: BrowserContext | null = null
let tabletPage: Page
// Ani's phone stays in her pocket until she withdraws her consent (step 6).
let aniPhone: { browser: Browser; context: BrowserContext; page: Page } | null = null

function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

test.beforeAll(async () => {
  test.setTimeout(420_000)
  facesDir() // fail clearly, first, when the photos are missing
  fs.rmSync(JOURNEY_DIR, { recursive: true, force: true })
  const started = Date.now()
  preparing = prepareFacesAside()
  preparing.catch(() => {}) // awaited (and reported) by the step that needs it
  const before = new Set(serverDataDirs('journey'))
  server = await startOwnServer('journey')
  const made = serverDataDirs('journey').filter((d) => !before.has(d))
  expect(made, 'the data directory of the journey server').toHaveLength(1)
  dataDir = made[0]!
  tabletProfile = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-kiosk-profile-'))
  base = server.url
  console.log(`journey server: ${base} on ${server.database}`)
  desktop = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: LAUNCH_ARGS })
  timings.server = Date.now() - started
})

test.afterAll(async () => {
  a11y.save()
  console.log('journey timings (ms):', { ...timings, accessibilityScans: a11y.ms })
  for (const api of Object.values(personApis)) await api.dispose().catch(() => {})
  for (const browser of launched) await browser.close().catch(() => {})
  await tablet?.close().catch(() => {})
  await desktop?.close().catch(() => {})
  await server?.stop()
  if (preparer && preparer.exitCode === null) preparer.kill()
  if (tabletProfile) fs.rmSync(tabletProfile, { recursive: true, force: true })
})

test.afterEach(() => {
  // A failed step shows what the server said meanwhile.
  if (server && test.info().status !== test.info().expectedStatus) console.log(`--- journey server log (end) ---\n${server.log().slice(-3000)}`)
})

// ---------------------------------------------------------------- devices

async function desktopPage(viewport: { width: number; height: number } = SIZES.desktop): Promise<{ context: BrowserContext; page: Page }> {
  const context = await desktop.newContext({ baseURL: base, viewport, locale: 'en-US', timezoneId: TZ })
  return { context, page: await watchedPage(context) }
}

async function phone(video: string, geolocation: { latitude: number; longitude: number; accuracy?: number }) {
  const browser = await cameraBrowserFor(video)
  const context = await browser.newContext({
    baseURL: base,
    viewport: SIZES.phone,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: TZ,
    permissions: ['camera', 'geolocation'],
    geolocation,
  })
  const page = await watchedPage(context)
  retryTimedOutScans(page)
  return { browser, context, page }
}

function cameraArgs(video: string): string[] {
  return [...LAUNCH_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
}

/** Every camera browser this spec launched, closed at the end whatever happened. */
const launched: Browser[] = []

async function cameraBrowserFor(video: string): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: cameraArgs(video) })
  launched.push(browser)
  return browser
}

/** The tablet's Chromium with this camera scene; the same profile every time (it stays enrolled and signed in). */
async function startTablet(scene: string | null): Promise<Page> {
  await tablet?.close()
  tablet = await chromium.launchPersistentContext(tabletProfile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: scene ? cameraArgs(scene) : LAUNCH_ARGS,
    baseURL: base,
    viewport: SIZES.tablet,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: TZ,
    permissions: ['camera', 'geolocation'],
    geolocation: GATE,
  })
  for (const page of tablet.pages()) await page.close()
  tabletPage = await watchedPage(tablet)
  return tabletPage
}

async function signInAdmin(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto('/admin/login')
  await page.getByTestId('login-email').fill(who.email)
  await page.getByTestId('login-password').fill(who.password)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/admin\/select-org/)
  await page.getByTestId('org-option').filter({ hasText: ORG }).click()
  await expect(page.getByTestId('admin-shell')).toBeVisible()
}

/** Opens the member's invitation on the dashboard's member list and returns its link. */
async function invitationLink(page: Page, name: string): Promise<string> {
  await page.getByTestId('nav-members').click()
  const row = page.getByTestId('member-row').filter({ hasText: name })
  await row.getByTestId('member-invite').click()
  await expect(page.getByTestId('invitation-dialog')).toBeVisible()
  const link = (await page.getByTestId('invitation-link').textContent())?.trim() ?? ''
  expect(link).toMatch(/\/m\/invite\/\S+$/)
  await page.getByTestId('dialog-close').click()
  return link
}

/** A member whose face the kiosk must know, but who never used a phone: invitation, consent and face through the API. */
async function registerThroughApi(key: 'citra' | 'dodi' | 'eka'): Promise<Api> {
  const invitation = await ok<{ code: string }>(await admin.api.post(`/api/organizations/${organizationId}/members/${memberIds[key]}/invitations`, { data: {} }))
  const own = await request.newContext({ baseURL: base })
  await ok(await own.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
  await ok(await own.post(`/api/members/${memberIds[key]}/face/consent`, { data: { version: CONSENT_VERSION } }))
  await registerFaceWithEvidence(own, memberIds[key], faces.registrations[key].photo)
  return own
}

interface OwnRecord {
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  approval_status: string
  flags: string[]
}

async function ownRecords(api: Api): Promise<OwnRecord[]> {
  return (await ok<{ records: OwnRecord[] }>(await api.get('/api/attendance/mine'))).records
}

interface ListedRecord {
  id: number
  member_id?: number
  member_name: string
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  approval_status: string
  flags: string[]
}

async function attendanceToday(api: Api): Promise<ListedRecord[]> {
  const day = today()
  return (await ok<{ records: ListedRecord[] }>(await api.get(`/api/organizations/${organizationId}/attendance?start_date=${day}&end_date=${day}&limit=200`))).records
}

const personApis = {} as Record<'citra' | 'dodi' | 'eka', Api>

// ---------------------------------------------------------------- 1. the admin sets the organization up

test('1. an admin sets up a fresh installation: organization, structure, imported members, a petugas and the tablet', async () => {
  test.setTimeout(240_000)
  const started = Date.now()
  const { context, page } = await desktopPage()
  admin = { context, page, api: context.request }

  // The setup wizard: an empty installation opens it wherever one starts.
  await page.goto('/')
  await expect(page).toHaveURL(/\/setup$/)
  await expect(page.getByTestId('setup-step-organization')).toBeVisible()
  await page.getByTestId('setup-org-name').fill(ORG)
  await expect(page.getByTestId('setup-org-timezone')).toHaveValue(TZ)
  await snap(page, 'desktop-setup')
  await a11y.check(page, 'setup wizard')
  await page.getByTestId('setup-next').click()
  await page.getByTestId('setup-admin-name').fill(ADMIN.name)
  await page.getByTestId('setup-admin-email').fill(ADMIN.email)
  await page.getByTestId('setup-admin-password').fill(ADMIN.password)
  await page.getByTestId('setup-admin-password-confirm').fill(ADMIN.password)
  await page.getByTestId('setup-submit').click()
  await expect(page.getByTestId('setup-step-done')).toBeVisible()
  await page.getByTestId('setup-go-login').click()
  await expect(page).toHaveURL(/\/admin\/login$/)
  await snap(page, 'desktop-login')
  await a11y.check(page, 'dashboard sign-in')

  await page.getByTestId('login-email').fill(ADMIN.email)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/admin\/select-org/)
  await page.getByTestId('org-option').filter({ hasText: ORG }).click()
  await expect(page.getByTestId('admin-shell')).toBeVisible()
  await expect(page.getByTestId('overview-title')).toHaveText(ORG)
  const me = await ok<{ active: { organization: { id: number; name: string } } | null }>(await admin.api.get('/api/auth/me'))
  expect(me.active?.organization.name).toBe(ORG)
  organizationId = me.active!.organization.id
  await snap(page, 'desktop-overview-empty')
  await a11y.check(page, 'dashboard overview')

  // Structure: the teachers' schedule, two departments, the gate with its fence.
  await page.getByTestId('nav-structure').click()
  const editor = page.getByTestId('structure-editor')
  const saved = async (name: string) => {
    await page.getByTestId('structure-editor-submit').click()
    await expect(page.getByTestId('structure-notice')).toContainText(name)
    await expect(editor).toBeHidden()
  }
  await page.getByTestId('structure-schedules-add').click()
  await expect(editor).toBeVisible()
  await page.getByTestId('structure-name').fill('Jadwal guru')
  await page.getByTestId('structure-day-6').check()
  await page.getByTestId('structure-start').fill('07:00')
  await page.getByTestId('structure-end').fill('14:00')
  await page.getByTestId('structure-tolerance').fill('10')
  await snap(page, 'desktop-structure-schedule')
  await saved('Jadwal guru')
  for (const [name, schedule] of [
    ['Guru', 'Jadwal guru'],
    ['Tata Usaha', null],
  ] as const) {
    await page.getByTestId('structure-departments-add').click()
    await page.getByTestId('structure-name').fill(name)
    if (schedule) await page.getByTestId('structure-schedule').selectOption({ label: `${schedule} (07:00–14:00)` })
    await saved(name)
  }
  await page.getByTestId('structure-locations-add').click()
  await page.getByTestId('structure-name').fill('Gerbang Utama')
  await page.getByTestId('structure-latitude').fill(String(GATE.latitude))
  await page.getByTestId('structure-longitude').fill(String(GATE.longitude))
  await page.getByTestId('structure-radius').fill('150')
  await saved('Gerbang Utama')
  await expect(page.getByTestId('structure-department-row')).toHaveCount(2)
  await expect(page.getByTestId('structure-department-row').filter({ hasText: 'Guru' })).toContainText('Jadwal guru')
  await expect(page.getByTestId('structure-schedule-row').filter({ hasText: 'Jadwal guru' })).toContainText('07:00–14:00')
  await expect(page.getByTestId('structure-schedule-row').filter({ hasText: 'Jadwal guru' })).toContainText('late after 10 min')
  await expect(page.getByTestId('structure-location-row')).toContainText('radius 150 m')
  await snap(page, 'desktop-structure', { fullPage: true })
  await a11y.check(page, 'organization structure')

  // Five members from an .xlsx file made here: checked first (every row's fate), then applied.
  const file = xlsxFile([
    ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'],
    ...MEMBERS.map((m) => [nameOf(m.key), m.email, m.phone, m.number, m.department, m.department === 'Guru' ? 'Guru' : 'Staf administrasi', 'member']),
  ])
  fs.mkdirSync(JOURNEY_DIR, { recursive: true })
  fs.writeFileSync(path.join(JOURNEY_DIR, 'members-import.xlsx'), file)
  await page.getByTestId('nav-members').click()
  await page.getByTestId('member-import-open').click()
  await expect(page.getByTestId('import-dropzone')).toBeVisible()
  await snap(page, 'desktop-import')
  await a11y.check(page, 'member import')
  await page.getByTestId('import-file').setInputFiles({ name: 'anggota-smkn3.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file })
  await expect(page.getByTestId('import-preview')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('import-count-create')).toContainText('5')
  await expect(page.getByTestId('import-count-error')).toContainText('0')
  await snap(page, 'desktop-import-preview')
  await a11y.check(page, 'member import: preview')
  await page.getByTestId('import-apply').click()
  await expect(page.getByTestId('import-done')).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('import-view-members').click()
  await expect(page.getByTestId('member-row')).toHaveCount(5)
  const listed = await ok<{ members: { id: number; member_number: string | null; department: string | null }[] }>(await admin.api.get(`/api/organizations/${organizationId}/members?limit=50`))
  for (const m of MEMBERS) {
    const row = listed.members.find((x) => x.member_number === m.number)
    expect(row, m.number).toBeTruthy()
    expect(row!.department).toBe(m.department)
    memberIds[m.key] = row!.id
  }

  // The petugas, through the member form, and the invitation the tablet will use.
  await page.getByTestId('member-add-open').click()
  await page.getByTestId('member-name').fill(PETUGAS.name)
  await page.getByTestId('member-number').fill(PETUGAS.number)
  await page.getByTestId('member-role').selectOption('petugas')
  await page.getByTestId('member-submit').click()
  await expect(page.getByTestId('member-added')).toBeVisible()
  await expect(page.getByTestId('member-row')).toHaveCount(6)
  await snap(page, 'desktop-members')
  await a11y.check(page, 'members')
  await page.getByTestId('member-row').filter({ hasText: PETUGAS.number }).getByTestId('member-invite').click()
  await expect(page.getByTestId('invitation-petugas-note')).toBeVisible()
  const petugasLink = (await page.getByTestId('invitation-link').textContent())?.trim() ?? ''
  await page.getByTestId('dialog-close').click()

  // The tablet: a one-time enrolment code on the dashboard...
  await page.getByTestId('nav-devices').click()
  await page.getByTestId('device-enrol-open').click()
  await page.getByTestId('device-name').fill('Tablet gerbang utama')
  await page.getByTestId('device-submit').click()
  const code = (await page.getByTestId('enrol-code').textContent())?.trim() ?? ''
  expect(code).toMatch(/^[A-Z0-9-]{6,}$/)
  await snap(page, 'desktop-device-code')
  await page.getByTestId('dialog-close').click()
  await a11y.check(page, 'devices')

  // ...typed on the tablet, then the petugas activates their account on it with the invitation.
  const tab = await startTablet(null)
  await tab.goto('/p')
  await expect(tab).toHaveURL(/\/p\/enrol$/)
  await snap(tab, 'tablet-enrol')
  await a11y.check(tab, 'tablet enrolment')
  await tab.getByTestId('enrol-code-input').fill(code)
  await tab.getByTestId('enrol-submit').click()
  await expect(tab).toHaveURL(/\/p\/login$/)
  await tab.goto(petugasLink)
  await tab.getByTestId('invite-pin').fill(PETUGAS.pin)
  await tab.getByTestId('invite-pin-repeat').fill(PETUGAS.pin)
  await tab.getByTestId('invite-submit').click()
  await expect(tab).toHaveURL(/\/p$/)
  await expect(tab.getByTestId('petugas-name')).toContainText(PETUGAS.name)
  await expect(page.getByTestId('device-row').filter({ hasText: 'Tablet gerbang utama' })).toBeVisible()
  timings.setup = Date.now() - started
})

// ---------------------------------------------------------------- 2. two members on their phones

async function memberOnPhone(key: 'ani' | 'bayu', link: string, video: PhoneVideo, where: { latitude: number; longitude: number; accuracy?: number }, shots: boolean) {
  const device = await phone(video.file, where)
  const { page } = device
  const prefix = `phone-${key}`
  await page.goto(link)
  await expect(page.getByTestId('invite-redeem')).toContainText(nameOf(key))
  await expect(page.getByTestId('invite-redeem')).toContainText(ORG)
  await page.getByTestId('invite-pin').fill(PIN)
  await page.getByTestId('invite-pin-repeat').fill(PIN)
  if (shots) {
    await snap(page, `${prefix}-invite`)
    await a11y.check(page, 'phone: invitation')
  }
  await page.getByTestId('invite-submit').click()
  await expect(page.getByTestId('member-home')).toBeVisible()
  await expect(page.getByTestId('member-greeting')).toContainText(nameOf(key))
  await expect(page.getByTestId('checkin-button')).toBeDisabled()
  if (shots) await snap(page, `${prefix}-home-new`)

  // Consent, then the guided camera with the head turns.
  await page.getByTestId('face-register-start').click()
  await expect(page.getByTestId('face-consent')).toContainText('Personal Data Protection Law No. 27 of 2022')
  if (shots) {
    await snap(page, `${prefix}-consent`)
    await a11y.check(page, 'phone: consent')
  }
  await page.getByTestId('consent-checkbox').check()
  if (shots) {
    // The tick box is what is tapped first: never under the accept button, on a small phone (360x640) either.
    const tick = page.getByTestId('consent-checkbox')
    for (const viewport of [{ width: 360, height: 640 }, SIZES.phone]) {
      const size = `${viewport.width}x${viewport.height}`
      await page.setViewportSize(viewport)
      await tick.scrollIntoViewIfNeeded()
      const [box, button] = [(await tick.boundingBox())!, (await page.getByTestId('consent-accept').boundingBox())!]
      expect(box.y + box.height, `${size}: the tick box ends above the accept button`).toBeLessThanOrEqual(button.y)
      const onTop = await tick.evaluate((el) => {
        const r = el.getBoundingClientRect()
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
        return hit !== null && (hit === el || el.closest('label')?.contains(hit) === true)
      })
      expect(onTop, `${size}: nothing covers the tick box`).toBe(true)
    }
    await page.getByTestId('consent-accept').scrollIntoViewIfNeeded()
    await snap(page, `${prefix}-consent-agreed`)
  }
  await page.getByTestId('consent-accept').click()
  const camera = page.getByTestId('face-camera')
  await expect(camera).toBeVisible()
  if (shots) {
    await expect(camera).toHaveAttribute('data-hint', /turn_left|turn_right/, { timeout: 90_000 })
    await snap(page, `${prefix}-face-turn`)
    await a11y.check(page, 'phone: face registration camera')
  }
  await expect(page.getByTestId('face-register-success')).toBeVisible({ timeout: 180_000 })
  if (shots) await snap(page, `${prefix}-face-registered`)
  await page.getByTestId('face-register-home').click()

  // Check-in: the head turns of the server's challenge, the record and its evidence go to the server, which checks
  // the face itself and says what it concluded.
  await expect(page.getByTestId('checkin-button')).toHaveAttribute('data-kind', 'check_in')
  if (shots) {
    await snap(page, `${prefix}-home`)
    await a11y.check(page, 'phone: home')
  }
  await page.getByTestId('checkin-button').click()
  await expect(page.getByTestId('checkin-confirm')).toBeVisible({ timeout: 180_000 })
  await expect(page.getByTestId('checkin-captured')).toContainText('Face captured')
  await expect(page.getByTestId('checkin-kind')).toHaveText('Check-in')
  if (shots) await snap(page, `${prefix}-checkin-captured`)
  await page.getByTestId('checkin-submit').click()
  const done = page.getByTestId('checkin-done')
  await expect(done).toBeVisible()
  await expect(page.getByTestId('checkin-done-title')).toHaveText('You are checked in')
  await expect(done).toHaveAttribute('data-delivery', 'sent', { timeout: 30_000 })
  await expect(done).toHaveAttribute('data-verdict', /^(verified|review|rejected)$/, { timeout: VERDICT_TIMEOUT })
  if (shots) {
    await snap(page, `${prefix}-checked-in`)
    await a11y.check(page, 'phone: check-in confirmation')
  }
  const verdict = await done.getAttribute('data-verdict')
  const records = await ownRecords(page.request)
  expect(records).toHaveLength(1)
  expect(records[0]!.attendance_date).toBe(today())
  expect(records[0]!.check_in_time).toMatch(/^\d{2}:\d{2}/)
  expect(records[0]!.approval_status).toBe(verdict === 'verified' ? 'approved' : 'pending')
  const reasons = verdict === 'review' ? await page.getByTestId('checkin-verdict-reasons').innerText() : ''
  if (verdict === 'review') await snap(page, `${prefix}-checked-in-review`)
  await page.getByTestId('checkin-finish').click()
  await expect(page.getByTestId('checkin-button')).toHaveAttribute('data-kind', 'check_out')
  return { ...device, record: records[0]!, verdict, reasons }
}

test('2. two members open their invitations on their phones, consent, register their faces and check in', async () => {
  test.setTimeout(900_000)
  // The admin copies both invitation links from the dashboard; the two phones then go at the same time.
  const links = { ani: await invitationLink(admin.page, nameOf('ani')), bayu: await invitationLink(admin.page, nameOf('bayu')) }
  faces = await preparing
  const started = Date.now()
  const [ani, bayu] = await Promise.all([
    // Ani at school: a plain check-in.
    memberOnPhone('ani', links.ani, faces.ani, { ...GATE, accuracy: 15 }, true),
    // Bayu checks in from far away: his record is flagged for the admin to review (step 5).
    memberOnPhone('bayu', links.bayu, faces.bayu, FAR, false),
  ])
  aniPhone = { browser: ani.browser, context: ani.context, page: ani.page }
  // Ani's capture is verified; Bayu's (far from the school) waits for the admin's review, and his phone says why.
  expect(ani.verdict).toBe('verified')
  expect(ani.record.flags).not.toContain('outside_geofence')
  expect(ani.record.approval_status).toBe('approved')
  expect(bayu.verdict).toBe('review')
  expect(bayu.reasons).toContain('You were outside the allowed location.')
  expect(bayu.record.flags).toContain('outside_geofence')
  expect(bayu.record.approval_status).toBe('pending')
  await bayu.browser.close()
  timings.phones = Date.now() - started

  // Both registered, as the admin sees them.
  for (const key of ['ani', 'bayu'] as const) {
    const member = await ok<{ face_registered: boolean; last_attendance: string | null }>(await admin.api.get(`/api/organizations/${organizationId}/members/${memberIds[key]}`))
    expect(member.face_registered, key).toBe(true)
    expect(member.last_attendance, key).not.toBeNull()
  }
})

// ---------------------------------------------------------------- 3. the kiosk identifies a member, refuses a stranger

const recent = (page: Page, memberId: number) => page.getByTestId('kiosk-recent-item').and(page.locator(`[data-member-id="${memberId}"]`))

test('3. the petugas kiosk identifies a third member by face and refuses a face nobody registered', async () => {
  test.setTimeout(600_000)
  const started = Date.now()
  personApis.citra = await registerThroughApi('citra')
  // The petugas starts the day: the tablet (enrolled, signed in) with the camera looking at the gate.
  const tab = await startTablet(faces.sceneOnline)
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
  const hint = tab.getByTestId('kiosk-hint')
  // Recognised: the card asks her for one head turn (the kiosk's challenge); the record follows with that evidence.
  await expect(result.and(tab.locator('[data-type="turn"]'))).toContainText(nameOf('citra'), { timeout: 120_000 })
  await snap(tab, 'tablet-kiosk-turn', { also: ['tabletWide'] })
  await a11y.check(tab, 'kiosk: turn prompt')
  await expect(recent(tab, memberIds.citra)).toHaveCount(1, { timeout: 120_000 })
  await expect(result.and(tab.locator('[data-type="recorded"]'))).toContainText(nameOf('citra'), { timeout: 30_000 })
  await expect(result).toContainText('Recorded')
  // The picture while she is still in front of the camera (the video moves on to the next person after a while).
  await expect(hint).toHaveAttribute('data-hint', 'recognised', { timeout: 30_000 })
  await snap(tab, 'tablet-kiosk-recognised', { also: ['tabletWide'] })
  await a11y.check(tab, 'kiosk: recognised')

  // The stranger: never registered anywhere, so never a guess.
  await expect(result.and(tab.locator('[data-type="unknown"]'))).toBeVisible({ timeout: 60_000 })
  await expect(result).toContainText('Not recognised')
  await expect(hint).toHaveAttribute('data-hint', 'unknown', { timeout: 30_000 })
  await snap(tab, 'tablet-kiosk-unknown', { also: ['tabletWide'] })
  await expect(mode).toHaveAttribute('data-records', '1')
  await expect(tab.getByTestId('sync-status')).toHaveAttribute('data-pending', '0', { timeout: 30_000 })
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

// ---------------------------------------------------------------- 4. offline at the kiosk, live on the dashboard

test('4. offline, the kiosk records two check-ins, survives a reload and syncs them once; the dashboard shows them live', async () => {
  test.setTimeout(600_000)
  const started = Date.now()
  personApis.dodi = await registerThroughApi('dodi')
  personApis.eka = await registerThroughApi('eka')

  // The admin watches today's attendance on the dashboard (live: no reload from here on).
  const watcher = admin.page
  await watcher.getByTestId('nav-attendance').click()
  await expect(watcher.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
  const rows = watcher.getByTestId('attendance-row')
  await expect(rows).toHaveCount(3)
  for (const key of ['dodi', 'eka'] as const) await expect(rows.filter({ hasText: nameOf(key) })).toHaveCount(0)
  // A mark in the page's memory: still there at the end = the page was never reloaded.
  await watcher.evaluate(() => Object.assign(window, { journeyMark: 'not reloaded' }))

  // Other people walk up to the tablet: the same tablet (profile), restarted with the new camera scene.
  const tab = await startTablet(faces.sceneOffline)
  const answers: { client_id: string | null; status: string }[] = []
  tablet!.on('response', async (response: Response) => {
    if (!response.url().endsWith('/api/attendance/sync') || !response.ok()) return
    const body = (await response.json().catch(() => null)) as { data?: { results: { client_id: string | null; status: string }[] } } | null
    answers.push(...(body?.data?.results ?? []))
  })
  await tab.goto('/p')
  await expect(tab.getByTestId('petugas-home')).toBeVisible()
  await expect(tab.getByTestId('kiosk-station-location')).toHaveText('Gerbang Utama')
  await expect(tab.getByTestId('kiosk-gallery-status')).toHaveAttribute('data-members', '5')
  await expect.poll(() => tab.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)

  await tablet!.setOffline(true)
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
  await tablet!.setOffline(false)
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
  const listed = await attendanceToday(admin.api)
  for (const key of ['dodi', 'eka'] as const) expect(listed.filter((r) => r.member_name === nameOf(key)), key).toHaveLength(1)

  // Meanwhile on the dashboard: both arrived at the top of the list by themselves.
  for (const key of ['dodi', 'eka'] as const) {
    const row = rows.filter({ hasText: nameOf(key) })
    await expect(row, key).toHaveCount(1, { timeout: 20_000 })
    await expect(row.getByTestId('attendance-new')).toBeVisible()
  }
  await expect(rows).toHaveCount(5)
  expect(await watcher.evaluate(() => (window as unknown as { journeyMark?: string }).journeyMark)).toBe('not reloaded')
  await snap(watcher, 'desktop-attendance-live')
  timings.offline = Date.now() - started
})

// ---------------------------------------------------------------- 5. the admin reviews; support can look, not touch

test('5. the admin filters today, approves the flagged record, corrects one, exports the month; support can only look', async () => {
  test.setTimeout(180_000)
  const started = Date.now()
  const day = today()
  const { page } = admin
  // The morning at a glance, on the dashboard's home.
  await page.getByTestId('nav-overview').click()
  await expect(page.getByTestId('attendance-today')).toBeVisible()
  await snap(page, 'desktop-overview')
  await page.getByTestId('nav-attendance').click()
  await expect(page.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
  await expect(page.getByTestId('attendance-from')).toHaveValue(day)
  await expect(page.getByTestId('attendance-to')).toHaveValue(day)
  const rows = page.getByTestId('attendance-row')
  await expect(rows).toHaveCount(5)
  await snap(page, 'desktop-attendance')
  await a11y.check(page, 'attendance list')

  // Today's records waiting for review: only Bayu's, checked in far from the school.
  await page.getByTestId('filter-approval').selectOption('pending')
  await expect(rows).toHaveCount(1)
  const bayuRow = rows.filter({ hasText: nameOf('bayu') })
  await expect(bayuRow.getByTestId('attendance-approval')).toHaveText('Waiting for review')
  await bayuRow.getByTestId('attendance-open').click()
  const panel = page.getByTestId('record-panel')
  await expect(panel).toBeVisible()
  await expect(panel).toContainText(nameOf('bayu'))
  await panel.getByTestId('record-note').fill('Dinas luar ke Surabaya, sudah dikonfirmasi kepala sekolah')
  await snap(page, 'desktop-attendance-review')
  await a11y.check(page, 'attendance record panel')
  await panel.getByTestId('record-approve').click()
  await expect(panel.getByTestId('record-done')).toHaveText('Approved.')
  await expect(panel.getByTestId('record-history')).toContainText('Dinas luar ke Surabaya')
  await panel.getByTestId('record-panel-close').click()
  await expect(bayuRow.getByTestId('attendance-approval')).toHaveCount(0)
  await page.getByTestId('attendance-filters-reset').click()
  await expect(rows).toHaveCount(5)

  // A correction with its reason: the gate camera was down when Eka arrived; the guard saw her come in on time.
  const eka = (await attendanceToday(admin.api)).find((r) => r.member_name === nameOf('eka'))!
  const [h, m] = eka.check_in_time!.split(':').map(Number) as [number, number]
  const arrived = Math.min(6 * 60 + 50, h * 60 + m - 5)
  const corrected = `${String(Math.floor(arrived / 60)).padStart(2, '0')}:${String(arrived % 60).padStart(2, '0')}`
  await page.getByTestId('attendance-search').fill('Eka')
  await expect(rows).toHaveCount(1)
  await rows.first().getByTestId('attendance-open').click()
  await panel.getByTestId('record-correct').click()
  await panel.getByTestId('correct-check-in').fill(corrected)
  await panel.getByTestId('correct-reason').fill('Kamera gerbang mati pagi ini; satpam mencatat kedatangan')
  await panel.getByTestId('correct-save').click()
  await expect(panel.getByTestId('record-done')).toHaveText('Correction saved.')
  await expect(panel.getByTestId('record-check-in')).toHaveText(corrected)
  await expect(panel.getByTestId('record-history')).toContainText('Kamera gerbang mati pagi ini')
  await snap(page, 'desktop-attendance-corrected')
  await panel.getByTestId('record-panel-close').click()
  await expect(rows.first().getByTestId('attendance-status')).toHaveText('On time')
  await page.getByTestId('attendance-search').fill('')
  await expect(rows).toHaveCount(5)

  const listed = await attendanceToday(admin.api)
  expect(listed.filter((r) => r.approval_status === 'pending')).toEqual([])
  expect(listed.find((r) => r.member_name === nameOf('eka'))!.status).toBe('present')

  // The monthly report: the file's totals are the day's records.
  const month = day.slice(0, 7)
  await page.getByTestId('nav-reports').click()
  await expect(page.getByTestId('reports-page')).toBeVisible()
  await page.getByTestId('report-tab-monthly').click()
  await page.getByTestId('report-month').fill(month)
  await page.getByTestId('report-month').dispatchEvent('change')
  for (const key of MEMBERS.map((x) => x.key)) await expect(page.getByTestId('report-member-row').filter({ hasText: nameOf(key) })).toHaveCount(1)
  await page.getByTestId('report-month').blur()
  await snap(page, 'desktop-report-monthly', { fullPage: true })
  await a11y.check(page, 'monthly report')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export-xlsx').click()])
  expect(download.suggestedFilename()).toBe(`attendance-monthly-${month}.xlsx`)
  const file = fs.readFileSync(await download.path())
  fs.writeFileSync(path.join(JOURNEY_DIR, download.suggestedFilename()), file)
  const sheets = readXlsx(file)
  const perMember = sheets['Per member']!
  expect(perMember[0]).toEqual(['Name', 'Member no.', 'Department', 'Working days', 'On time', 'Late', 'Absent', 'Excused', 'Late minutes', 'Hours worked'])
  let onTime = 0
  let late = 0
  for (const key of MEMBERS.map((x) => x.key)) {
    const record = listed.find((r) => r.member_name === nameOf(key))!
    const row = perMember.find((r) => r[0] === nameOf(key))
    expect(row, key).toBeTruthy()
    const [, number, department, , present, lateDays, absent, excused, lateMinutes, hours] = row!
    expect({ number, department }).toEqual({ number: MEMBERS.find((x) => x.key === key)!.number, department: MEMBERS.find((x) => x.key === key)!.department })
    expect({ key, present, late: lateDays, absent, excused, hours }).toEqual({ key, present: record.status === 'present' ? 1 : 0, late: record.status === 'late' ? 1 : 0, absent: 0, excused: 0, hours: 0 })
    if (record.status === 'late') expect(lateMinutes as number, key).toBeGreaterThan(0)
    else expect(lateMinutes, key).toBe(0)
    onTime += present as number
    late += lateDays as number
  }
  expect(onTime + late).toBe(5)
  expect(perMember.find((r) => r[0] === nameOf('eka'))![4]).toBe(1)
  const total = sheets['Per department']!.at(-1)!
  expect(total[0]).toBe('Total')
  // Total row: label, members, working days, on time, late, absent, excused, late minutes, hours worked.
  expect({ onTime: total[3], late: total[4], absent: total[5], excused: total[6], hours: total[8] }).toEqual({ onTime, late, absent: 0, excused: 0, hours: 0 })
  await expect(page.getByTestId('report-total-row').locator('[data-col="present"]')).toHaveText(String(onTime))
  await expect(page.getByTestId('report-total-row').locator('[data-col="late"]')).toHaveText(String(late))

  // A support person: sees today and makes the report, but cannot change anything.
  await page.getByTestId('nav-staff').click()
  await page.getByTestId('staff-add-open').click()
  await page.getByTestId('staff-name').fill(SUPPORT.name)
  await page.getByTestId('staff-email').fill(SUPPORT.email)
  await page.getByTestId('staff-password').fill(SUPPORT.password)
  await page.getByTestId('staff-role').selectOption('support')
  await page.getByTestId('staff-submit').click()
  await expect(page.getByTestId('staff-row').filter({ hasText: SUPPORT.email })).toBeVisible()

  const support = await desktopPage()
  try {
    await signInAdmin(support.page, SUPPORT)
    await expect(support.page.getByTestId('user-chip')).toContainText('Support')
    await support.page.getByTestId('nav-attendance').click()
    const seen = support.page.getByTestId('attendance-row')
    await expect(seen).toHaveCount(5)
    await expect(support.page.getByTestId('manual-open')).toHaveCount(0)
    await seen.filter({ hasText: nameOf('bayu') }).getByTestId('attendance-open').click()
    const readOnly = support.page.getByTestId('record-panel')
    await expect(readOnly.getByTestId('record-read-only')).toBeVisible()
    await expect(readOnly.getByTestId('record-approve')).toHaveCount(0)
    await expect(readOnly.getByTestId('record-correct')).toHaveCount(0)
    await snap(support.page, 'desktop-support-read-only')
    await readOnly.getByTestId('record-panel-close').click()
    for (const item of ['devices', 'staff', 'roles', 'settings']) await expect(support.page.getByTestId(`nav-${item}`), item).toHaveCount(0)
    await support.page.getByTestId('nav-reports').click()
    await support.page.getByTestId('report-tab-monthly').click()
    const [own] = await Promise.all([support.page.waitForEvent('download'), support.page.getByTestId('report-export-xlsx').click()])
    const theirs = readXlsx(fs.readFileSync(await own.path()))
    expect(theirs['Per department']!.at(-1)).toEqual(total)
    // And the API agrees: every change is refused, nothing changes.
    const api = support.context.request
    const record = listed.find((r) => r.member_name === nameOf('citra'))!
    for (const [what, response] of [
      ['approve', await api.post(`/api/organizations/${organizationId}/attendance/${record.id}/approve`, { data: {} })],
      ['reject', await api.post(`/api/organizations/${organizationId}/attendance/${record.id}/reject`, { data: {} })],
      ['correct', await api.patch(`/api/organizations/${organizationId}/attendance/${record.id}`, { data: { status: 'late', reason: 'coba' } })],
      ['manual', await api.post(`/api/organizations/${organizationId}/attendance`, { data: { member_id: memberIds.ani, attendance_date: day, status: 'excused', reason: 'coba' } })],
      ['add member', await api.post(`/api/organizations/${organizationId}/members`, { data: { name: 'Orang Baru', role: 'member' } })],
    ] as const) {
      expect(response.status(), what).toBe(403)
    }
    expect(await attendanceToday(admin.api)).toEqual(listed)
  } finally {
    await support.context.close()
  }
  timings.review = Date.now() - started
})

// ---------------------------------------------------------------- 6. withdrawal of consent

test('6. a member withdraws consent: face verification stops working and the photos are gone', async () => {
  test.setTimeout(300_000)
  const { page } = aniPhone!
  const id = memberIds.ani
  const face = await ok<{ registered: boolean }>(await page.request.get(`/api/members/${id}/face`))
  expect(face.registered).toBe(true)
  expect(face).not.toHaveProperty('descriptors') // a phone never gets a template back
  // The kiosk's offline gallery holds her descriptors (only an enrolled tablet gets them): her face as the tablet sees it.
  const gallery = await ok<{ members: { id: number; descriptors: string[] }[] }>(await tabletPage.request.get('/api/face/gallery'))
  const probe = gallery.members.find((m) => m.id === id)!.descriptors[0]!
  const verify = async () => ok<{ member_id: number | null }>(await tabletPage.request.post('/api/face/verify', { data: { face_encoding: probe, organization_id: organizationId } }))
  expect((await verify()).member_id).toBe(id)
  expect((await admin.api.get(`/api/organizations/${organizationId}/members/${id}/face/photo`)).status()).toBe(200)
  const before = storedPhotos(dataDir, organizationId, id)
  expect(before.faces.length, 'registration photo on disk').toBeGreaterThan(0)
  expect(before.attendance.length, 'check-in photo on disk').toBeGreaterThan(0)

  await page.getByTestId('nav-profile').click()
  await page.getByTestId('profile-face-manage').click()
  await expect(page.getByTestId('face-profile-status')).toContainText('Registered')
  await snap(page, 'phone-ani-face-data')
  await a11y.check(page, 'phone: face data')
  await page.getByTestId('face-withdraw').click()
  await expect(page.getByTestId('face-withdraw-dialog')).toBeVisible()
  await snap(page, 'phone-ani-withdraw-confirm')
  await page.getByTestId('face-withdraw-confirm').click()
  await expect(page.getByTestId('face-withdrawn')).toBeVisible()
  await expect(page.getByTestId('face-profile-status')).toContainText('Not registered')
  await expect(page.getByTestId('face-profile-consent')).toContainText('Not given')
  await snap(page, 'phone-ani-withdrawn')

  // Verification stops: the kiosk's 1:N no longer finds her, face sign-in refuses, the phone cannot check in by face.
  expect((await verify()).member_id).toBeNull()
  const faceLogin = await request.newContext({ baseURL: base })
  const challenge = await ok<IssuedChallenge>(await faceLogin.post('/api/mobile/login/challenge', { data: { organization_id: organizationId, member_id: id } }))
  const evidence = await renderEvidence(faces.ani.photo, challenge.steps, { challengeId: challenge.challenge_id })
  const refused = await faceLogin.post('/api/mobile/login/face', { data: { organization_id: organizationId, member_id: id, evidence } })
  expect(refused.status()).toBe(401)
  await faceLogin.dispose()
  await page.goto('/m')
  await expect(page.getByTestId('checkin-button')).toBeDisabled()
  // The photos are gone: the route answers 404, the files are off the disk (registration and attendance).
  expect((await admin.api.get(`/api/organizations/${organizationId}/members/${id}/face/photo`)).status()).toBe(404)
  expect(storedPhotos(dataDir, organizationId, id)).toEqual({ faces: [], attendance: [] })
  const member = await ok<{ face_registered: boolean }>(await admin.api.get(`/api/organizations/${organizationId}/members/${id}`))
  expect(member.face_registered).toBe(false)
  await aniPhone!.browser.close()
  aniPhone = null
})

// ---------------------------------------------------------------- installable, offline, accessible

test('the PWA is installable: manifest, icons in the sizes stores ask for, a service worker, viewport and theme colour; it works offline after one visit', async () => {
  const api = await request.newContext({ baseURL: base })
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
  expect(scope).toBe(`${base}/`)
  await page.reload()
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
  // After that first visit, the member app and the kiosk open with no network at all.
  await context.setOffline(true)
  await page.reload()
  await expect(page.getByTestId('member-login')).toBeVisible()
  await page.goto('/p')
  await expect(page.locator('#app')).not.toBeEmpty()
  await context.close()
})

test('accessibility: no serious or critical axe-core violations on any main screen', async () => {
  a11y.save()
  expect(a11y.screens.length).toBeGreaterThanOrEqual(15)
  expect(a11y.findings, `axe-core findings (also in ${JOURNEY_DIR}/axe.json):\n${a11y.summary()}`).toEqual([])
})

// Paths the lead may want to look at after a run.
test.afterAll(() => {
  console.log(`journey screenshots: ${path.resolve(JOURNEY_DIR)}; fake camera frames: ${VIDEO_DIR}`)
})
