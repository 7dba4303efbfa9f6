// Who is signed in: the dashboard session (/api/auth), the member's phone session (/api/mobile), a petugas tablet's
// enrolment (/api/devices) and the first-start setup (/api/setup). The stores in src/stores call these.
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

export const getSetupStatus = () => call(routes.setup.status.$get())
export type SetupInput = Parameters<typeof routes.setup.$post>[0]['json']
export const runSetup = (input: SetupInput) => call(routes.setup.$post({ json: input }))

// --- dashboard ---
export const getMe = () => call(routes.auth.me.$get(), { expectUnauthorized: true })
export const dashboardLogin = (email: string, password: string) => call(routes.auth.login.$post({ json: { email, password } }), { expectUnauthorized: true })
export const selectOrganization = (organizationId: Id, roleId?: Id) =>
  call(routes.auth.select.$post({ json: { organization_id: organizationId, ...(roleId !== undefined ? { role_id: roleId } : {}) } }))
export const dashboardLogout = () => call(routes.auth.logout.$post(), { expectUnauthorized: true })
/** The dashboard session: the account, its organizations and the active one with its role and permissions. */
export type Me = AnswerOf<typeof getMe>
export type RoleRef = Me['organizations'][number]['roles'][number]

// --- the member's phone ---
export const getMobileMe = () => call(routes.mobile.me.$get(), { expectUnauthorized: true })
/** PIN sign-in in an organization named by its code (what a person types) or its id (a remembered account). */
export const mobileLogin = (organization: Id | string, login: string, pin: string) =>
  call(routes.mobile.login.$post({ json: { ...(typeof organization === 'string' ? { organization } : { organization_id: organization }), login, pin } }), { expectUnauthorized: true })
export const redeemInvitation = (code: string, pin: string) => call(routes.mobile.invitations.redeem.$post({ json: { code, pin } }))
export const mobileLogout = () => call(routes.mobile.logout.$post(), { expectUnauthorized: true })
/** The member's session on their phone (or a petugas's on a tablet). */
export type MobileMe = AnswerOf<typeof getMobileMe>

// --- a petugas tablet ---
export const getEnrolledDevice = () => call(routes.devices.me.$get(), { expectUnauthorized: true })
export const enrolDevice = (code: string, name: string) => call(routes.devices.enrol.$post({ json: { code, ...(name ? { name } : {}) } }))
export type EnrolledDevice = AnswerOf<typeof getEnrolledDevice>

// --- the member's own data (UU PDP's access right) ---
export const getMyData = () => call(routes.mobile.me.data.$get({ query: {} }))
export type MyData = AnswerOf<typeof getMyData>
/** The same data as a file: a plain link, so the phone's browser downloads it with the session cookie. */
export const MY_DATA_DOWNLOAD = '/api/mobile/me/data?download=1'
