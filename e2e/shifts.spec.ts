import { adminApi, type AdminApi, apiData } from './support/api'
import { expect, test } from './support/fixtures'

// The roster on the dashboard (issue 17 item 3): an admin adds a morning and a night shift, fills a month for two nurses
// with a repeating pattern (staggered, so their nights take turns), changes one day by hand and saves, and cannot
// delete a shift that is on the roster. Builds on the foundation's organization; everything carries this run's stamp.
test.describe.configure({ mode: 'serial' })
test.use({ shotsWaitForIdle: true })

const STAMP = Date.now().toString(36).slice(-5).toUpperCase()
const DEPARTMENT = `Ruang IGD ${STAMP}`
const MONTH = '2027-01'
let admin: AdminApi
let department = 0
const nurses: { id: number; name: string }[] = []

test.beforeAll(async ({ baseURL }) => {
  admin = await adminApi(baseURL!)
  const base = `/api/organizations/${admin.organizationId}`
  department = (await apiData<{ id: number }>(await admin.api.post(`${base}/departments`, { data: { name: DEPARTMENT } }))).id
  for (const name of [`Perawat Ani ${STAMP}`, `Perawat Bayu ${STAMP}`]) {
    const made = await apiData<{ id: number }>(await admin.api.post(`${base}/members`, { data: { name, member_number: `IGD-${STAMP}-${nurses.length}`, department_id: department, role: 'member' } }))
    nurses.push({ id: made.id, name })
  }
})
test.afterAll(async () => {
  await admin?.api.dispose()
})

async function roster(): Promise<Record<number, Record<string, number | null>>> {
  const data = await apiData<{ members: { id: number; days: Record<string, number | null> }[] }>(
    await admin.api.get(`/api/organizations/${admin.organizationId}/roster?start=${MONTH}-01&end=${MONTH}-31&department_id=${department}`),
  )
  return Object.fromEntries(data.members.map((m) => [m.id, m.days]))
}

