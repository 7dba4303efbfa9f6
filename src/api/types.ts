// The names the views use for the API's shapes. Every one is derived from the server's routes (hc<AppType>, see
// ./client.ts), never written by hand: a change on the server shows up here as a type error.

/** Row ids are integers; request bodies must send them as numbers. */
export type Id = number

export type { Me, MobileMe, EnrolledDevice, RoleRef } from './session'
export type {
  Department,
  Device,
  DeviceEnrolCode,
  Invitation,
  Member,
  MemberPage,
  Organization,
  OrganizationSettings,
  Position,
  Staff,
  StaffRole,
} from './dashboard'
export type { InvitationPreview } from './mobile'
