// Words for the settings pages: permissions, role surfaces, audit actions and this area's error codes, in the
// interface language. Unknown names fall back to something honest (the raw action name) rather than nothing.
import { ApiError } from '~/api/client'
import { errorMessage } from '~/api/errors'
import type { AuditEntry, Role } from '~/api/settings-admin'
import { i18n } from '~/modules/i18n'
import { roleLabel } from '~/composables/usePeople'
import { formatSimilarity } from '~/composables/formatSimilarity'
import { marginLevel } from '@shared/face/similarity'

const t = (key: string, params?: Record<string, unknown>) => (params ? i18n.global.t(key, params) : i18n.global.t(key))
const te = (key: string) => i18n.global.te(key, 'en')

/** "attendance:record:view" -> "attendance_record_view": message keys cannot hold colons. */
function permissionSlug(permission: string): string {
  return permission.replace(/:/g, '_')
}

export function permissionName(permission: string): string {
  const key = `dashSettings.permissions.${permissionSlug(permission)}.name`
  return te(key) ? t(key) : permission
}

export function permissionDescription(permission: string): string {
  const key = `dashSettings.permissions.${permissionSlug(permission)}.description`
  return te(key) ? t(key) : ''
}

export function surfaceName(surface: string): string {
  return t(surface === 'mobile' ? 'dashSettings.surface.mobile' : 'dashSettings.surface.web')
}

/** A system role by its translated name, a custom one by the name its organization gave it. */
export function roleName(role: Pick<Role, 'key' | 'name' | 'is_system'>): string {
  return role.is_system ? roleLabel(role) : role.name
}

/** This area's error codes first (ROLE_IN_USE, LAST_ROLE...), then the common sentences. */
export function settingsError(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `dashSettings.errors.${error.code}`
    if (te(key)) {
      const details = (error.details ?? {}) as Record<string, unknown>
      return t(key, { n: typeof details.holders === 'number' ? details.holders : '' })
    }
  }
  return errorMessage(error)
}

/** What the entry points at, as a reader would name it. */
function entityOf(entry: AuditEntry): string {
  if (entry.entity_name) return entry.entity_name
  const details = entry.details ?? {}
  if (typeof details.name === 'string') return details.name
  if (entry.entity_id) return `#${entry.entity_id}`
  return ''
}

/** "role.create" -> "Created the role Ketua Kelas". */
export function auditSentence(entry: AuditEntry): string {
  const key = `dashSettings.audit.actions.${entry.action.replace(/\./g, '_')}`
  const details = entry.details ?? {}
  const roleWord = typeof details.role_name === 'string' ? details.role_name : typeof details.role === 'string' ? roleLabel(details.role) : ''
  if (te(key)) return t(key, { entity: entityOf(entry), role: roleWord })
  return t('dashSettings.audit.unknownAction', { action: entry.action })
}

/** The audit filter's groups: an action prefix each. */
export const AUDIT_GROUPS = [
  'role.',
  'staff.',
  'settings.',
  'organization.',
  'member.',
  'face.',
  'attendance.',
  'leave_request.',
  'correction_request.',
  'report.',
  'device.',
  'auth.',
  'location.',
  'department.',
  'position.',
  'schedule.',
  'holiday.',
  'shift_type.',
  'roster.',
  'retention.',
  'setup.',
] as const

export function auditGroupName(prefix: string): string {
  return t(`dashSettings.audit.groups.${prefix.replace(/\.$/, '')}`)
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' && v.includes(':') ? permissionName(v) : formatValue(v))).join(', ')
  if (typeof value === 'boolean') return t(value ? 'dashSettings.audit.yes' : 'dashSettings.audit.no')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Fields whose values are words of a small set (a surface, a rule) rather than free text. */
const WORD_FIELDS = new Set(['surface', 'geofence_policy', 'forgotten_checkout_rule', 'offline_review'])

/** The face settings on the scale the settings page shows: the threshold as a minimum similarity, the margin as its level. */
function faceValue(label: string, value: unknown): string | null {
  if (typeof value !== 'number') return null
  if (label === 'face_threshold') return formatSimilarity(value)
  if (label === 'face_margin') return t(`admin.settings.faceMarginLevel.${marginLevel(value)}`)
  return null
}

/** The entry's details as label/value pairs a person can read (known fields and values translated). */
export function auditDetails(entry: AuditEntry): { label: string; value: string }[] {
  const details = entry.details ?? {}
  return Object.entries(details).map(([label, value]) => {
    const key = `dashSettings.audit.fields.${label}`
    const word = `dashSettings.audit.values.${String(value)}`
    const shown = WORD_FIELDS.has(label) && typeof value === 'string' && te(word) ? t(word) : faceValue(label, value) ?? formatValue(value)
    return { label: te(key) ? t(key) : label, value: shown }
  })
}
