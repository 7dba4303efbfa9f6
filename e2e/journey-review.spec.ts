import fs from 'node:fs'
import path from 'node:path'
import { expect, signInDashboard, test } from './support/fixtures'
import { JOURNEY_DIR, readXlsx, snap } from './support/journey'
import { a11y, attendanceToday, desktopPage, J, MEMBERS, memberIds, nameOf, ORG, SUPPORT, timings, today } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// Step 5: the admin filters today's attendance, approves a flagged record, corrects one with a reason and exports the
// monthly report (the file's totals are checked); a support user sees and reports but cannot change anything.

export default function review(): void {
  test('5. the admin filters today, approves the flagged record, corrects one, exports the month; support can only look', async () => {
    const started = Date.now()
    const day = today()
    const { page } = J.admin
    // The morning at a glance, on the dashboard's home.
    await page.getByTestId('nav-overview').click()
    await expect(page.getByTestId('attendance-today')).toBeVisible()
    await snap(page, 'desktop-overview')
    await page.getByTestId('nav-attendance').click()
    await expect(page.getByTestId('attendance-live')).toHaveAttribute('data-state', 'live')
    await expect(page.getByTestId('attendance-from')).toHaveAttribute('data-value', day)
    await expect(page.getByTestId('attendance-to')).toHaveAttribute('data-value', day)
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
    const eka = (await attendanceToday(J.admin.api)).find((r) => r.member_name === nameOf('eka'))!
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

    const listed = await attendanceToday(J.admin.api)
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
    expect(perMember[0]).toEqual(['Name', 'Member no.', 'Department', 'Working days', 'On time', 'Late', 'Sick', 'Permission', 'Leave', 'Absent', 'Holidays', 'Late minutes', 'Hours worked', 'Overtime (minutes)'])
    let onTime = 0
    let late = 0
    for (const key of MEMBERS.map((x) => x.key)) {
      const record = listed.find((r) => r.member_name === nameOf(key))!
      const row = perMember.find((r) => r[0] === nameOf(key))
      expect(row, key).toBeTruthy()
      const [, number, department, , present, lateDays, sick, permit, leave, absent, , lateMinutes, hours, overtime] = row!
      const excused = (sick as number) + (permit as number) + (leave as number)
      expect({ number, department }).toEqual({ number: MEMBERS.find((x) => x.key === key)!.number, department: MEMBERS.find((x) => x.key === key)!.department })
      expect({ key, present, late: lateDays, absent, excused, hours, overtime }).toEqual({ key, present: record.status === 'present' ? 1 : 0, late: record.status === 'late' ? 1 : 0, absent: 0, excused: 0, hours: 0, overtime: 0 })
      if (record.status === 'late') expect(lateMinutes as number, key).toBeGreaterThan(0)
      else expect(lateMinutes, key).toBe(0)
      onTime += present as number
      late += lateDays as number
    }
    expect(onTime + late).toBe(5)
    expect(perMember.find((r) => r[0] === nameOf('eka'))![4]).toBe(1)
    const total = sheets['Per department']!.at(-1)!
    expect(total[0]).toBe('Total')
    // Total row: label, members, working days, on time, late, sick, permission, leave, absent, holidays, late minutes,
    // hours worked, overtime.
    expect({ onTime: total[3], late: total[4], excused: [total[5], total[6], total[7]], absent: total[8], hours: total[11], overtime: total[12] }).toEqual({ onTime, late, excused: [0, 0, 0], absent: 0, hours: 0, overtime: 0 })
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
      await signInDashboard(support.page, { user: SUPPORT, organization: ORG })
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
        ['approve', await api.post(`/api/organizations/${J.organizationId}/attendance/${record.id}/approve`, { data: {} })],
        ['reject', await api.post(`/api/organizations/${J.organizationId}/attendance/${record.id}/reject`, { data: {} })],
        ['correct', await api.patch(`/api/organizations/${J.organizationId}/attendance/${record.id}`, { data: { status: 'late', reason: 'coba' } })],
        ['manual', await api.post(`/api/organizations/${J.organizationId}/attendance`, { data: { member_id: memberIds.ani, attendance_date: day, status: 'excused', reason: 'coba' } })],
        ['add member', await api.post(`/api/organizations/${J.organizationId}/members`, { data: { name: 'Orang Baru', role: 'member' } })],
      ] as const) {
        expect(response.status(), what).toBe(403)
      }
      expect(await attendanceToday(J.admin.api)).toEqual(listed)
    } finally {
      await support.context.close()
    }
    timings.review = Date.now() - started
  })
}
