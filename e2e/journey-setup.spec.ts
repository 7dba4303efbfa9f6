import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from './support/fixtures'
import { JOURNEY_DIR, ok, snap, xlsxFile } from './support/journey'
import { a11y, ADMIN, desktopPage, GATE, J, MEMBERS, memberIds, nameOf, ORG, PETUGAS, startTablet, timings, TZ } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// Step 1: an admin runs the setup wizard, builds the organization (departments, a schedule, a location), imports five
// members from an .xlsx file made here, adds a petugas and enrols the tablet.

export default function setup(): void {
  test('1. an admin sets up a fresh installation: organization, structure, imported members, a petugas and the tablet', async () => {
    const started = Date.now()
    const { context, page } = await desktopPage()
    J.admin = { context, page, api: context.request }

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
    // One organization with one role: nothing to choose, the dashboard opens.
    await expect(page.getByTestId('admin-shell')).toBeVisible()
    await expect(page.getByTestId('overview-title')).toHaveText(ORG)
    const me = await ok<{ active: { organization: { id: number; name: string } } | null }>(await J.admin.api.get('/api/auth/me'))
    expect(me.active?.organization.name).toBe(ORG)
    J.organizationId = me.active!.organization.id
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
    await expect(page.getByTestId('import-preview')).toBeVisible()
    await expect(page.getByTestId('import-count-create')).toContainText('5')
    await expect(page.getByTestId('import-count-error')).toContainText('0')
    await snap(page, 'desktop-import-preview')
    await a11y.check(page, 'member import: preview')
    await page.getByTestId('import-apply').click()
    await expect(page.getByTestId('import-done')).toBeVisible()
    await page.getByTestId('import-view-members').click()
    await expect(page.getByTestId('member-row')).toHaveCount(5)
    const listed = await ok<{ members: { id: number; member_number: string | null; department: string | null }[] }>(await J.admin.api.get(`/api/organizations/${J.organizationId}/members?limit=50`))
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
}
