// `npm run seed:demo [-- --admin-email E --admin-password P]`: a living demo organization — departments, positions,
// ~50 members, a petugas with an enrolment code for a tablet, and 30 days of attendance — so the dashboard has
// something to show at once. Uses the same database as `npm start` (DATABASE_URL, or the embedded one in ./data).
import crypto from 'node:crypto'
import { parseArgs } from 'node:util'
import { eq } from 'drizzle-orm'
import { loadEnv } from '../env'
import { openDatabase } from '../db/client'
import { loadSecret } from '../lib/secret'
import { attendanceRecords, correctionRequests, departments, leaveRequests, devices, holidays, organizationMembers, organizations, positions, shiftAssignments, shiftTypes, workSchedules } from '../db/schema'
import { addDays, isoWeekday } from '../../shared/calendar'
import { nationalHolidaysBetween } from '../../shared/holidays/national'
import { ensureSystemRoles, grantRole, systemRoleId } from '../features/roles/roles.service'
import { createOrganization } from '../features/organizations/organizations.service'
import { createUser, findUserByEmail } from '../features/users/users.service'
import { createMember } from '../features/members/members.service'
import { hashSecret, hashToken, randomCode } from '../auth/crypto'
import { buildDemoAttendance, buildDemoShiftAttendance, demoLeaveRequests, markDemoForReview, DEMO_DEPARTMENTS, DEMO_GUARDS, DEMO_POSITIONS, DEMO_STAFF, demoDepartmentOf, demoPositionOf, DEMO_SHIFT_DEPARTMENT, DEMO_SHIFTS, demoPeople, demoShiftOn, localDay, planDemoCorrections } from './demo-data'

const DEMO_SLUG = 'sekolah-demo-nusantara'
const DEMO_NAME = 'Sekolah Demo Nusantara'
const DEMO_PIN = '246810'

