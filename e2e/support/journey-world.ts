// The journey (e2e/journey.spec.ts and its steps, e2e/journey-*.spec.ts): who takes part, the devices they use and
// what the steps hand on to each other. One journey runs per worker, in order (serial), so the state is this module's.
//
// A fake camera is a browser launch flag, so each camera scene has its own Chromium. The tablet keeps ONE profile
// (a persistent context: cookies, IndexedDB, service worker) and is restarted with a new scene when other people
// walk up to it, as a real tablet would be restarted.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, expect, type Page, request } from '@playwright/test'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { CAMERA_ARGS, cameraBrowser, CHROMIUM_EXECUTABLE, LAUNCH_ARGS, retryTimedOutScans, watchedPage } from './browser'
import { pacedCamera, type PromptedCameraVideos } from './paced-camera'
import { registerFaceWithEvidence } from './evidence'
import { REPO_ROOT, VIDEO_DIR } from './fake-camera'
import { logCameraUntil } from './member'
import { CAST, type PhoneVideo, type PreparedFaces } from './journey-faces'
import { A11yScan, type Api, ok, SIZES, snap } from './journey'
import type { OwnServer } from './server'

export const ORG = 'SMK Negeri 3 Harapan Jaya'
export const ADMIN = { name: 'Ibu Wulan Maharani', email: 'wulan@smkn3hj.sch.id', password: 'hadir-sekolah-2026' }
export const SUPPORT = { name: 'Pak Hendra Gunawan', email: 'hendra@smkn3hj.sch.id', password: 'bantuan-sekolah-7' }
export const PETUGAS = { name: 'Pak Slamet Riyadi', number: 'PTG-01', pin: '730415' }
export const PIN = '582916'
export const TZ = 'Asia/Jakarta'
/** The school gate (the location's fence is centred here) and a phone far away (Surabaya) for a flagged record. */
export const GATE = { latitude: -6.2001, longitude: 106.8167 }
export const FAR = { latitude: -7.2575, longitude: 112.7521, accuracy: 20 }

/** The five members of the import (step 1): who they are, and which department. */
export const MEMBERS = [
  { key: 'ani', number: 'G-101', department: 'Guru', email: 'ani@smkn3hj.sch.id', phone: '081234500101' },
  { key: 'bayu', number: 'G-102', department: 'Guru', email: 'bayu@smkn3hj.sch.id', phone: '081234500102' },
  { key: 'citra', number: 'TU-201', department: 'Tata Usaha', email: 'citra@smkn3hj.sch.id', phone: '081234500201' },
  { key: 'dodi', number: 'TU-202', department: 'Tata Usaha', email: 'dodi@smkn3hj.sch.id', phone: '081234500202' },
  { key: 'eka', number: 'G-103', department: 'Guru', email: 'eka@smkn3hj.sch.id', phone: '081234500103' },
] as const
export type Key = (typeof MEMBERS)[number]['key']
export const nameOf = (key: Key) => CAST[key].name

/** What the steps hand on to each other (set by the spec's beforeAll and by the steps, in order). */
export const J = {
  server: undefined as unknown as OwnServer,
  /** The journey server's data directory (its photos). */
  dataDir: '',
  base: '',
  desktop: undefined as unknown as Browser,
  admin: undefined as unknown as { context: BrowserContext; page: Page; api: Api },
  organizationId: 0,
  // Faces: fake-camera videos and the API registrations' evidence, made in a child process while step 1 runs.
  preparing: undefined as unknown as Promise<PreparedFaces>,
  preparer: null as ReturnType<typeof spawn> | null,
  faces: undefined as unknown as PreparedFaces,
  // The tablet: one Chromium profile for the whole journey.
  tabletProfile: '',
  tablet: null as BrowserContext | null,
  tabletPage: undefined as unknown as Page,
  // Ani's phone stays in her pocket until she withdraws her consent (step 6).
  aniPhone: null as { browser: Browser; context: BrowserContext; page: Page } | null,
}
export const memberIds = {} as Record<Key, number>
export const a11y = new A11yScan()
export const timings: Record<string, number> = {}
/**
 * How long the server's check of a capture may take here (a job queue and face inference on a shared 2-core machine):
 * a limit against a hang, 10 minutes, since a clean-clone CI runs the load average past 20.
 */
export const VERDICT_TIMEOUT = 600_000

