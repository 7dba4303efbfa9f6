// Test set-up through the HTTP API (docs/api.md): an admin session, members and their invitations.
import { type APIRequestContext, expect, request } from '@playwright/test'
import { toLocal } from '../../shared/attendance/rules'
import { addDays } from '../../shared/calendar'
import { nationalHolidaysBetween } from '../../shared/holidays/national'

export const ORG = 'SMA Negeri 1 Harapan'
export const ADMIN = { name: 'Ibu Ratna Sari', email: 'ratna@harapan.sch.id', password: 'rahasia-sekolah-1' }

export interface AdminApi {
  api: APIRequestContext
  organizationId: number
  /** The organization's code (its short name), what a member types on a new phone. */
  organizationCode: string
}

async function data<T>(response: Awaited<ReturnType<APIRequestContext['get']>>): Promise<T> {
  const body = (await response.json()) as { data?: T; error?: { code: string; message: string } }
  expect(response.ok(), `${response.url()}: ${response.status()} ${JSON.stringify(body.error ?? body)}`).toBe(true)
  return (body.data ?? body) as T
}

/**
 * Signs the admin in (running the first-time setup when the database is fresh, with the same organization and admin
 * as e2e/foundation.spec.ts) and selects the organization.
 */
export async function adminApi(baseURL: string): Promise<AdminApi> {
  const api = await request.newContext({ baseURL })
  const status = await data<{ needs_setup: boolean }>(await api.get('/api/setup/status'))
  if (status.needs_setup) {
    await data(await api.post('/api/setup', { data: { organization: { name: ORG }, admin: ADMIN } }))
  }
  const me = await data<{ organizations: { id: number; name: string }[] }>(
    await api.post('/api/auth/login', { data: { email: ADMIN.email, password: ADMIN.password } }),
  )
  const organization = me.organizations.find((o) => o.name === ORG) ?? me.organizations[0]
  if (!organization) throw new Error('the admin has no organization')
  await data(await api.post('/api/auth/select', { data: { organization_id: organization.id } }))
  const { slug } = await data<{ slug: string }>(await api.get(`/api/organizations/${organization.id}`))
  return { api, organizationId: organization.id, organizationCode: slug }
}

/**
 * Today and tomorrow (in `timezone`) are working days of the organization even when they are national holidays (New
 * Year's Day...): not observed, as an admin sets it under the organization's days off. For specs whose texts assume a
 * working day (late, left early, a day of leave recorded as excused), whatever day they run on.
 */
export async function workingDaysFromToday({ api, organizationId }: AdminApi, timezone = 'Asia/Jakarta'): Promise<void> {
  const today = toLocal(new Date(), timezone).date
  for (const h of nationalHolidaysBetween(today, addDays(today, 1))) {
    await data(await api.put(`/api/organizations/${organizationId}/national-holidays`, { data: { date: h.date, observed: false } }))
  }
}

export interface InvitedMember {
  id: number
  name: string
  code: string
  /** Their member number, for a PIN sign-in on a new phone. */
  number: string
}

/** Adds a member and creates their one-time invitation. */
export async function inviteMember({ api, organizationId }: AdminApi, name: string): Promise<InvitedMember> {
  const memberNumber = `F-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`
  const member = await data<{ id: number }>(
    await api.post(`/api/organizations/${organizationId}/members`, { data: { name, member_number: memberNumber, role: 'member' } }),
  )
  const invitation = await data<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${member.id}/invitations`, { data: {} }))
  return { id: member.id, name, code: invitation.code, number: memberNumber }
}

export async function memberFaceRegistered({ api, organizationId }: AdminApi, memberId: number): Promise<boolean> {
  const member = await data<{ face_registered: boolean }>(await api.get(`/api/organizations/${organizationId}/members/${memberId}`))
  return member.face_registered
}

export { data as apiData }
