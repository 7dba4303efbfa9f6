// A member's phone in the specs (e2e/member-attendance.spec.ts): the Absensi scan and its confirmation, the member's
// records as the server has them, the capture's verdict held back so the screen can be seen while the server checks,
// a member whose registered face is another person's, and the face registration's consent and camera
// (e2e/face.spec.ts).
import { type APIRequestContext, expect, type Page, request, type Route } from '@playwright/test'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { EVIDENCE_PEOPLE } from '../../tools/test-support/evidence'
import { type AdminApi, apiData, inviteMember, type InvitedMember } from './api'
import { BASE_URL, logWhile } from './browser'
import { registerFaceWithEvidence } from './evidence'
import { facesDir } from './fake-camera'
import { stillCamera } from './paced-camera'
import type { ShotOptions } from './fixtures'

/** How long the server's check of a capture may take here (a job queue and face inference on a shared 2-core machine). */
export const VERDICT_TIMEOUT = 180_000

export interface OwnRecord {
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  approval_status: string
  flags: string[]
  remarks: string | null
}

/**
 * Holds the answers to "where does my capture stand" until released, so the screen can be seen while the server is
 * still checking (the check itself is not touched; only its answer reaches the page later).
 */
export async function holdVerdicts(page: Page): Promise<() => Promise<void>> {
  const held: Route[] = []
  let holding = true
  const handler = async (route: Route) => {
    if (holding) held.push(route)
    else await route.continue()
  }
  await page.route('**/api/attendance/captures/*', handler)
  return async () => {
    holding = false
    await page.unroute('**/api/attendance/captures/*', handler)
    for (const route of held.splice(0)) await route.continue().catch(() => undefined)
  }
}

/** The member's records as the server has them (the phone's own session). */
export async function serverRecords(page: Page): Promise<OwnRecord[]> {
  return (await apiData<{ records: OwnRecord[] }>(await page.request.get('/api/attendance/mine'))).records
}

/**
 * Absensi → "Add remarks" → liveness scan → the confirmation form (the path of a member who wants to write remarks);
 * `screenshot` is taken while the scan asks for a head turn. Returns the time the scan took.
 */
export async function scanForAttendance(page: Page, screenshot?: () => Promise<void>): Promise<number> {
  const started = Date.now()
  await page.getByTestId('checkin-button').click()
  // Tapped as soon as the screen shows it (the scan cannot start before the face model has loaded), with the camera
  // standing still: a quick scan records at once, and a busy machine must not let it win the race.
  await stillCamera(page, async () => {
    await page.getByTestId('checkin-add-note').click()
    await expect(page.getByTestId('checkin-add-note')).toHaveAttribute('aria-pressed', 'true')
    await expect(page.getByTestId('checkin-note-on')).toBeVisible()
  })
  const camera = page.getByTestId('face-camera')
  await expect(camera).toBeVisible()
  if (screenshot) {
    await expect(camera).toHaveAttribute('data-hint', /turn_left|turn_right/, { timeout: 90_000 })
    await screenshot()
  }
  await expect(page.getByTestId('checkin-confirm')).toBeVisible({ timeout: 180_000 })
  return Date.now() - started
}

/** Submit on the confirmation form; returns the time until the confirmation shows. */
export async function submitAttendance(page: Page, remarks?: string): Promise<number> {
  if (remarks) await page.getByTestId('checkin-remarks').fill(remarks)
  const started = Date.now()
  await page.getByTestId('checkin-submit').click()
  await expect(page.getByTestId('checkin-done')).toBeVisible()
  return Date.now() - started
}

/**
 * One tap on Absensi, the head turn the camera asks for, and the record is made: the "done" screen follows the scan
 * with no other tap and no confirmation form on the way (watched in the page). `screenshot` is taken while the scan
 * asks for the turn. Returns the time from the tap to the "done" screen.
 */
