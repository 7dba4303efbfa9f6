import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type APIRequestContext, expect, type Page, request, test } from '@playwright/test'
import postgres from 'postgres'
import sharp from 'sharp'
import { assuranceFor, type AssuranceChange } from '../server/features/dashboard/assurance.fixtures'
import { ADMIN, type AdminApi, adminApi, apiData, ORG } from './support/api'
import { BASE_URL, SHOTS } from './support/browser'

// The dashboard's attendance page (issue 5): the admin filters today's list, opens a record's photo and approves it,
// corrects one, makes a manual record, and watches a check-in posted to the API appear at the top without a reload
// while the "today" numbers follow; the overview shows today at a glance and the 30-day trend. Works in the
// organization the foundation spec set up; every name made here carries a suffix of its own.
//
// The assurance of captures (issue 13) — what the server's own check of each capture's images concluded — is seeded
// straight into the server's database and photo folder (HADIR_E2E_DATABASE_URL, HADIR_E2E_DATA_DIR, which
// scripts/test.mjs passes), as the check leaves it, so the spec does not wait for the check to run.

// Long journeys through one page: the time limit is a safety net for a loaded machine, not a speed requirement.
test.describe.configure({ mode: 'serial', timeout: 240_000 })

const PIN = '582914'
const RUN = Date.now().toString(36).slice(-5)
const PHOTO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'faces', 'people', 'p03', 'p03-1.jpg')

let admin: AdminApi
let today: string
let department: { id: number; name: string }
const people: Record<'rina' | 'dodi' | 'sari' | 'tono' | 'wati' | 'yudi' | 'eko' | 'lina', { id: number; name: string; number: string; phone: APIRequestContext }> = {} as never
const DATABASE_URL = process.env.HADIR_E2E_DATABASE_URL
const DATA_DIR = process.env.HADIR_E2E_DATA_DIR
const seeded: Record<'wati' | 'yudi' | 'eko' | 'lina', { record: number; event: number }> = {} as never
let sql: postgres.Sql | null = null
const sessions: APIRequestContext[] = []

let pageErrors: string[] = []
test.beforeEach(({ page }) => {
  pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
})
test.afterEach(() => {
  expect(pageErrors).toEqual([])
})

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

/** The open record panel as it looks on the 1440x900 screen, scrolled so its captures start at the top. */
async function panelShot(page: Page, name: string): Promise<void> {
  await page.getByTestId('record-events').evaluate((el) => el.scrollIntoView({ block: 'start' }))
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.screenshot({ path: `${SHOTS}/${name}.png` })
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/admin')
  await expect(page).toHaveURL(/\/admin\/login/)
  await page.getByTestId('login-email').fill(ADMIN.email)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/admin\/select-org/)
  await page.getByTestId('org-option').filter({ hasText: ORG }).click()
  await expect(page.getByTestId('admin-shell')).toBeVisible()
}

