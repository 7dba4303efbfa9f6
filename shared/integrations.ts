// What an organization opens to its other systems (issue 19): the permissions an API token may carry and the events a
// webhook may subscribe to. Shared by the server's checks and the dashboard's forms.
import type { Permission } from './permissions'
import { SURFACE_PERMISSIONS } from './role-surfaces'

/**
 * What an API token may be granted: only what a dashboard role holds (a token never records attendance nor registers
 * faces; those need a person in front of a camera).
 */
export const TOKEN_PERMISSIONS: readonly Permission[] = SURFACE_PERMISSIONS.web
/** A new token's permissions when none are chosen: reading only. */
export const TOKEN_READ_PERMISSIONS: readonly Permission[] = ['attendance:record:view', 'member:view', 'report:generate']

/** The events an organization's webhooks can subscribe to. */
export const WEBHOOK_EVENTS = ['attendance.recorded', 'attendance.reviewed', 'leave.decided', 'member.created'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]