test('an admin adds shifts, fills a month from a pattern, changes a day by hand and saves', async ({ adminPage: page, shot }) => {
  await page.goto(`/admin/shifts?month=${MONTH}&department=${department}`)
  await expect(page.getByTestId('roster-month')).toHaveText('January 2027')
  await expect(page.getByTestId('roster-row')).toHaveCount(2)

  // Two shift types; the night says it ends the next morning.
  const ids: Record<string, number> = {}
  for (const s of [{ name: `Pagi ${STAMP}`, code: 'P', start: '0700', end: '15:00' }, { name: `Malam ${STAMP}`, code: 'M', start: '22:00', end: '6' }]) {
    await page.getByTestId('shift-type-add').click()
    const dialog = page.getByTestId('shift-type-dialog')
    await dialog.getByTestId('shift-type-name').fill(s.name)
    await dialog.getByTestId('shift-type-code').fill(s.code)
    await dialog.getByTestId('shift-type-start').fill(s.start)
    await dialog.getByTestId('shift-type-start').blur()
    await dialog.getByTestId('shift-type-end').fill(s.end)
    await dialog.getByTestId('shift-type-end').blur()
    if (s.code === 'M') {
      await expect(dialog.getByTestId('shift-type-overnight')).toContainText('22:00 to 06:00 the next morning')
      await shot(page, 'shifts-type-night')
    }
    await dialog.getByTestId('shift-type-dialog-submit').click()
    await expect(dialog).toBeHidden()
    await expect(page.getByTestId('shifts-notice')).toContainText(`${s.name} was added`)
  }
  const types = await apiData<{ shift_types: { id: number; code: string; name: string }[] }>(await admin.api.get(`/api/organizations/${admin.organizationId}/shift-types`))
  for (const t of types.shift_types) ids[t.code] = t.id
  const nightRow = page.locator('[data-testid="shift-type-row"][data-code="M"]')
  await expect(nightRow.getByTestId('shift-type-hours')).toHaveText('22:00–06:00')
  await expect(nightRow.getByTestId('shift-type-next-day')).toHaveText('(next day)')

  // Both nurses, two mornings, two nights, two days off, staggered.
  for (const box of await page.getByTestId('roster-choose').all()) await box.check()
  await page.getByTestId('roster-pattern').click()
  const pattern = page.getByTestId('shift-pattern-dialog')
  const steps = pattern.getByTestId('shift-pattern-step')
  await expect(steps).toHaveCount(6)
  const plan = ['P', 'P', 'M', 'M', 'off', 'off']
  for (const [i, step] of plan.entries()) await steps.nth(i).selectOption(step === 'off' ? 'off' : String(ids[step]))
  await pattern.getByTestId('shift-pattern-stagger').check()
  await expect(pattern.getByTestId('shift-pattern-preview')).toContainText('1 Jan P')
  await shot(page, 'shifts-pattern')
  await pattern.getByTestId('shift-pattern-dialog-submit').click()
  await expect(pattern).toBeHidden()
  await expect(page.getByTestId('shifts-notice')).toContainText('62 day(s) filled from the pattern')
  const [ani, bayu] = nurses
  let days = await roster()
  expect(['01', '02', '03', '04', '05', '06', '07'].map((d) => days[ani!.id]![`${MONTH}-${d}`])).toEqual([ids.P, ids.P, ids.M, ids.M, null, null, ids.P])
  expect(['01', '02', '03'].map((d) => days[bayu!.id]![`${MONTH}-${d}`])).toEqual([ids.M, ids.M, null])
  const aniRow = page.locator(`[data-testid="roster-row"][data-member="${ani!.id}"]`)
  await expect(aniRow.locator(`[data-testid="roster-cell"][data-date="${MONTH}-03"]`)).toHaveValue(String(ids.M))

  // By hand: Ani's 5 January becomes a morning. Until it is saved the month stays, then it is kept.
  await aniRow.locator(`[data-testid="roster-cell"][data-date="${MONTH}-05"]`).selectOption(String(ids.P))
  await expect(page.getByTestId('roster-save')).toHaveText('Save changes (1)')
  await expect(page.getByTestId('roster-next')).toBeDisabled()
  await shot(page, 'shifts-roster')
  await page.getByTestId('roster-save').click()
  await expect(page.getByTestId('shifts-notice')).toContainText('1 day(s) saved')
  days = await roster()
  expect(days[ani!.id]![`${MONTH}-05`]).toBe(ids.P)
  await page.reload()
  await expect(page.locator(`[data-testid="roster-row"][data-member="${ani!.id}"] [data-testid="roster-cell"][data-date="${MONTH}-05"]`)).toHaveValue(String(ids.P))

  // A shift on the roster is not deleted: the dialog says why.
  await page.locator('[data-testid="shift-type-row"][data-code="M"]').getByTestId('shift-type-delete').click()
  const confirm = page.getByTestId('shift-type-delete-dialog')
  await confirm.getByTestId('shift-type-delete-dialog-submit').click()
  await expect(confirm.getByTestId('shift-type-delete-dialog-error')).toBeVisible()
  await confirm.getByTestId('shift-type-delete-dialog-cancel').click()
  await page.setViewportSize({ width: 820, height: 1180 })
  await shot(page, 'shifts-roster-tablet')
})

test('overtime: with approval on, the admin approves a day on the overtime page and the recap counts it', async ({ adminPage: page, shot }) => {
  const base = `/api/organizations/${admin.organizationId}`
  const [ani] = nurses
  const day = new Date(Date.now() - 3 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Jakarta' })
  const month = day.slice(0, 7)
  const record = await apiData<{ id: number }>(await admin.api.post(`${base}/attendance`, { data: { member_id: ani!.id, attendance_date: day, check_in_time: '07:00', check_out_time: '21:00', reason: 'Jaga IGD sampai malam' } }))
  await apiData(await admin.api.patch(`${base}/settings`, { data: { overtime_approval: true } }))
  try {
    await page.goto(`/admin/overtime?month=${month}&department=${department}`)
    const row = page.locator(`[data-testid="overtime-day"][data-record="${record.id}"]`)
    await expect(row).toHaveAttribute('data-status', 'pending')
    await expect(page.getByTestId('overtime-rule')).toContainText('An admin approves')
    await shot(page, 'overtime-pending')
    await row.getByTestId('overtime-approve').click()
    await expect(page.getByTestId('overtime-notice')).toContainText(`Overtime of ${ani!.name}`)
    await expect(row).toHaveAttribute('data-status', 'approved')
    const counted = page.locator(`[data-testid="overtime-member"][data-member="${ani!.id}"]`).getByTestId('overtime-counted')
    await expect(counted).not.toHaveText('0 min')
    const recap = await apiData<{ members: { member_id: number; overtime_minutes: number }[] }>(await admin.api.get(`${base}/reports/monthly?month=${month}&department_id=${department}`))
    expect(recap.members.find((m) => m.member_id === ani!.id)!.overtime_minutes).toBeGreaterThan(0)
  } finally {
    await admin.api.patch(`${base}/settings`, { data: { overtime_approval: false } })
  }
})
