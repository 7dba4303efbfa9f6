import { type Page, request } from '@playwright/test'
import crypto from 'node:crypto'
import fs from 'node:fs'
import * as XLSX from 'xlsx'
import { adminApi, type AdminApi, apiData, ORG } from './support/api'
import { BASE_URL, SHOTS } from './support/browser'
import { expect, signInDashboard, test } from './support/fixtures'

// Reports: a monthly recap read on screen equals the .xlsx it exports; the daily list and its CSV; the print view.
// The members live in a department of their own, so other specs' attendance in the same database does not matter.
test.describe.configure({ mode: 'serial' })
test.use({ shotsWaitForIdle: true })

const PIN = '482916'
const suffix = crypto.randomBytes(3).toString('hex')
const DEPARTMENT = `Rekap E2E ${suffix}`
const NAMES = { ani: `Ani Rekap ${suffix}`, budi: `Budi Rekap ${suffix}` }

/** The previous month in Jakarta and its first three weekdays (the records go there: a finished month). */
function previousMonth(): { month: string; weekdays: string[] } {
  const now = new Date(Date.now() + 7 * 3600_000)
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  const month = first.toISOString().slice(0, 7)
  const weekdays: string[] = []
  for (let d = new Date(first); weekdays.length < 3; d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() >= 1 && d.getUTCDay() <= 5) weekdays.push(d.toISOString().slice(0, 10))
  }
  return { month, weekdays }
}

const { month: MONTH, weekdays: DAYS } = previousMonth()
const at = (day: string, time: string) => new Date(`${day}T${time}:00+07:00`).toISOString()

let admin: AdminApi
let departmentId = 0