export function prepareFacesAside(): Promise<PreparedFaces> {
  const out = path.join(VIDEO_DIR, 'journey-faces.json')
  fs.mkdirSync(VIDEO_DIR, { recursive: true })
  fs.rmSync(out, { force: true })
  const child = (J.preparer = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'e2e', 'support', 'journey-prepare.ts'), out], {
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

export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

export async function desktopPage(viewport: { width: number; height: number } = SIZES.desktop): Promise<{ context: BrowserContext; page: Page }> {
  const context = await J.desktop.newContext({ baseURL: J.base, viewport, locale: 'en-US', timezoneId: TZ })
  return { context, page: await watchedPage(context) }
}

export async function phone(video: string | PromptedCameraVideos, geolocation: { latitude: number; longitude: number; accuracy?: number }) {
  const browser = await cameraBrowserFor(video)
  const context = await browser.newContext({
    baseURL: J.base,
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

/** Every camera browser this spec launched, closed at the end whatever happened. */
export const launched: Browser[] = []

export async function cameraBrowserFor(video: string | PromptedCameraVideos): Promise<Browser> {
  const browser = await cameraBrowser(video)
  launched.push(browser)
  return browser
}

/** The tablet's Chromium with this camera scene; the same profile every time (it stays enrolled and signed in). */
export async function startTablet(scene: string | null): Promise<Page> {
  await J.tablet?.close()
  J.tablet = await chromium.launchPersistentContext(J.tabletProfile, {
    executablePath: CHROMIUM_EXECUTABLE,
    args: scene ? CAMERA_ARGS : LAUNCH_ARGS,
    baseURL: J.base,
    viewport: SIZES.tablet,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: TZ,
    permissions: ['camera', 'geolocation'],
    geolocation: GATE,
  })
  if (scene) await pacedCamera(J.tablet, scene)
  for (const page of J.tablet.pages()) await page.close()
  J.tabletPage = await watchedPage(J.tablet)
  return J.tabletPage
}

/** Opens the member's invitation on the dashboard's member list and returns its link. */
export async function invitationLink(page: Page, name: string): Promise<string> {
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
export async function registerThroughApi(key: 'citra' | 'dodi' | 'eka'): Promise<Api> {
  const invitation = await ok<{ code: string }>(await J.admin.api.post(`/api/organizations/${J.organizationId}/members/${memberIds[key]}/invitations`, { data: {} }))
  const own = await request.newContext({ baseURL: J.base })
  await ok(await own.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
  await ok(await own.post(`/api/members/${memberIds[key]}/face/consent`, { data: { version: CONSENT_VERSION } }))
  await registerFaceWithEvidence(own, memberIds[key], J.faces.registrations[key].photo)
  return own
}

export interface OwnRecord {
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  approval_status: string
  flags: string[]
}

export async function ownRecords(api: Api): Promise<OwnRecord[]> {
  return (await ok<{ records: OwnRecord[] }>(await api.get('/api/attendance/mine'))).records
}

export interface ListedRecord {
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

export async function attendanceToday(api: Api): Promise<ListedRecord[]> {
  const day = today()
  return (await ok<{ records: ListedRecord[] }>(await api.get(`/api/organizations/${J.organizationId}/attendance?start_date=${day}&end_date=${day}&limit=200`))).records
}

export const personApis = {} as Record<'citra' | 'dodi' | 'eka', Api>

export async function memberOnPhone(key: 'ani' | 'bayu', link: string, video: PhoneVideo, where: { latitude: number; longitude: number; accuracy?: number }, shots: boolean) {
  const device = await phone(video.prompted, where)
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
  await logCameraUntil(page, expect(page.getByTestId('face-register-success')).toBeVisible({ timeout: 180_000 }))
  if (shots) await snap(page, `${prefix}-face-registered`)
  await page.getByTestId('face-register-home').click()

  // Check-in: the head turns of the server's challenge, the record and its evidence go to the server, which checks
  // the face itself and says what it concluded.
  await expect(page.getByTestId('checkin-button')).toHaveAttribute('data-kind', 'check_in')
  if (shots) {
    await snap(page, `${prefix}-home`)
    await a11y.check(page, 'phone: home')
  }
  // One tap: the scan records the check-in at once (no remarks asked for).
  await page.getByTestId('checkin-button').click()
  const done = page.getByTestId('checkin-done')
  await logCameraUntil(page, expect(done).toBeVisible({ timeout: 180_000 }))
  await expect(page.getByTestId('checkin-done-title')).toHaveText('You are checked in')
  await expect(done).toHaveAttribute('data-delivery', 'sent')
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

export const recent = (page: Page, memberId: number) => page.getByTestId('kiosk-recent-item').and(page.locator(`[data-member-id="${memberId}"]`))
