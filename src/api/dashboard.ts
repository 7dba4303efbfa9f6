// Dashboard calls, one function per route of docs/api.md ("Organization"). `:id` is always the active organization.
import type { AddedMember } from './invitations'
import { api } from './client'
import {
  type Department,
  type Device,
  type Id,
  type DeviceEnrolCode,
  type Invitation,
  listOf,
  type Member,
  type MemberPage,
  type Organization,
  type OrganizationSettings,
  type Position,
  type Staff,
} from './types'

const org = (id: string) => `/api/organizations/${encodeURIComponent(id)}`

export const getOrganization = (id: string) => api.get<Organization>(org(id))
export const updateOrganization = (id: string, patch: Partial<OrganizationSettings>) => api.patch<Organization>(org(id), patch)
export const createOrganization = (settings: OrganizationSettings) => api.post<Organization>('/api/organizations', settings)

export interface MemberQuery {
  q?: string
  status?: string
  limit?: number
  offset?: number
}

export async function listMembers(id: string, query: MemberQuery = {}): Promise<MemberPage> {
  const page = await api.get<Partial<MemberPage> | Member[]>(`${org(id)}/members`, { query: { ...query } })
  const members = listOf<Member>(page, 'members')
  return { members, total: Array.isArray(page) ? members.length : (page.total ?? members.length) }
}

export interface NewMember {
  name: string
  email?: string
  phone?: string
  member_number?: string
  department_id?: Id
  position_id?: Id
  role: 'member' | 'petugas'
}

/** A new member, or `{ invitation }` when the email has an account of its own (that person accepts first). */
export const createMember = (id: string, member: NewMember) => api.post<AddedMember>(`${org(id)}/members`, member)
export const inviteMember = (id: string, memberId: string) =>
  api.post<Invitation>(`${org(id)}/members/${encodeURIComponent(memberId)}/invitations`, {})

export const listDepartments = async (id: string) => listOf<Department>(await api.get(`${org(id)}/departments`), 'departments')
export const createDepartment = (id: string, department: { name: string; code?: string }) =>
  api.post<Department>(`${org(id)}/departments`, department)
export const listPositions = async (id: string) => listOf<Position>(await api.get(`${org(id)}/positions`), 'positions')
export const createPosition = (id: string, position: { name: string }) => api.post<Position>(`${org(id)}/positions`, position)

export const listStaff = async (id: string) => listOf<Staff>(await api.get(`${org(id)}/staff`), 'staff')
export interface NewStaff {
  name: string
  email: string
  password?: string
  role_key: 'admin' | 'support' | 'manager'
}
export const createStaff = (id: string, staff: NewStaff) => api.post<Staff>(`${org(id)}/staff`, staff)

export const listDevices = async (id: string) => listOf<Device>(await api.get(`${org(id)}/devices`), 'devices')
export const createDevice = (id: string, name: string) => api.post<DeviceEnrolCode>(`${org(id)}/devices`, { name })
export const revokeDevice = (id: string, deviceId: string) => api.delete<unknown>(`${org(id)}/devices/${encodeURIComponent(deviceId)}`)