/** A member with an invitation redeemed on "their phone" (an API context holding the member's session). */
async function member(name: string, departmentId?: number): Promise<{ id: number; name: string; number: string; phone: APIRequestContext }> {
  const number = `DA-${RUN}-${name.split(' ')[0]}`
  const created = await apiData<{ id: number }>(
    await admin.api.post(`/api/organizations/${admin.organizationId}/members`, { data: { name, member_number: number, department_id: departmentId, role: 'member' } }),
  )
  const invitation = await apiData<{ code: string }>(await admin.api.post(`/api/organizations/${admin.organizationId}/members/${created.id}/invitations`, { data: {} }))
  const phone = await request.newContext({ baseURL: BASE_URL })
  sessions.push(phone)
  await apiData(await phone.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
  return { id: created.id, name, number, phone }
}

/** A check-in from the member's phone through the real sync API, now, optionally with a photo. */
async function checkIn(phone: APIRequestContext, memberId: number, withPhoto = false): Promise<number> {
  const record: Record<string, unknown> = { client_id: crypto.randomUUID(), member_id: memberId, kind: 'check_in', captured_at: new Date().toISOString() }
  if (withPhoto) record.face_image = fs.readFileSync(PHOTO).toString('base64')
  const result = await apiData<{ results: { status: string; record_id: number }[] }>(
    await phone.post('/api/attendance/sync', { data: { device_id: `phone-${memberId}`, sent_at: new Date().toISOString(), records: [record] } }),
  )
  expect(result.results[0]!.status).toBe('applied')
  return result.results[0]!.record_id
}

async function manual(memberId: number, body: Record<string, unknown>): Promise<number> {
  const row = await apiData<{ id: number }>(
    await admin.api.post(`/api/organizations/${admin.organizationId}/attendance`, { data: { member_id: memberId, attendance_date: today, reason: 'Daftar hadir kertas', ...body } }),
  )
  return row.id
}

/** Five face crops of a real photo, as a capture's evidence frames: stored under the server's photo folder. */
async function storeFrames(organizationId: number, label: string): Promise<{ t: number; key: string }[]> {
  const source = sharp(fs.readFileSync(PHOTO))
  const { width = 400, height = 400 } = await source.metadata()
  const side = Math.round(Math.min(width, height) * 0.8)
  // Start, turned one way, back, turned the other way, back: the crop slides as the head would.
  const shifts = [0, -0.08, 0, 0.08, 0.01]
  const frames: { t: number; key: string }[] = []
  for (const [i, shift] of shifts.entries()) {
    const left = Math.max(0, Math.min(width - side, Math.round((width - side) / 2 + shift * width)))
    const bytes = await sharp(fs.readFileSync(PHOTO)).extract({ left, top: Math.round((height - side) / 3), width: side, height: side }).resize(256, 256).jpeg({ quality: 85 }).toBuffer()
    const key = `org-${organizationId}/evidence/e2e-${RUN}-${label}-${i}.jpg`
    fs.mkdirSync(path.dirname(path.join(DATA_DIR!, 'photos', key)), { recursive: true })
    fs.writeFileSync(path.join(DATA_DIR!, 'photos', key), bytes)
    frames.push({ t: i * 800, key })
  }
  return frames
}

/** Today's record of a member with one check-in, as sync and the server's image check leave them. */
async function seedCapture(
  who: { id: number },
  label: string,
  time: string,
  day: { approval: 'verifying' | 'pending' | 'approved'; level: 'high' | 'medium' | 'low' | 'failed' | null },
  capture: { evidence: 'online' | 'offline' | null; assurance: AssuranceChange | null; verifying?: boolean },
): Promise<{ record: number; event: number }> {
  const db = sql!
  const captured = new Date(`${today}T${time}:00+07:00`)
  const received = new Date(captured.getTime() + 4000)
  const frames = capture.evidence ? await storeFrames(admin.organizationId, label) : null
  const evidence = frames ? { challenge_id: capture.evidence === 'online' ? crypto.randomUUID() : null, steps: ['turn_left', 'turn_right'], mode: capture.evidence, frames } : null
  const assurance = capture.assurance ? assuranceFor(captured, received, { ...capture.assurance, verifying: capture.verifying }) : null
  const [record] = await db`
    insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, status, approval_status, assurance_level, source, server_received_at)
    values (${admin.organizationId}, ${who.id}, ${today}, ${`${time}:00`}, 'present', ${day.approval}, ${day.level}, 'mobile', ${received})
    returning id`
  const [event] = await db`
    insert into attendance_events (organization_id, client_id, attendance_record_id, organization_member_id, kind, payload_hash, mobile_device_id, device_captured_at, captured_at, received_at, origin, evidence, verification, assurance)
    values (${admin.organizationId}, ${crypto.randomUUID()}, ${record!.id}, ${who.id}, 'check_in', ${`e2e-${RUN}-${label}`}, ${`phone-${who.id}`}, ${captured}, ${captured}, ${received}, 'phone',
      ${evidence ? db.json(evidence) : null}, ${capture.verifying ? 'verifying' : 'done'}, ${assurance ? db.json(assurance as never) : null})
    returning id`
  return { record: Number(record!.id), event: Number(event!.id) }
}

test.beforeAll(async () => {
  admin = await adminApi(BASE_URL)
  today = (await apiData<{ today: string }>(await admin.api.get(`/api/organizations/${admin.organizationId}/attendance/options`))).today
  department = await apiData(await admin.api.post(`/api/organizations/${admin.organizationId}/departments`, { data: { name: `Tata Usaha ${RUN}` } }))
  const rina = await member(`Rina Kusuma ${RUN}`, department.id)
  const dodi = await member(`Dodi Pratama ${RUN}`, department.id)
  const sari = await member(`Sari Wulandari ${RUN}`)
  const tono = await member(`Tono Saputra ${RUN}`)
  Object.assign(people, { rina, dodi, sari, tono })
  // Rina checks in from her phone with a photo (no face data: it waits for review); Dodi came late, Sari is excused
  // (both written on the dashboard from a paper list). Tono has not come yet: he checks in during the test.
  await checkIn(rina.phone, rina.id, true)
  await manual(dodi.id, { check_in_time: '09:05', status: 'late' })
  await manual(sari.id, { status: 'excused' })
  if (DATABASE_URL && DATA_DIR) {
    sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} })
    // Wati's check-in passed every check on a challenge from the server; Yudi's replayed a challenge that had already
    // answered another capture; Eko's is still being checked; Lina's came before the server checked captures.
    const [wati, yudi, eko, lina] = [await member(`Wati Rahayu ${RUN}`), await member(`Yudi Hartono ${RUN}`), await member(`Eko Prasetyo ${RUN}`), await member(`Lina Marlina ${RUN}`)]
    Object.assign(people, { wati, yudi, eko, lina })
    seeded.wati = await seedCapture(wati, 'wati', '07:48', { approval: 'approved', level: 'high' }, { evidence: 'online', assurance: {} })
    seeded.yudi = await seedCapture(yudi, 'yudi', '07:51', { approval: 'pending', level: 'failed' }, { evidence: 'online', assurance: { liveness: { outcome: 'fail', code: 'challenge_reused' } } })
    seeded.eko = await seedCapture(eko, 'eko', '07:55', { approval: 'verifying', level: null }, { evidence: 'offline', assurance: { evidence: 'offline' }, verifying: true })
    seeded.lina = await seedCapture(lina, 'lina', '07:40', { approval: 'approved', level: null }, { evidence: null, assurance: null })
  }
})

