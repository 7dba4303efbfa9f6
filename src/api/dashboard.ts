// Dashboard calls for the organization, its members, structure, staff and devices (docs/api.md, "Organization").
// `:id` is always the active organization. Types come from the server's routes (see ./client.ts).
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

const orgs = routes.organizations
const org = orgs[':id']
const p = (id: string) => ({ param: { id } })

export const getOrganization = (id: string) => call(org.$get(p(id)))
export type OrganizationPatch = Parameters<typeof org.$patch>[0]['json']
export const updateOrganization = (id: string, patch: OrganizationPatch) => call(org.$patch({ ...p(id), json: patch }))
/** An organization's settings as the dashboard's forms send them (every field; the server defaults missing ones). */
export type OrganizationSettings = Required<Parameters<typeof orgs.$post>[0]['json']>
export const createOrganization = (settings: OrganizationSettings) => call(orgs.$post({ json: settings }))
export type Organization = AnswerOf<typeof getOrganization>

export type MemberQuery = Parameters<typeof org.members.$get>[0]['query']
export const listMembers = (id: string, query: MemberQuery = {}) => call(org.members.$get({ ...p(id), query }))
export type MemberPage = AnswerOf<typeof listMembers>
export type Member = MemberPage['members'][number]

export type NewMember = Parameters<typeof org.members.$post>[0]['json']
/** A new member, or `{ invitation }` when the email has an account of its own (that person accepts first). */
export const createMember = (id: string, member: NewMember) => call(org.members.$post({ ...p(id), json: member }))
export type AddedMember = AnswerOf<typeof createMember>
export const inviteMember = (id: string, memberId: string) => call(org.members[':memberId'].invitations.$post({ param: { id, memberId } }))
export type Invitation = AnswerOf<typeof inviteMember>

export const listDepartments = async (id: string) => (await call(org.departments.$get(p(id)))).departments
export type Department = AnswerOf<typeof listDepartments>[number]
export const listPositions = async (id: string) => (await call(org.positions.$get(p(id)))).positions
export type Position = AnswerOf<typeof listPositions>[number]

export const listStaff = async (id: string) => (await call(org.staff.$get(p(id)))).staff
export type Staff = AnswerOf<typeof listStaff>[number]
export type StaffRole = Staff['roles'][number]
export type NewStaff = Parameters<typeof org.staff.$post>[0]['json']
export const createStaff = (id: string, staff: NewStaff) => call(org.staff.$post({ ...p(id), json: staff }))

export const listDevices = async (id: string) => (await call(org.devices.$get(p(id)))).devices
export type Device = AnswerOf<typeof listDevices>[number]
export const createDevice = (id: string, name: string) => call(org.devices.$post({ ...p(id), json: { name } }))
export type DeviceEnrolCode = AnswerOf<typeof createDevice>
export const revokeDevice = (id: string, deviceId: string) => call(org.devices[':deviceId'].$delete({ param: { id, deviceId } }))

/** Row ids are integers; request bodies send them as numbers. */
export type { Id }
