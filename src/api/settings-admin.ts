// Settings and administration calls (docs/api.md, "Roles, sync logs and the audit log"). `id` is the active organization.
import { DEFAULT_OFFLINE_WINDOW_HOURS, OFFLINE_REVIEW_POLICIES, type OfflineReviewPolicy } from '@shared/attendance/evidence'
import type { Permission } from '@shared/permissions'
import { api, request } from './client'
import type { Added } from './invitations'
import type { Device, Id, Organization } from './types'

const org = (id: string) => `/api/organizations/${encodeURIComponent(id)}`

export type Surface = 'web' | 'mobile'

export interface Role {
  id: Id
  key: string
  name: string
  surface: Surface
  is_system: boolean
  permissions: Permission[]
  holders: number
}

export interface RoleCatalogue {
  roles: Role[]
  permission_catalogue: Record<Surface, Permission[]>
}

export interface RoleHolder {
  member_id: Id
  user_id: Id
  name: string
  email: string | null
  member_number: string | null
  status: string
}

export interface RoleInput {
  name: string
  surface: Surface
  permissions: Permission[]
}

export interface HeldRole {
  id: Id
  key: string
  name: string
  surface: Surface
}

export const listRoles = (id: string) => api.get<RoleCatalogue>(`${org(id)}/roles`)
export const createRole = (id: string, role: RoleInput) => api.post<Role>(`${org(id)}/roles`, role)
export const updateRole = (id: string, roleId: Id, patch: { name?: string; permissions?: Permission[] }) =>
  api.patch<Role>(`${org(id)}/roles/${roleId}`, patch)
export const deleteRole = (id: string, roleId: Id) => api.delete<unknown>(`${org(id)}/roles/${roleId}`)
export const listRoleHolders = async (id: string, roleId: Id) =>
  (await api.get<{ holders: RoleHolder[] }>(`${org(id)}/roles/${roleId}/holders`)).holders

export const grantRole = (id: string, memberId: Id, roleId: Id) =>
  request<{ member_id: Id; roles: HeldRole[] }>(`${org(id)}/members/${memberId}/roles/${roleId}`, { method: 'PUT', body: {} })
export const revokeRole = (id: string, memberId: Id, roleId: Id) =>
  api.delete<{ member_id: Id; roles: HeldRole[] }>(`${org(id)}/members/${memberId}/roles/${roleId}`)

/** Adds a dashboard user with a system role (by key) or any dashboard role of the organization (by id). */
export interface NewStaffWithRole {
  name: string
  email: string
  password?: string
  role_key?: 'admin' | 'support' | 'manager'
  role_id?: Id
}
/** A new (or this organization's) person gets the role; an account of its own gets an invitation (`{ invitation }`). */
export const createStaffWithRole = (id: string, staff: NewStaffWithRole) => api.post<Added<{ member_id: Id }>>(`${org(id)}/staff`, staff)

export interface SyncLog {
  id: Id
  synced_at: string
  status: 'completed' | 'failed' | 'pending'
  records_synced: number
  mobile_device_id: string
  device: { id: Id; name: string; revoked: boolean } | null
}

export interface SyncLogQuery {
  device_id?: Id
  mobile_device_id?: string
  status?: string
  from?: string
  to?: string
  limit?: number
  offset?: number
}

export interface SyncLogPage {
  logs: SyncLog[]
  total: number
  limit: number
  offset: number
}

export const listSyncLogs = (id: string, query: SyncLogQuery = {}) => api.get<SyncLogPage>(`${org(id)}/sync-logs`, { query: { ...query } })

export interface AuditEntry {
  id: Id
  at: string
  action: string
  entity_type: string | null
  entity_id: string | null
  entity_name: string | null
  actor: { id: Id; name: string } | null
  device: { id: Id; name: string } | null
  details: Record<string, unknown> | null
  ip: string | null
}

export interface AuditQuery {
  actor_user_id?: Id
  action?: string
  from?: string
  to?: string
  cursor?: string
  limit?: number
}

export const listAuditLog = (id: string, query: AuditQuery = {}) =>
  api.get<{ entries: AuditEntry[]; next_cursor: string | null }>(`${org(id)}/audit-log`, { query: { ...query } })
export const listAuditActors = async (id: string) => (await api.get<{ actors: { id: Id; name: string }[] }>(`${org(id)}/audit-log/actors`)).actors

/** The organization's rules for attendance (PATCH /settings; the face part lives in ~/api/face). */
export interface AttendanceRules {
  geofence_policy: 'flag' | 'refuse'
  forgotten_checkout_rule: 'close_at_schedule_end' | 'leave_open'
  /** Which captures made on offline evidence wait for review: all, those from members' phones, or none. */
  offline_review: OfflineReviewPolicy
  /** A capture reaching the server later than this after it was made waits for review. */
  offline_window_hours: number
}

export { OFFLINE_REVIEW_POLICIES, type OfflineReviewPolicy }
/** The range the server accepts for offline_window_hours (server/features/faces/faces.schemas.ts). */
export const OFFLINE_WINDOW_RANGE = Object.freeze({ min: 1, max: 24 * 31 })

export const DEFAULT_ATTENDANCE_RULES: Readonly<AttendanceRules> = Object.freeze({
  geofence_policy: 'flag',
  forgotten_checkout_rule: 'close_at_schedule_end',
  offline_review: 'phones',
  offline_window_hours: DEFAULT_OFFLINE_WINDOW_HOURS,
})

export function attendanceRulesOf(organization: unknown): AttendanceRules {
  const settings = ((organization as { settings?: Record<string, unknown> } | null)?.settings ?? {}) as Record<string, unknown>
  return {
    geofence_policy: settings.geofence_policy === 'refuse' ? 'refuse' : 'flag',
    forgotten_checkout_rule: settings.forgotten_checkout_rule === 'leave_open' ? 'leave_open' : 'close_at_schedule_end',
    offline_review: (OFFLINE_REVIEW_POLICIES as readonly unknown[]).includes(settings.offline_review) ? (settings.offline_review as OfflineReviewPolicy) : DEFAULT_ATTENDANCE_RULES.offline_review,
    offline_window_hours: Number.isInteger(settings.offline_window_hours) ? (settings.offline_window_hours as number) : DEFAULT_ATTENDANCE_RULES.offline_window_hours,
  }
}

export const updateAttendanceRules = (id: string, rules: AttendanceRules) => api.patch<Organization>(`${org(id)}/settings`, rules)

/** A device as the admin list shows it, with its last sync (docs/api.md, GET /devices). */
export interface AdminDevice extends Device {
  last_sync_at?: string | null
}