test.afterAll(async () => {
  for (const s of sessions) await s.dispose()
  await admin?.api.dispose()
  await sql?.end()
})

test('the admin filters today’s attendance, opens a photo, approves and corrects records', async ({ page }) => {
  await signIn(page)
  await page.getByTestId('nav-attendance').click()
  await expect(page.getByTestId('attendance-title')).toHaveText('Attendance')
  await expect(page.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
  // Today is the default range.
  await expect(page.getByTestId('attendance-from')).toHaveValue(today)
  await expect(page.getByTestId('attendance-to')).toHaveValue(today)
  const rows = page.getByTestId('attendance-row')
  for (const p of [people.rina, people.dodi, people.sari]) await expect(rows.filter({ hasText: p.name })).toHaveCount(1)
  await expect(page.getByTestId('today-late')).toBeVisible()
  // The thumbnail of the capture photo loads as it comes into view.
  const rinaRow = rows.filter({ hasText: people.rina.name })
  await rinaRow.scrollIntoViewIfNeeded()
  await expect(rinaRow.getByTestId('attendance-thumb')).toBeVisible()
  await expect.poll(() => rinaRow.getByTestId('attendance-thumb').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(96)
  await expect(rinaRow.getByTestId('attendance-approval')).toHaveText('Waiting for review')
  await shot(page, 'dashboard-attendance')

  // Search by name, then by member number.
  await page.getByTestId('attendance-search').fill('dodi')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(people.dodi.name)
  await expect(page.getByTestId('attendance-count')).toHaveText('Records found: 1')
  await page.getByTestId('attendance-search').fill(people.sari.number)
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText(people.sari.name)
  await page.getByTestId('attendance-search').fill('')
  // By department, status, review state and source.
  await page.getByTestId('filter-department').selectOption(String(department.id))
  await expect(rows).toHaveCount(2)
  await page.getByTestId('filter-status').selectOption('late')
  // Dodi was late; Rina too if the test runs after 08:15 in Jakarta.
  await expect(rows.filter({ hasText: people.dodi.name })).toHaveCount(1)
  await expect(rows.getByTestId('attendance-status').filter({ hasNotText: 'Late' })).toHaveCount(0)
  await expect(rows.filter({ hasText: people.sari.name })).toHaveCount(0)
  await expect(page).toHaveURL(/status=late/)
  await page.getByTestId('attendance-filters-reset').click()
  await page.getByTestId('filter-approval').selectOption('pending')
  await expect(rows.filter({ hasText: people.rina.name })).toHaveCount(1)
  await expect(rows.filter({ hasText: people.dodi.name })).toHaveCount(0)
  await page.getByTestId('filter-approval').selectOption('')
  await page.getByTestId('filter-source').selectOption('manual')
  await expect(rows.filter({ hasText: people.rina.name })).toHaveCount(0)
  await expect(rows.filter({ hasText: people.sari.name })).toHaveCount(1)
  await page.getByTestId('filter-source').selectOption('')
  // A search nobody matches has its own empty state.
  await page.getByTestId('attendance-search').fill('nobody-like-this')
  await expect(page.getByTestId('attendance-empty')).toContainText('No matching records')
  await shot(page, 'dashboard-attendance-empty')
  await page.getByTestId('attendance-search').fill('')
  await expect(rows.filter({ hasText: people.rina.name })).toHaveCount(1)
  // Sorting by name from the column header.
  await page.getByTestId('sort-name').click()
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText('Member')

  // Rina's record: the photo on request, then approval with a note.
  await rows.filter({ hasText: people.rina.name }).getByTestId('attendance-open').click()
  const panel = page.getByTestId('record-panel')
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('record-events')).toContainText('Check-in captured')
  await panel.getByTestId('record-photo-show').click()
  await expect.poll(() => panel.getByTestId('record-photo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100)
  await panel.getByTestId('record-note').fill('Dicek dengan CCTV')
  await shot(page, 'dashboard-attendance-record')
  await panel.getByTestId('record-approve').click()
  await expect(panel.getByTestId('record-done')).toHaveText('Approved.')
  await expect(panel.getByTestId('record-history')).toContainText('Dicek dengan CCTV')
  await expect(panel.getByTestId('record-history')).toContainText(ADMIN.name)
  await page.keyboard.press('Escape')
  await expect(panel).toBeHidden()
  await expect(rows.filter({ hasText: people.rina.name }).getByTestId('attendance-approval')).toHaveCount(0)

  // Dodi's late arrival is corrected: the reason is required, the status follows the new time.
  await rows.filter({ hasText: people.dodi.name }).getByTestId('attendance-open').click()
  await panel.getByTestId('record-correct').click()
  await panel.getByTestId('correct-check-in').fill('07:55')
  await panel.getByTestId('correct-save').click()
  await expect(panel.getByTestId('correct-reason-error')).toBeVisible()
  await panel.getByTestId('correct-reason').fill('Salah tulis di daftar kertas')
  await panel.getByTestId('correct-save').click()
  await expect(panel.getByTestId('record-done')).toHaveText('Correction saved.')
  await expect(panel.getByTestId('record-check-in')).toHaveText('07:55')
  await expect(panel.getByTestId('record-history')).toContainText('Salah tulis di daftar kertas')
  await expect(panel.getByTestId('record-history')).toContainText('09:05 → 07:55')
  await shot(page, 'dashboard-attendance-corrected')
  await panel.getByTestId('record-panel-close').click()
  await expect(rows.filter({ hasText: people.dodi.name }).getByTestId('attendance-status')).toHaveText('On time')

  // A second manual record for Sari on the same day is refused with a way to the existing one.
  await page.getByTestId('manual-open').click()
  const dialog = page.getByTestId('manual-dialog')
  await dialog.getByTestId('manual-member-search').fill(people.sari.number)
  await expect(dialog.getByTestId('manual-member')).toHaveValue(String(people.sari.id))
  await dialog.getByTestId('manual-check-in').fill('08:00')
  await dialog.getByTestId('manual-reason').fill('Coba lagi')
  await dialog.getByTestId('manual-save').click()
  await expect(dialog.getByTestId('manual-error')).toContainText('already has a record on that day')
  await dialog.getByTestId('manual-open-existing').click()
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('record-history')).toContainText('Recorded manually')
  await expect(panel.getByTestId('record-no-captures')).toHaveText('Recorded manually on the dashboard: there is no capture, so nothing was checked.')
  await panel.getByTestId('record-panel-close').click()
})

test('each capture shows what the server checked, at a glance; a check that ends reaches the open panel and the list', async ({ page }) => {
  test.skip(!sql, 'Needs the server’s database and photo folder (HADIR_E2E_DATABASE_URL, HADIR_E2E_DATA_DIR; scripts/test.mjs passes them)')
  await signIn(page)
  await page.goto('/admin/attendance')
  await expect(page.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
  const rows = page.getByTestId('attendance-row')
  const row = (who: { name: string }) => rows.filter({ hasText: who.name })
  // The list: the level of each day, and the review state, at a glance.
  await expect(row(people.wati).getByTestId('assurance-level')).toHaveAttribute('data-level', 'high')
  await expect(row(people.wati).getByTestId('assurance-level')).toHaveText('High')
  await expect(row(people.yudi).getByTestId('assurance-level')).toHaveText('Failed')
  await expect(row(people.yudi).getByTestId('attendance-approval')).toHaveText('Waiting for review')
  await expect(row(people.eko).getByTestId('attendance-approval')).toHaveText('Being checked')
  await expect(row(people.lina).getByTestId('assurance-level')).toHaveAttribute('data-level', 'none')
  // Today: only approved check-ins are attendance; the rest are counted apart.
  await expect(page.getByTestId('today-pending').locator('.today__value')).not.toHaveText('0')
  await expect(page.getByTestId('today-verifying').locator('.today__value')).not.toHaveText('0')
  await shot(page, 'dashboard-attendance-assurance-list')

  // By level and by review state.
  await page.getByTestId('filter-level').selectOption('failed')
  await expect(row(people.yudi)).toHaveCount(1)
  await expect(row(people.wati)).toHaveCount(0)
  await page.getByTestId('filter-level').selectOption('')
  await page.getByTestId('filter-approval').selectOption('verifying')
  await expect(row(people.eko)).toHaveCount(1)
  await expect(row(people.yudi)).toHaveCount(0)
  await page.getByTestId('filter-approval').selectOption('')
  await expect(row(people.wati)).toHaveCount(1)

  // A genuine capture: every line passed, with the face distance and margin in words, and the frames on request.
  const panel = page.getByTestId('record-panel')
  await row(people.wati).getByTestId('attendance-open').click()
  const capture = panel.getByTestId('capture')
  await expect(capture).toHaveAttribute('data-level', 'high')
  await expect(panel.getByTestId('record-assurance')).toContainText('High')
  await expect(capture.getByTestId('check-face')).toContainText('Matches this member (distance 0.61, limit 0.90), clear of the next person by 0.57.')
  await expect(capture.getByTestId('check-face')).toContainText('checked by the server')
  await expect(capture.getByTestId('check-liveness')).toContainText('turn left, then turn right')
  await expect(capture.getByTestId('check-place')).toContainText('Inside the fence: 42 m')
  await expect(capture.getByTestId('check-time')).toHaveAttribute('data-outcome', 'pass')
  await expect(capture.getByTestId('check-evidence')).toContainText('Online')
  await capture.getByTestId('capture-frames-show').click()
  const frames = capture.getByTestId('capture-frame')
  await expect(frames).toHaveCount(5)
  for (let i = 0; i < 5; i++) await expect.poll(() => frames.nth(i).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256)
  await shot(page, 'dashboard-attendance-assurance-high')
  await panelShot(page, 'dashboard-attendance-assurance-high-panel')
  await page.keyboard.press('Escape')

  // A replayed capture reads as a failure from the first line.
  await row(people.yudi).getByTestId('attendance-open').click()
  await expect(capture).toHaveAttribute('data-level', 'failed')
  await expect(capture.getByTestId('capture-failure')).toHaveText('Liveness failed — Replayed: this challenge had already answered another capture.')
  await expect(capture.getByTestId('check-liveness')).toHaveAttribute('data-outcome', 'fail')
  await expect(panel.getByTestId('record-approve')).toBeVisible()
  await panelShot(page, 'dashboard-attendance-assurance-failed')
  await page.keyboard.press('Escape')

  // A capture from before the checks says so plainly.
  await row(people.lina).getByTestId('attendance-open').click()
  await expect(capture.getByTestId('capture-no-evidence')).toContainText('No evidence')
  await panelShot(page, 'dashboard-attendance-assurance-none')
  await page.keyboard.press('Escape')

  // A capture still being checked: no decision yet; when the check ends, the open panel and the row follow by themselves.
  await row(people.eko).getByTestId('attendance-open').click()
  await expect(capture).toHaveAttribute('data-state', 'verifying')
  await expect(capture.getByTestId('check-face')).toHaveAttribute('data-outcome', 'checking')
  await expect(capture.getByTestId('check-place')).toHaveAttribute('data-outcome', 'pass')
  await expect(panel.getByTestId('record-verifying')).toBeVisible()
  await expect(panel.getByTestId('record-approve')).toHaveCount(0)
  await expect(panel.getByTestId('record-reject')).toHaveCount(0)
  await panelShot(page, 'dashboard-attendance-assurance-verifying')
  // What the server's check writes when it ends (offline evidence from a phone: it waits for review), and the
  // notification it publishes.
  const captured = new Date(`${today}T07:55:00+07:00`)
  const done = assuranceFor(captured, new Date(captured.getTime() + 4000), { evidence: 'offline' })
  await sql!`update attendance_events set verification = 'done', assurance = ${sql!.json(done as never)} where id = ${seeded.eko.event}`
  await sql!`update attendance_records set approval_status = 'pending', assurance_level = 'medium', updated_at = now() where id = ${seeded.eko.record}`
  await sql!`select pg_notify('hadir_attendance', ${JSON.stringify({ o: admin.organizationId, ids: [seeded.eko.record], c: 'changed' })})`
  await expect(capture).toHaveAttribute('data-level', 'medium')
  await expect(capture.getByTestId('check-face')).toHaveAttribute('data-outcome', 'pass')
  await expect(capture.getByTestId('check-evidence')).toContainText('Offline')
  await expect(panel.getByTestId('record-assurance')).toContainText('Medium')
  await expect(panel.getByTestId('record-approve')).toBeVisible()
  await expect(panel.getByTestId('record-verifying')).toHaveCount(0)
  await panelShot(page, 'dashboard-attendance-assurance-medium')
  await page.keyboard.press('Escape')
  await expect(row(people.eko).getByTestId('attendance-approval')).toHaveText('Waiting for review')
  await expect(row(people.eko).getByTestId('assurance-level')).toHaveText('Medium')

  // In Indonesian.
  await page.getByTestId('language-id').click()
  await expect(row(people.wati).getByTestId('assurance-level')).toHaveText('Tinggi')
  await expect(row(people.yudi).getByTestId('assurance-level')).toHaveText('Gagal')
  await expect(row(people.eko).getByTestId('assurance-level')).toHaveText('Sedang')
  await row(people.wati).getByTestId('attendance-open').click()
  await expect(capture.getByTestId('check-face')).toContainText('Cocok dengan anggota ini')
  await panelShot(page, 'dashboard-attendance-assurance-id')
  await page.keyboard.press('Escape')
  await page.getByTestId('language-en').click()
})

test('a check-in received by the API appears at the top without a reload, and today’s numbers follow', async ({ page }) => {
  await signIn(page)
  await page.goto('/admin/attendance')
  await expect(page.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
  const rows = page.getByTestId('attendance-row')
  await expect(rows.filter({ hasText: people.rina.name })).toHaveCount(1)
  await expect(rows.filter({ hasText: people.tono.name })).toHaveCount(0)
  // Everyone who came today: approved (on time, late), waiting for review, or being checked by the server. A check-in
  // sent without evidence waits for review, so it lands in one of these, never in "not yet in".
  const came = async () => {
    let n = 0
    for (const tile of ['present', 'late', 'pending', 'verifying']) n += Number(await page.getByTestId(`today-${tile}`).locator('.today__value').innerText())
    return n
  }
  const before = await came()

  const id = await checkIn(people.tono.phone, people.tono.id)
  const tono = page.locator(`[data-testid="attendance-row"][data-record-id="${id}"]`)
  await expect(tono).toBeVisible()
  await expect(rows.first()).toHaveAttribute('data-record-id', String(id))
  await expect(tono.getByTestId('attendance-new')).toBeVisible()
  await expect.poll(came).toBe(before + 1)
  await shot(page, 'dashboard-attendance-live')

  // A record that does not match the filters stays out; one that does comes in.
  await page.getByTestId('filter-department').selectOption(String(department.id))
  await expect(rows.filter({ hasText: people.tono.name })).toHaveCount(0)
  const rinaRecord = await apiData<{ records: { id: number }[] }>(await admin.api.get(`/api/organizations/${admin.organizationId}/attendance?member_id=${people.rina.id}&start_date=${today}`))
  await admin.api.post(`/api/organizations/${admin.organizationId}/attendance/${rinaRecord.records[0]!.id}/reject`, { data: { note: 'Foto tidak jelas' } })
  await expect(rows.filter({ hasText: people.rina.name }).getByTestId('attendance-approval')).toHaveText('Rejected')

  // At tablet width the page keeps within the screen.
  await page.setViewportSize({ width: 1024, height: 768 })
  await page.getByTestId('attendance-filters-reset').click()
  await expect(rows.filter({ hasText: people.tono.name })).toHaveCount(1)
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  await shot(page, 'dashboard-attendance-tablet')
})

test('the overview shows today at a glance and the 30-day trend, in Indonesian too', async ({ page }) => {
  await signIn(page)
  await page.getByTestId('nav-overview').click()
  const glance = page.getByTestId('attendance-today')
  await expect(glance).toBeVisible()
  await expect(glance.getByTestId('today-excused').locator('.today__value')).not.toHaveText('0')
  await expect(page.getByTestId('attendance-trend')).toBeVisible()
  await expect(page.getByTestId('trend-bar')).toHaveCount(30)
  await expect(page.getByTestId('trend-summary')).toContainText('Over the last 30 days')
  await expect(page.getByTestId('today-departments')).toContainText(department.name)
  await shot(page, 'dashboard-overview-attendance')
  // Keyboard: the numbers behind the chart open from the keyboard.
  await page.getByTestId('attendance-trend').locator('summary').focus()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('attendance-trend').locator('table')).toBeVisible()

  await page.getByTestId('language-id').click()
  await expect(glance).toContainText('Sekilas hari ini')
  await expect(page.getByTestId('trend-summary')).toContainText('Selama 30 hari terakhir')
  await page.getByTestId('overview-open-attendance').click()
  await expect(page.getByTestId('attendance-title')).toHaveText('Kehadiran')
  await expect(page.getByTestId('attendance-live')).toContainText('Langsung')
  await shot(page, 'dashboard-attendance-id')
  await page.getByTestId('language-en').click()
})