async function main() {
  const { values } = parseArgs({
    options: {
      'admin-email': { type: 'string', default: 'admin@demo.hadir.local' },
      'admin-password': { type: 'string' },
      'members': { type: 'string', default: '50' },
      'days': { type: 'string', default: '30' },
    },
  })
  const env = loadEnv()
  const adminEmail = values['admin-email']!.trim().toLowerCase()
  const adminPassword = values['admin-password'] ?? crypto.randomBytes(9).toString('base64url')
  if (adminPassword.length < 8) throw new Error('--admin-password must be at least 8 characters')
  const memberCount = Math.min(Math.max(Number(values.members) || 50, 1), 5000)
  const days = Math.min(Math.max(Number(values.days) || 30, 1), 366)

  let database
  try {
    database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR })
  } catch (err) {
    throw new Error(`Cannot open the database (${(err as Error).message}). If Hadir is running on the embedded database, stop it first.`)
  }
  const { db } = database
  await ensureSystemRoles(db)
  const secret = loadSecret(env.SESSION_SECRET, env.HADIR_DATA_DIR)

  const [existing] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, DEMO_SLUG))
  if (existing) {
    await database.close()
    console.error(`The demo organization "${DEMO_NAME}" already exists (id ${existing.id}); nothing was changed.`)
    process.exit(1)
  }

  const started = Date.now()
  const result = await db.transaction(async (tx) => {
    let admin = await findUserByEmail(tx, adminEmail)
    const adminIsNew = !admin
    admin ??= await createUser(tx, { name: 'Ratna Kusumawati', email: adminEmail, password: adminPassword })
    const org = await createOrganization(tx, { name: DEMO_NAME, timezone: 'Asia/Jakarta', work_start_time: '07:30:00', work_end_time: '15:30:00', late_tolerance_minutes: 10 }, admin.id)
    await tx.update(organizations).set({ slug: DEMO_SLUG }).where(eq(organizations.id, org.id))

    // The school's week: the organization's hours, with a short Friday (Jumat pendek) that every department follows.
    const [week] = await tx
      .insert(workSchedules)
      .values({ organizationId: org.id, name: 'Jam sekolah', workDays: [1, 2, 3, 4, 5], startTime: '07:30:00', endTime: '15:30:00', lateToleranceMinutes: 10, dayHours: { 5: { start_time: '07:30:00', end_time: '11:00:00' } } })
      .returning()
    const deptIds = []
    for (const d of DEMO_DEPARTMENTS) {
      const [row] = await tx.insert(departments).values({ organizationId: org.id, name: d.name, code: d.code, workScheduleId: week!.id }).returning()
      deptIds.push(row!.id)
    }
    const posIds = []
    for (const name of DEMO_POSITIONS) {
      const [row] = await tx.insert(positions).values({ organizationId: org.id, name }).returning()
      posIds.push(row!.id)
    }

    // The dashboard staff, people of the school with a department and a position: the administration office answers
    // members' questions (support), the vice-principal reads the reports (manager).
    const staff: { role: string; name: string; email: string; password: string }[] = []
    for (const s of DEMO_STAFF) {
      const email = adminEmail.replace(/^[^@]+/, (local) => `${local}+${s.role}`)
      const password = crypto.randomBytes(9).toString('base64url')
      const user = (await findUserByEmail(tx, email)) ?? (await createUser(tx, { name: s.name, email, password }))
      const [m] = await tx
        .insert(organizationMembers)
        .values({ organizationId: org.id, userId: user.id, departmentId: deptIds[s.department], positionId: posIds[s.position] })
        .returning()
      await grantRole(tx, org.id, m!.id, await systemRoleId(tx, s.role))
      staff.push({ role: s.role, name: user.name, email, password })
    }

    // The members joined months ago (their first day), so the 30-day chart and the recaps are full from the start.
    const today = localDay('Asia/Jakarta', 0).date
    const joined = addDays(today, -Math.max(days + 60, 120))
    // A day off of the organization's own this month (a weekday, not already a national holiday): a teachers' meeting.
    let meeting = `${today.slice(0, 7)}-15`
    while (isoWeekday(meeting) > 5 || nationalHolidaysBetween(meeting, meeting).length > 0) meeting = addDays(meeting, 1)
    await tx.insert(holidays).values({ organizationId: org.id, name: 'Rapat guru (siswa libur)', startDate: meeting, endDate: meeting })
    const daysOff = new Set([...nationalHolidaysBetween(addDays(today, -days), today).map((h) => h.date), meeting])

    const pinHash = await hashSecret(DEMO_PIN)
    const people = demoPeople(memberCount)
    const memberIds: number[] = []
    for (const [i, person] of people.entries()) {
      const id = await createMember(tx, org.id, {
        name: person.name,
        email: null,
        phone: null,
        member_number: person.number,
        department_id: deptIds[demoDepartmentOf(i)]!,
        position_id: posIds[demoPositionOf(i)]!,
        role: 'member',
        start_date: joined,
      })
      memberIds.push(id)
    }
    await tx.update(organizationMembers).set({ pinHash }).where(eq(organizationMembers.id, memberIds[0]!))
    const petugasId = await createMember(tx, org.id, { name: 'Pak Joko (Petugas)', email: null, phone: null, member_number: 'PTG-01', role: 'petugas' })
    await tx.update(organizationMembers).set({ pinHash }).where(eq(organizationMembers.id, petugasId))

    // The guards work shifts round the clock (a night ends the next morning), on a roster from a month back to two
    // weeks ahead.
    const types = await tx.insert(shiftTypes).values(DEMO_SHIFTS.map((s) => ({ organizationId: org.id, name: s.name, code: s.code, startTime: `${s.start}:00`, endTime: `${s.end}:00`, lateToleranceMinutes: 10 }))).returning()
    const [guardDept] = await tx.insert(departments).values({ organizationId: org.id, name: DEMO_SHIFT_DEPARTMENT.name, code: DEMO_SHIFT_DEPARTMENT.code, workScheduleId: week!.id }).returning()
    const guardIds: number[] = []
    for (const [g, name] of DEMO_GUARDS.entries()) {
      guardIds.push(await createMember(tx, org.id, { name, email: null, phone: null, member_number: `SPM-${String(g + 1).padStart(2, '0')}`, department_id: guardDept!.id, role: 'member', start_date: joined }))
    }
    const rosterStart = addDays(today, -days)
    const roster = []
    for (let date = rosterStart; date <= addDays(today, 14); date = addDays(date, 1)) {
      for (const [g, memberId] of guardIds.entries()) {
        const index = demoShiftOn(g, date, rosterStart)
        roster.push({ organizationId: org.id, organizationMemberId: memberId, date, shiftTypeId: index === null ? null : types[index]!.id })
      }
    }
    await tx.insert(shiftAssignments).values(roster)

    const enrolCode = randomCode(8)
    await tx.insert(devices).values({
      organizationId: org.id,
      name: 'Tablet Gerbang Utama',
      enrolCodeHash: hashToken(secret, enrolCode),
      enrolExpiresAt: new Date(Date.now() + 7 * 24 * 3600_000),
      createdBy: admin.id,
    })

    const records = buildDemoAttendance({ memberIds, petugasId, days, timezone: 'Asia/Jakarta', start: '07:30', end: '15:30', toleranceMinutes: 10, seed: org.id, daysOff })
    const corrections = planDemoCorrections(records, memberIds, today)
    const forReview = markDemoForReview(records, memberIds[0]!, today)
    // The guards' records after the corrections were planned (their weekends are no working days of the school's).
    records.push(...buildDemoShiftAttendance({ guardIds, days, timezone: 'Asia/Jakarta', rosterStart, seed: org.id, daysOff }))
    for (let i = 0; i < records.length; i += 500) {
      await tx.insert(attendanceRecords).values(records.slice(i, i + 500).map((r) => ({ ...r, organizationId: org.id })))
    }
    // The excused days come from approved leave of their kind, so the recap tells Sakit, Izin and Cuti apart.
    const leave = demoLeaveRequests(records)
    for (let i = 0; i < leave.length; i += 500) await tx.insert(leaveRequests).values(leave.slice(i, i + 500).map((l) => ({ ...l, organizationId: org.id })))
    // A few "lupa absen" requests waiting for the admin (the first member's among them, for the demo phone).
    if (corrections.length > 0) await tx.insert(correctionRequests).values(corrections.map((c) => ({ ...c, organizationId: org.id })))
    return { org, adminIsNew, staff, enrolCode, forReview, records: records.length, members: memberIds.length + guardIds.length, firstMember: people[0]!, corrections: corrections.length }
  })
  await database.close()

  console.log(`Demo organization "${DEMO_NAME}" (id ${result.org.id}) created in ${((Date.now() - started) / 1000).toFixed(1)} s:`)
  console.log(`  ${result.members} members in ${DEMO_DEPARTMENTS.length + 1} departments (the guards on a shift roster), ${result.records} attendance records over ${days} days, ${result.corrections} correction requests and ${result.forReview} records waiting`)
  // The addresses of the server as `npm start` runs it with this environment (PORT, default 3000).
  const base = `http://localhost:${env.PORT}`
  console.log(`\nDashboard logins (${base}/admin/login):`)
  console.log(`  admin    ${adminEmail}  ${result.adminIsNew ? adminPassword : '(existing account: its own password)'}`)
  for (const s of result.staff) console.log(`  ${s.role.padEnd(8)} ${s.email}  ${s.password}  (${s.name})`)
  console.log(`\nMobile sign-in (${base}/m/login?org=${DEMO_SLUG}, organization code ${DEMO_SLUG}):`)
  console.log(`  member   member number ${result.firstMember.number} (${result.firstMember.name}), PIN ${DEMO_PIN}`)
  console.log(`  petugas  member number PTG-01, PIN ${DEMO_PIN}, on a tablet enrolled with code ${result.enrolCode}`)
  console.log(`           (${base}/p/enrol#code=${result.enrolCode}, valid 7 days)`)
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