test.beforeAll(async () => {
  admin = await adminApi(BASE_URL)
  const { api, organizationId } = admin
  departmentId = (await apiData<{ id: number }>(await api.post(`/api/organizations/${organizationId}/departments`, { data: { name: DEPARTMENT } }))).id
  // Ani: on time on day 1 (07:50-16:05), 40 minutes late on day 2 (08:40-16:00), nothing on day 3.
  // Budi: 20 minutes late on day 1 (no check-out), on time on day 2 (07:58-15:00).
  const plan: Record<keyof typeof NAMES, [string, 'check_in' | 'check_out', string][]> = {
    ani: [
      [DAYS[0]!, 'check_in', '07:50'],
      [DAYS[0]!, 'check_out', '16:05'],
      [DAYS[1]!, 'check_in', '08:40'],
      [DAYS[1]!, 'check_out', '16:00'],
    ],
    budi: [
      [DAYS[0]!, 'check_in', '08:20'],
      [DAYS[1]!, 'check_in', '07:58'],
      [DAYS[1]!, 'check_out', '15:00'],
    ],
  }
  for (const key of ['ani', 'budi'] as const) {
    const member = await apiData<{ id: number }>(
      await api.post(`/api/organizations/${organizationId}/members`, { data: { name: NAMES[key], member_number: `R-${key}-${suffix}`, department_id: departmentId, role: 'member' } }),
    )
    const invitation = await apiData<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${member.id}/invitations`, { data: {} }))
    const phone = await request.newContext({ baseURL: BASE_URL })
    await apiData(await phone.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
    const records = plan[key].map(([day, kind, time]) => ({ client_id: crypto.randomUUID(), member_id: member.id, kind, captured_at: at(day, time) }))
    const sync = await apiData<{ synced: number; failed: number }>(await phone.post('/api/attendance/sync', { data: { device_id: `e2e-${key}`, sent_at: new Date().toISOString(), records } }))
    expect(sync).toMatchObject({ synced: records.length, failed: 0 })
    await phone.dispose()
  }
})

/** A number as the English page shows it ("1,234.5") -> 1234.5. */
const num = (text: string | null) => Number((text ?? '').replace(/,/g, '').trim())

async function openMonthly(page: Page): Promise<void> {
  await signInDashboard(page)
  await page.getByTestId('nav-reports').click()
  await expect(page.getByTestId('reports-page')).toBeVisible()
  await page.getByTestId('report-tab-monthly').click()
  await page.getByTestId('report-month').fill(MONTH)
  await page.getByTestId('report-month').dispatchEvent('change')
  await page.getByTestId('report-department').selectOption({ label: DEPARTMENT })
  await expect(page.getByTestId('report-member-row')).toHaveCount(2)
}

test('a monthly recap on screen and in the downloaded .xlsx have the same numbers', async ({ page, shot }) => {
  await openMonthly(page)
  await expect(page).toHaveURL(new RegExp(`tab=monthly.*month=${MONTH}`))
  const ani = page.getByTestId('report-member-row').filter({ hasText: NAMES.ani })
  const budi = page.getByTestId('report-member-row').filter({ hasText: NAMES.budi })
  // Hand-computed: Ani on time 1, late 1 (40 min), 8h15 + 7h20 = 15.58 h; Budi late 1 (20 min), on time 1, 7h02.
  // Both joined today, so the month counts only the days they have records for (2 working days, none absent).
  for (const [row, figures] of [
    [ani, { working_days: 2, present: 1, late: 1, absent: 0, excused: 0, late_minutes: 40, hours_worked: 15.58 }],
    [budi, { working_days: 2, present: 1, late: 1, absent: 0, excused: 0, late_minutes: 20, hours_worked: 7.03 }],
  ] as const) {
    for (const [col, value] of Object.entries(figures)) expect(num(await row.locator(`[data-col="${col}"]`).textContent()), col).toBe(value)
  }
  await expect(page.getByTestId('report-stat-late')).toContainText('2')
  await expect(page.getByTestId('report-late-row')).toHaveCount(2)
  await shot(page, 'reports-monthly')

  // What the screen says, row by row.
  const screen: (string | number)[][] = []
  for (const row of await page.getByTestId('report-member-row').all()) {
    const name = (await row.locator('.table__primary').textContent())!.trim()
    const cols = ['working_days', 'present', 'late', 'absent', 'excused', 'holidays', 'late_minutes', 'hours_worked']
    screen.push([name, ...(await Promise.all(cols.map(async (c) => num(await row.locator(`[data-col="${c}"]`).textContent()))))])
  }
  const totals = page.getByTestId('report-total-row')
  const screenTotals = await Promise.all(['working_days', 'present', 'late', 'absent', 'excused', 'holidays', 'late_minutes', 'hours_worked'].map(async (c) => num(await totals.locator(`[data-col="${c}"]`).textContent())))

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export-xlsx').click()])
  expect(download.suggestedFilename()).toBe(`attendance-monthly-${MONTH}.xlsx`)
  const file = await download.path()
  const book = XLSX.read(fs.readFileSync(file), { type: 'buffer' })
  expect(book.SheetNames).toEqual(['Per member', 'Per department', 'Late arrivals', 'About'])
  const rows = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Per member']!, { header: 1, raw: true, defval: null })
  expect(rows[0]).toEqual(['Name', 'Member no.', 'Department', 'Working days', 'On time', 'Late', 'Absent', 'Excused', 'Holidays', 'Late minutes', 'Hours worked'])
  // Name, then the eight figures (the file also carries the member number and department).
  expect(rows.slice(1).map((r) => [r[0], ...r.slice(3)])).toEqual(screen)
  const depts = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Per department']!, { header: 1, raw: true, defval: null })
  expect(depts.at(-1)).toEqual(['Total', 2, ...screenTotals])
  const late = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets['Late arrivals']!, { header: 1, raw: true, defval: null })
  expect(late.slice(1).map((r) => [r[0], r[1], r[5]])).toEqual([
    [DAYS[0], NAMES.budi, 20],
    [DAYS[1], NAMES.ani, 40],
  ])
  await expect(page.getByTestId('report-downloaded')).toContainText(`attendance-monthly-${MONTH}.xlsx`)
})

test('the print view drops the navigation, names the organization and period, and fits an A4 landscape page', async ({ page }) => {
  await openMonthly(page)
  // A4 landscape minus the margins is about 1047 CSS pixels wide.
  await page.setViewportSize({ width: 1047, height: 740 })
  await page.emulateMedia({ media: 'print' })
  await expect(page.locator('.sidebar')).toBeHidden()
  await expect(page.locator('.topbar')).toBeHidden()
  await expect(page.getByTestId('report-export-xlsx')).toBeHidden()
  const header = page.getByTestId('report-print-header')
  await expect(header).toBeVisible()
  await expect(header).toContainText(ORG)
  await expect(header).toContainText('Monthly attendance recap')
  await expect(header).toContainText(`Department: ${DEPARTMENT}`)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  for (const table of await page.locator('.report table').all()) {
    const fits = await table.evaluate((el) => el.scrollWidth <= (el.parentElement?.clientWidth ?? 0) + 1)
    expect(fits).toBe(true)
  }
  await page.screenshot({ path: `${SHOTS}/reports-print.png`, fullPage: true })
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, path: `${SHOTS}/reports-monthly.pdf` })
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
  // A4 landscape: 842 x 595 points.
  expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 841\.9\d* 594\.9\d*\]/)
  await page.emulateMedia({ media: 'screen' })
  await expect(page.locator('.sidebar')).toBeVisible()
})

test('the daily list shows each member with status and times, filters by status, and exports the same rows to CSV', async ({ adminPage: page, shot }) => {
  await page.goto(`/admin/reports?tab=daily&date=${DAYS[0]}&department_id=${departmentId}`)
  await expect(page.getByTestId('report-daily-row')).toHaveCount(2)
  const ani = page.getByTestId('report-daily-row').filter({ hasText: NAMES.ani })
  await expect(ani).toContainText('On time')
  await expect(ani).toContainText('07:50')
  await expect(ani).toContainText('16:05')
  const budi = page.getByTestId('report-daily-row').filter({ hasText: NAMES.budi })
  await expect(budi).toContainText('Late')
  await expect(budi.locator('[data-col="late"]')).toHaveText('20')
  await expect(page.getByTestId('report-chip-late')).toContainText('1')
  await shot(page, 'reports-daily')

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export-csv').click()])
  expect(download.suggestedFilename()).toBe(`attendance-daily-${DAYS[0]}.csv`)
  const csv = fs.readFileSync(await download.path(), 'utf8')
  const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n')
  expect(lines[0]).toBe('Name,Member no.,Department,Status,Check-in,Check-out,Late (min),Hours worked,Location,Notes')
  expect(lines.slice(1).map((l) => l.split(',').slice(0, 8).join(','))).toEqual([
    `${NAMES.ani},R-ani-${suffix},${DEPARTMENT},On time,07:50,16:05,0,8.25`,
    `${NAMES.budi},R-budi-${suffix},${DEPARTMENT},Late,08:20,,20,0`,
  ])

  // The status chips filter the list (and the address keeps the filter).
  await page.getByTestId('report-chip-late').click()
  await expect(page.getByTestId('report-daily-row')).toHaveCount(1)
  await expect(page).toHaveURL(/status=late/)
  await expect(page.getByTestId('report-chip-late')).toHaveAttribute('aria-pressed', 'true')

  // Day 3: nobody came; both joined today, so that day lies before they were members and nobody is listed.
  await page.getByTestId('report-chip-all').click()
  await expect(page.getByTestId('report-daily-row')).toHaveCount(2)
  await page.getByTestId('report-date').fill(DAYS[2]!)
  await page.getByTestId('report-date').dispatchEvent('change')
  await expect(page).toHaveURL(new RegExp(`date=${DAYS[2]}`))
  await expect(page.getByText('No members match these filters')).toBeVisible()
  // The day before, by keyboard on the stepper button.
  await page.getByTestId('report-date-prev').focus()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`date=${new Date(Date.parse(`${DAYS[2]}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10)}`))

  // A tablet in portrait: the page itself never scrolls sideways.
  await page.goto(`/admin/reports?tab=monthly&month=${MONTH}&department_id=${departmentId}`)
  await expect(page.getByTestId('report-member-row')).toHaveCount(2)
  await page.setViewportSize({ width: 768, height: 1024 })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await shot(page, 'reports-tablet')

  // In Indonesian, the primary language.
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.getByTestId('language-id').click()
  await expect(page.getByTestId('report-tab-monthly')).toHaveText('Rekap bulanan')
  await expect(page.getByTestId('report-members')).toContainText('Per anggota')
  await shot(page, 'reports-monthly-id')
})
