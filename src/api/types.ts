// The shapes docs/api.md promises. Where the document names a list without its wrapper, the view code accepts
// either a bare array or `{ <name>: [...] }` (see `listOf`).
import type { MyInvitation } from './invitations'

/** Row ids are integers; request bodies must send them as numbers. */
export type Id = number

export interface RoleRef {
  id: Id
  key: string
  name: string
}

export interface Me {
  user: { id: Id; name: string; email: string }
  organizations: { id: Id; name: string; roles: RoleRef[] }[]
  active: null | {
    organization: { id: Id; name: string; timezone: string }
    role: RoleRef
    permissions: string[]
  }
  /** Organizations that invited this account and wait for an answer. */
  invitations?: MyInvitation[]
}

export interface MobileMe {
  member: { id: Id; name: string; member_number: string | null }
  organization: { id: Id; name: string; timezone: string }
  role: { key: string; name: string }
  permissions: string[]
  device: null | { id: Id; name: string }
}

export interface OrganizationSettings {
  name: string
  timezone: string
  work_start_time: string
  work_end_time: string
  late_tolerance_minutes: number
}

export interface Organization extends OrganizationSettings {
  id: Id
  created_at?: string
}

export interface Member {
  id: Id
  name: string
  email: string | null
  member_number: string | null
  department: string | null
  department_id?: Id | null
  position: string | null
  position_id?: Id | null
  status: string
  roles: string[]
  face_registered: boolean
  /** Whether one of their roles registers a face (member:face:register); false for a petugas-only account. */
  can_register_face?: boolean
  last_attendance: string | null
}

export interface MemberPage {
  members: Member[]
  total: number
}

export interface Invitation {
  code: string
  url: string
  expires_at: string
}

export interface Department {
  id: Id
  name: string
  code?: string | null
}

export interface Position {
  id: Id
  name: string
}

export interface StaffRole {
  id?: Id
  key: string
  name?: string
}

export interface Staff {
  member_id: Id
  user_id: Id
  name: string
  email: string | null
  status?: string
  /** The last sign-in to this organization (never the account's sign-ins elsewhere). */
  last_sign_in_at?: string | null
  roles?: (StaffRole | string)[]
  role_key?: string
}

export interface Device {
  id: Id
  name: string
  status?: 'pending' | 'enrolled' | 'revoked' | string
  enrolled_at?: string | null
  last_seen_at?: string | null
  revoked_at?: string | null
  enrol_expires_at?: string | null
}

export interface DeviceEnrolCode extends Device {
  enrol_code: string
  enrol_expires_at: string
}

export interface EnrolledDevice {
  device: { id: Id; name: string }
  organization: { id: Id; name: string; timezone?: string }
}

export interface InvitationPreview {
  organization: { id: Id; name: string }
  member: { id: Id; name: string }
}

/** A list answer may be a bare array or wrapped as `{ [key]: [...] }`. */
export function listOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[]
  const inner = (data as Record<string, unknown> | null)?.[key]
  return Array.isArray(inner) ? (inner as T[]) : []
}
