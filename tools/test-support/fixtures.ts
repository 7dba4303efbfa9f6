import { eq } from 'drizzle-orm'
import type { Agent, TestApp } from './harness'
import type { JobQueue } from '../../server/jobs/queue'
import { createOrganization } from '../../server/features/organizations/organizations.service'
import { createUser } from '../../server/features/users/users.service'
import { createMember } from '../../server/features/members/members.service'
import { grantRole, systemRoleId } from '../../server/features/roles/roles.service'
import { hashSecret } from '../../server/auth/crypto'
import { organizationMembers } from '../../server/db/schema'
import { nationalHolidaysBetween } from '../../shared/holidays/national'

export const PASSWORD = 'correct horse 1'
export const PIN = '482916'

export interface OrgWorld {
  id: number
  admin: Agent
  support: Agent
  manager: Agent
  member: Agent
  petugas: Agent
  /** The tablet's agent, enrolled but with nobody signed in. */
  tablet: Agent
  memberId: number
  petugasId: number
  deviceId: number
  emails: Record<'admin' | 'support' | 'manager', string>
}

/** One organization with a signed-in agent for every system role (dashboard roles have chosen it). */
export async function buildOrg(t: TestApp, label: string): Promise<OrgWorld> {
  const { db } = t
  const emails = {
    admin: `admin.${label}@example.com`,
    support: `support.${label}@example.com`,
    manager: `manager.${label}@example.com`,
  }
  const ids = await db.transaction(async (tx) => {
    const adminUser = await createUser(tx, { name: `Admin ${label}`, email: emails.admin, password: PASSWORD })
    const org = await createOrganization(tx, { name: `Org ${label}`, timezone: 'Asia/Jakarta', work_start_time: '08:00:00', work_end_time: '16:00:00', late_tolerance_minutes: 15 }, adminUser.id)
    for (const key of ['support', 'manager'] as const) {
      const u = await createUser(tx, { name: `${key} ${label}`, email: emails[key], password: PASSWORD })
      const [m] = await tx.insert(organizationMembers).values({ organizationId: org.id, userId: u.id }).returning()
      await grantRole(tx, org.id, m!.id, await systemRoleId(tx, key))
    }
    const memberId = await createMember(tx, org.id, { name: `Member ${label}`, email: null, phone: null, member_number: `M-${label}`, role: 'member' })
    const petugasId = await createMember(tx, org.id, { name: `Petugas ${label}`, email: null, phone: null, member_number: `P-${label}`, role: 'petugas' })
    const pinHash = await hashSecret(PIN)
    for (const id of [memberId, petugasId]) {
      await tx.update(organizationMembers).set({ pinHash }).where(eq(organizationMembers.id, id))
    }
    return { orgId: org.id, memberId, petugasId }
  })

  const admin = await webLogin(t, emails.admin, ids.orgId)
  const support = await webLogin(t, emails.support, ids.orgId)
  const manager = await webLogin(t, emails.manager, ids.orgId)

  const enrol = await admin.post(`/api/organizations/${ids.orgId}/devices`, { name: `Tablet ${label}` })
  if (enrol.status !== 201) throw new Error(`device enrol code failed: ${JSON.stringify(enrol.body)}`)
  const tablet = t.agent()
  const enrolled = await tablet.post('/api/devices/enrol', { code: enrol.body.data.enrol_code })
  if (enrolled.status !== 200) throw new Error(`enrol failed: ${JSON.stringify(enrolled.body)}`)

  const petugas = t.agent()
  for (const [k, v] of tablet.cookies) petugas.cookies.set(k, v)
  const p = await petugas.post('/api/mobile/login', { login: `P-${label}`, pin: PIN })
  if (p.status !== 200) throw new Error(`petugas login failed: ${JSON.stringify(p.body)}`)

  const member = t.agent()
  const m = await member.post('/api/mobile/login', { organization_id: ids.orgId, login: `M-${label}`, pin: PIN })
  if (m.status !== 200) throw new Error(`member login failed: ${JSON.stringify(m.body)}`)

  return { id: ids.orgId, admin, support, manager, member, petugas, tablet, memberId: ids.memberId, petugasId: ids.petugasId, deviceId: enrol.body.data.id, emails }
}

export async function webLogin(t: TestApp, email: string, organizationId?: number): Promise<Agent> {
  const agent = t.agent()
  const res = await agent.post('/api/auth/login', { email, password: PASSWORD })
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`)
  if (organizationId !== undefined) {
    const sel = await agent.post('/api/auth/select', { organization_id: organizationId })
    if (sel.status !== 200) throw new Error(`select failed: ${JSON.stringify(sel.body)}`)
  }
  return agent
}

/**
 * The national days from `start` to `end` are working days of the organization (not observed), as its admin sets it:
 * for tests that mean a date to be a working day whatever day they run on (New Year's Day, a cuti bersama...).
 */
export async function workingThrough(org: OrgWorld, start: string, end: string): Promise<void> {
  for (const h of nationalHolidaysBetween(start, end)) {
    const res = await org.admin.put(`/api/organizations/${org.id}/national-holidays`, { date: h.date, observed: false })
    if (res.status !== 200) throw new Error(`national day ${h.date} not opted out: ${res.status} ${JSON.stringify(res.body)}`)
  }
}

/**
 * Replaces the app's job queue with one that takes every job and runs none (tests of what the sync writes, not of its
 * checks); closing the app still stops the real one. `stopNow`: stop the real one at once (its polls would otherwise
 * go through PGlite's one connection, where a test counts statements).
 */
export async function idleJobs(t: TestApp, stopNow = false): Promise<void> {
  const real = t.deps.jobs
  if (stopNow) await real.stop()
  const idle: JobQueue = { work: async () => {}, send: async () => null, pending: async () => 0, stop: () => (stopNow ? Promise.resolve() : real.stop()) }
  t.deps.jobs = idle
}

/** An organization (buildOrg) with `count` more plain members, numbered `${prefix}-0`, `${prefix}-1`, ...: their ids. */
export async function orgWithMembers(t: TestApp, label: string, prefix: string, count: number): Promise<{ org: OrgWorld; members: number[] }> {
  const org = await buildOrg(t, label)
  const members = await t.db.transaction(async (tx) => {
    const ids: number[] = []
    for (let i = 0; i < count; i++) ids.push(await createMember(tx, org.id, { name: `Anggota ${prefix}-${i}`, email: null, phone: null, member_number: `${prefix}-${i}`, role: 'member' }))
    return ids
  })
  return { org, members }
}