export async function checkInWithOneTap(page: Page, screenshot?: () => Promise<void>): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { __sawConfirm?: boolean }
    w.__sawConfirm = false
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="checkin-confirm"]')) w.__sawConfirm = true
    }).observe(document.body, { subtree: true, childList: true })
  })
  const started = Date.now()
  await page.getByTestId('checkin-button').click()
  const camera = page.getByTestId('face-camera')
  await expect(camera).toBeVisible()
  await expect(page.getByTestId('checkin-add-note')).toHaveAttribute('aria-pressed', 'false')
  if (screenshot) {
    await expect(camera).toHaveAttribute('data-hint', /turn_left|turn_right/, { timeout: 90_000 })
    await screenshot()
  }
  await expect(page.getByTestId('checkin-done')).toBeVisible({ timeout: 180_000 })
  const took = Date.now() - started
  expect(await page.evaluate(() => (window as unknown as { __sawConfirm?: boolean }).__sawConfirm), 'a confirmation form between the scan and the record').toBe(false)
  return took
}

/** A member (invitation redeemed with `pin`, consent given) whose face is registered from `photo` through the API. */
export async function memberWithFace(admin: AdminApi, name: string, photo: string, pin: string): Promise<{ member: InvitedMember; number: string }> {
  const member = await inviteMember(admin, name)
  const detail = await apiData<{ member_number: string }>(await admin.api.get(`/api/organizations/${admin.organizationId}/members/${member.id}`))
  const own: APIRequestContext = await request.newContext({ baseURL: BASE_URL })
  try {
    await apiData(await own.post('/api/mobile/invitations/redeem', { data: { code: member.code, pin } }))
    await apiData(await own.post(`/api/members/${member.id}/face/consent`, { data: { version: CONSENT_VERSION } }))
    await registerFaceWithEvidence(own, member.id, photo)
  } finally {
    await own.dispose()
  }
  return { member, number: detail.member_number }
}

/** A photo of the `nth` (0, 1...) other person of ../shared/faces than `identity`, one that renders into evidence. */
export function otherPersonPhoto(identity: string, nth = 0): string {
  const other = EVIDENCE_PEOPLE.filter((p) => p.name !== identity)[nth]
  if (!other) throw new Error(`no ${nth + 1} other identities of ../shared/faces/people render into evidence`)
  return `${facesDir()}/${other.photos[0]!}`
}

/** A member (as memberWithFace) whose registered face is another person of ../shared/faces than `identity`. */
export function memberWithAnotherFace(admin: AdminApi, name: string, identity: string, pin: string): Promise<{ member: InvitedMember; number: string }> {
  return memberWithFace(admin, name, otherPersonPhoto(identity), pin)
}

/** Consent screen → accept → the camera screen. */
export async function acceptConsent(page: Page, screenshot?: { name: string; shot: (page: Page, name: string, options?: ShotOptions) => Promise<void> }): Promise<void> {
  await page.getByTestId('face-register-start').click()
  await expect(page.getByTestId('face-consent')).toBeVisible()
  await expect(page.getByTestId('face-consent')).toContainText('Consent to the use of your face data')
  await expect(page.getByTestId('face-consent')).toContainText('Personal Data Protection Law No. 27 of 2022')
  if (screenshot) await screenshot.shot(page, screenshot.name)
  // Accepting without ticking the box is explained, not sent.
  await page.getByTestId('consent-accept').click()
  await expect(page.getByTestId('consent-checkbox-error')).toBeVisible()
  await page.getByTestId('consent-checkbox').check()
  await page.getByTestId('consent-accept').click()
  await expect(page.getByTestId('face-camera')).toBeVisible()
}

/** The phone's registration request (register, or update for a new registration), whenever the scan ends. */
export function registrationSent(page: Page, route: 'register' | 'update') {
  const method = route === 'register' ? 'POST' : 'PUT'
  return page.waitForRequest((r) => r.method() === method && new RegExp(`/api/members/\\d+/face/${route}$`).test(r.url()), { timeout: 360_000 })
}

/** Waits for `until`, logging the camera's state as it changes (a timeout then says where the scan stood). */
export const logCameraUntil = <T>(page: Page, until: Promise<T>) => logWhile('face camera', page.getByTestId('face-camera'), ['status', 'hint', 'steps', 'frame-ms', 'frames'], until)

/** What the face camera measured (for the log). */
export async function cameraStats(page: Page) {
  const camera = page.getByTestId('face-camera')
  return {
    backend: await camera.getAttribute('data-backend'),
    worker: await camera.getAttribute('data-worker'),
    inferenceMs: Number(await camera.getAttribute('data-inference-ms')),
    frameMs: Number(await camera.getAttribute('data-frame-ms')),
  }
}
