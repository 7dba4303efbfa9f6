// Settings and administration calls (docs/api.md, "Roles, sync logs and the audit log"). `id` is the active organization.
import { OFFLINE_REVIEW_POLICIES, type OfflineReviewPolicy } from '@shared/attendance/evidence'
import { DEFAULT_ORGANIZATION_SETTINGS as DEFAULTS, type OrganizationSettingValues } from '@shared/organization/settings'
import { type AnswerOf, call, routes } from './client'
import type { Device, Id } from './types'

export type Surface = 'web' | 'mobile'

const o = routes.organizations[':id']
const roleParam = (id: string, roleId: Id) => ({ param: { id, roleId: String(roleId) } })

export const listRoles = (id: string) => call(o.roles.$get({ param: { id } }))
export type RoleCatalogue = AnswerOf<typeof listRoles>
export type Role = RoleCatalogue['roles'][number]
export type RoleInput = Parameters<typeof o.roles.$post>[0]['json']
export const createRole = (id: string, role: RoleInput) => call(o.roles.$post({ param: { id }, json: role }))
export const updateRole = (id: string, roleId: Id, patch: Parameters<(typeof o.roles)[':roleId']['$patch']>[0]['json']) =>
  call(o.roles[':roleId'].$patch({ ...roleParam(id, roleId), json: patch }))
export const deleteRole = (id: string, roleId: Id) => call(o.roles[':roleId'].$delete(roleParam(id, roleId)))
export const listRoleHolders = async (id: string, roleId: Id) => (await call(o.roles[':roleId'].holders.$get(roleParam(id, roleId)))).holders
export type RoleHolder = AnswerOf<typeof listRoleHolders>[number]

const held = o.members[':memberId'].roles[':roleId']
const heldParam = (id: string, memberId: Id, roleId: Id) => ({ param: { id, memberId: String(memberId), roleId: String(roleId) } })
export const grantRole = (id: string, memberId: Id, roleId: Id) => call(held.$put(heldParam(id, memberId, roleId)))
export const revokeRole = (id: string, memberId: Id, roleId: Id) => call(held.$delete(heldParam(id, memberId, roleId)))
export type HeldRole = AnswerOf<typeof grantRole>['roles'][number]

/** Adds a dashboard user with a system role (by key) or any dashboard role of the organization (by id). */
export type NewStaffWithRole = Parameters<typeof o.staff.$post>[0]['json']
/** A new (or this organization's) person gets the role; an account of its own gets an invitation (`{ invitation }`). */
export const createStaffWithRole = (id: string, staff: NewStaffWithRole) => call(o.staff.$post({ param: { id }, json: staff }))

type ServerSyncLogQuery = NonNullable<Parameters<(typeof o)['sync-logs']['$get']>[0]['query']>
export type SyncLogQuery = Omit<ServerSyncLogQuery, 'device_id'> & { device_id?: Id }
export const listSyncLogs = (id: string, { device_id, ...query }: SyncLogQuery = {}) =>
  call(o['sync-logs'].$get({ param: { id }, query: { ...query, device_id: device_id === undefined ? undefined : String(device_id) } }))
export type SyncLogPage = AnswerOf<typeof listSyncLogs>
export type SyncLog = SyncLogPage['logs'][number]

type ServerAuditQuery = NonNullable<Parameters<(typeof o)['audit-log']['$get']>[0]['query']>
export type AuditQuery = Omit<ServerAuditQuery, 'actor_user_id'> & { actor_user_id?: Id }
export const listAuditLog = (id: string, { actor_user_id, ...query }: AuditQuery = {}) =>
  call(o['audit-log'].$get({ param: { id }, query: { ...query, actor_user_id: actor_user_id === undefined ? undefined : String(actor_user_id) } }))
export type AuditEntry = AnswerOf<typeof listAuditLog>['entries'][number]
export const listAuditActors = async (id: string) => (await call(o['audit-log'].actors.$get({ param: { id } }))).actors

/**
 * The organization's rules for attendance (PATCH /settings; the face part lives in ~/api/face): what happens outside
 * the fence, to a day without check-out, which captures made offline wait for review, and how late one may arrive.
 */
export type AttendanceRules = Pick<OrganizationSettingValues, 'geofence_policy' | 'forgotten_checkout_rule' | 'offline_review' | 'offline_window_hours' | 'overtime_approval' | 'overtime_minimum_minutes' | 'checkin_reminder_time'>

export { OFFLINE_REVIEW_POLICIES, type OfflineReviewPolicy }
/** The range the server accepts for offline_window_hours (shared/organization/settings.ts). */
export { OFFLINE_WINDOW_RANGE, OVERTIME_MINIMUM_RANGE } from '@shared/organization/settings'

export const DEFAULT_ATTENDANCE_RULES: Readonly<AttendanceRules> = Object.freeze({
  geofence_policy: DEFAULTS.geofence_policy,
  forgotten_checkout_rule: DEFAULTS.forgotten_checkout_rule,
  offline_review: DEFAULTS.offline_review,
  offline_window_hours: DEFAULTS.offline_window_hours,
  overtime_approval: DEFAULTS.overtime_approval,
  overtime_minimum_minutes: DEFAULTS.overtime_minimum_minutes,
  checkin_reminder_time: DEFAULTS.checkin_reminder_time,
})

export function attendanceRulesOf(organization: unknown): AttendanceRules {
  const settings = ((organization as { settings?: Record<string, unknown> } | null)?.settings ?? {}) as Record<string, unknown>
  return {
    geofence_policy: settings.geofence_policy === 'refuse' ? 'refuse' : 'flag',
    forgotten_checkout_rule: settings.forgotten_checkout_rule === 'leave_open' ? 'leave_open' : 'close_at_schedule_end',
    offline_review: (OFFLINE_REVIEW_POLICIES as readonly unknown[]).includes(settings.offline_review) ? (settings.offline_review as OfflineReviewPolicy) : DEFAULT_ATTENDANCE_RULES.offline_review,
    offline_window_hours: Number.isInteger(settings.offline_window_hours) ? (settings.offline_window_hours as number) : DEFAULT_ATTENDANCE_RULES.offline_window_hours,
    overtime_approval: settings.overtime_approval === true,
    overtime_minimum_minutes: Number.isInteger(settings.overtime_minimum_minutes) ? (settings.overtime_minimum_minutes as number) : DEFAULT_ATTENDANCE_RULES.overtime_minimum_minutes,
    checkin_reminder_time: typeof settings.checkin_reminder_time === 'string' ? settings.checkin_reminder_time : null,
  }
}

export const updateAttendanceRules = (id: string, rules: AttendanceRules) => call(o.settings.$patch({ param: { id }, json: rules }))

/** A device as the admin list shows it, with its last sync (docs/api.md, GET /devices). */
export type AdminDevice = Device
