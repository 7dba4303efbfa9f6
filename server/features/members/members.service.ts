import { FACE_MODEL } from '../../../shared/face/model'
import { and, asc, count, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import {
  attendanceRecords,
  departments,
  memberFaceData,
  memberRoles,
  organizationMembers,
  organizations,
  positions,
  rolePermissions,
  roles,
  sessions,
  users,
} from '../../db/schema'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { grantRole, systemRoleId } from '../roles/roles.service'
import { createUser, findUserByEmail } from '../users/users.service'
import type { z } from 'zod'
import { localToIso } from '../../../shared/attendance/rules'
import type { memberInput, memberListQuery, memberPatch } from './members.schemas'
import {
  accountToInvite,
  assertNotPromised,
  inviteAccount,
  membershipOf,
  numberPromised,
  type OrganizationInvitationView,
} from '../invitations/membership-invitations.service'

export interface MemberView {
  id: number
  name: string
  email: string | null
  phone: string | null
  member_number: string | null
  department: string | null
  department_id: number | null
  position: string | null
  position_id: number | null
  status: 'active' | 'inactive'
  roles: string[]
  face_registered: boolean
  /** Whether one of their roles lets them register a face (member:face:register): false for a petugas-only account. */
  can_register_face: boolean
  last_attendance: string | null
  pin_set: boolean
  created_at: string
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => '\\' + m)
}

export type MemberFilters = Omit<z.infer<typeof memberListQuery>, 'limit' | 'offset'>

/** The WHERE of a member list: scoped to the organization, members (mobile roles) only, and the list's filters. */
function memberWhere(organizationId: number, query: MemberFilters): SQL {
  const where: SQL[] = [eq(organizationMembers.organizationId, organizationId)]
  if (query.status) where.push(eq(organizationMembers.status, query.status))
  if (query.department_id) where.push(eq(organizationMembers.departmentId, query.department_id))
  if (query.q) {
    const like = `%${escapeLike(query.q)}%`
    where.push(or(ilike(users.name, like), ilike(users.email, like), ilike(organizationMembers.memberNumber, like))!)
  }
  // Only people who are members (member/petugas roles), not dashboard-only staff.
  where.push(
    sql`exists (select 1 from ${memberRoles} mr join ${roles} r on r.id = mr.role_id
      where mr.organization_member_id = ${organizationMembers.id} and r.surface = 'mobile')`,
  )
  if (query.role) {
    where.push(
      sql`exists (select 1 from ${memberRoles} mr join ${roles} r on r.id = mr.role_id
        where mr.organization_member_id = ${organizationMembers.id} and r.key = ${query.role} and r.organization_id is null)`,
    )
  }
  if (query.face) {
    const has = sql`exists (select 1 from ${memberFaceData} f where f.organization_member_id = ${organizationMembers.id} and f.organization_id = ${organizationId} and f.model = ${FACE_MODEL.id})`
    where.push(query.face === 'registered' ? has : sql`not ${has}`)
  }
  return and(...where)!
}

/** Members of one organization with the spec's list fields; every query is scoped to that organization. */
export async function listMembers(tx: Tx, organizationId: number, query: z.infer<typeof memberListQuery>) {
  const cond = memberWhere(organizationId, query)
  const [total] = await tx
    .select({ n: count() })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(cond)
  const ids = await tx
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(cond)
    .orderBy(asc(users.name), asc(organizationMembers.id))
    .limit(query.limit)
    .offset(query.offset)
  const members = await describeMembers(tx, organizationId, ids.map((r) => r.id))
  return { members, total: total?.n ?? 0 }
}

/** Every member matching the filters (for an export), in name order, described in chunks. */
export async function allMembers(tx: Tx, organizationId: number, query: MemberFilters, max = 100_000): Promise<MemberView[]> {
  const ids = await tx
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(memberWhere(organizationId, query))
    .orderBy(asc(users.name), asc(organizationMembers.id))
    .limit(max)
  const out: MemberView[] = []
  for (let i = 0; i < ids.length; i += 1000) {
    out.push(...(await describeMembers(tx, organizationId, ids.slice(i, i + 1000).map((r) => r.id))))
  }
  return out
}

/** Full views of the given members (in the given order), scoped to the organization. */
export async function describeMembers(tx: Tx, organizationId: number, ids: number[]): Promise<MemberView[]> {
  if (ids.length === 0) return []
  const rows = await tx
    .select({
      m: organizationMembers,
      name: users.name,
      email: users.email,
      phone: users.phone,
      department: departments.name,
      position: positions.name,
      timezone: organizations.timezone,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .leftJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .leftJoin(positions, eq(positions.id, organizationMembers.positionId))
    .where(and(eq(organizationMembers.organizationId, organizationId), inArray(organizationMembers.id, ids)))
  const roleRows = await tx
    .select({ memberId: memberRoles.organizationMemberId, key: roles.key })
    .from(memberRoles)
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(and(eq(memberRoles.organizationId, organizationId), inArray(memberRoles.organizationMemberId, ids)))
  const faceRoles = await tx
    .selectDistinct({ memberId: memberRoles.organizationMemberId })
    .from(memberRoles)
    .innerJoin(rolePermissions, eq(rolePermissions.roleId, memberRoles.roleId))
    .where(and(eq(memberRoles.organizationId, organizationId), inArray(memberRoles.organizationMemberId, ids), eq(rolePermissions.permission, 'member:face:register')))
  const faces = await tx
    .selectDistinct({ memberId: memberFaceData.organizationMemberId })
    .from(memberFaceData)
    .where(and(eq(memberFaceData.organizationId, organizationId), inArray(memberFaceData.organizationMemberId, ids), eq(memberFaceData.model, FACE_MODEL.id)))
  const last = await tx
    .select({
      memberId: attendanceRecords.organizationMemberId,
      at: sql<string | null>`max((${attendanceRecords.attendanceDate} + coalesce(${attendanceRecords.checkInTime}, time '00:00')))::text`,
    })
    .from(attendanceRecords)
    .where(and(eq(attendanceRecords.organizationId, organizationId), inArray(attendanceRecords.organizationMemberId, ids)))
    .groupBy(attendanceRecords.organizationMemberId)
  const faceSet = new Set(faces.map((f) => f.memberId))
  const faceRoleSet = new Set(faceRoles.map((f) => f.memberId))
  const lastBy = new Map(last.map((l) => [l.memberId, l.at]))
  const byId = new Map(rows.map((r) => [r.m.id, r]))
  return ids.flatMap((id) => {
    const r = byId.get(id)
    if (!r) return []
    const lastLocal = lastBy.get(id)
    return [
      {
        id,
        name: r.name,
        email: r.email,
        phone: r.phone,
        member_number: r.m.memberNumber,
        department: r.department,
        department_id: r.m.departmentId,
        position: r.position,
        position_id: r.m.positionId,
        status: r.m.status,
        roles: roleRows.filter((x) => x.memberId === id).map((x) => x.key),
        face_registered: faceSet.has(id),
        can_register_face: faceRoleSet.has(id),
        last_attendance: lastLocal ? localToIso(lastLocal, r.timezone) : null,
        pin_set: r.m.pinHash !== null,
        created_at: r.m.createdAt.toISOString(),
      },
    ]
  })
}

export async function getMember(tx: Tx, organizationId: number, memberId: number): Promise<MemberView> {
  const [member] = await describeMembers(tx, organizationId, [memberId])
  if (!member) throw new NotFoundError('Member')
  return member
}

/** Checks that referenced department/position rows belong to the same organization. */
async function assertRefs(tx: Tx, organizationId: number, input: { department_id?: number | null; position_id?: number | null }) {
  if (input.department_id) {
    const [d] = await tx
      .select({ id: departments.id })
      .from(departments)
      .where(and(eq(departments.id, input.department_id), eq(departments.organizationId, organizationId)))
    if (!d) throw new ValidationError('Unknown department', [{ path: 'department_id', message: 'Unknown department' }])
  }
  if (input.position_id) {
    const [p] = await tx
      .select({ id: positions.id })
      .from(positions)
      .where(and(eq(positions.id, input.position_id), eq(positions.organizationId, organizationId)))
    if (!p) throw new ValidationError('Unknown position', [{ path: 'position_id', message: 'Unknown position' }])
  }
}

async function assertNumberFree(tx: Tx, organizationId: number, memberNumber: string | null | undefined, exceptId?: number) {
  if (!memberNumber) return
  const [taken] = await tx
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.memberNumber, memberNumber)))
  if (taken && taken.id !== exceptId) {
    throw new ConflictError('Another member already has this number', 'MEMBER_NUMBER_TAKEN', { field: 'member_number' })
  }
}

/**
 * Adds a member (or petugas) with a new account. An email that already belongs to a person is never attached here:
 * if they are in the organization already it is 409 MEMBER_EXISTS, otherwise they are invited (addMemberOrInvite).
 */
export async function createMember(tx: Tx, organizationId: number, input: z.infer<typeof memberInput>) {
  await assertRefs(tx, organizationId, input)
  await assertNumberFree(tx, organizationId, input.member_number)
  const existing = input.email ? await findUserByEmail(tx, input.email) : null
  if (existing) {
    if (await membershipOf(tx, organizationId, existing.id)) throw new ConflictError('This person is already in the organization', 'MEMBER_EXISTS', { field: 'email' })
    throw new Error('createMember: this email has an account of its own; invite it (addMemberOrInvite)')
  }
  const user = await createUser(tx, { name: input.name, email: input.email, phone: input.phone })
  const [member] = await tx
    .insert(organizationMembers)
    .values({
      organizationId,
      userId: user.id,
      departmentId: input.department_id ?? null,
      positionId: input.position_id ?? null,
      memberNumber: input.member_number,
    })
    .returning({ id: organizationMembers.id })
  await grantRole(tx, organizationId, member!.id, await systemRoleId(tx, input.role))
  return member!.id
}

/**
 * What adding a member by the admin's form does: a new account and membership, or, when the email belongs to an
 * account of its own that is not in the organization yet, a pending invitation that person accepts (or declines)
 * themselves. The organization learns nothing of that account until then.
 */
export async function addMemberOrInvite(
  tx: Tx,
  organizationId: number,
  input: z.infer<typeof memberInput>,
  invitedBy: number,
): Promise<{ memberId: number; invitation?: undefined } | { memberId?: undefined; invitation: OrganizationInvitationView }> {
  const account = await accountToInvite(tx, organizationId, input.email)
  assertNotPromised(await numberPromised(tx, organizationId, input.member_number, account?.id))
  if (!account) return { memberId: await createMember(tx, organizationId, input) }
  await assertRefs(tx, organizationId, input)
  await assertNumberFree(tx, organizationId, input.member_number)
  const invitation = await inviteAccount(tx, {
    organizationId,
    userId: account.id,
    kind: 'member',
    roleId: await systemRoleId(tx, input.role),
    name: input.name,
    email: input.email!,
    memberNumber: input.member_number,
    departmentId: input.department_id,
    positionId: input.position_id,
    createdBy: invitedBy,
  })
  return { invitation }
}

export async function updateMember(tx: Tx, organizationId: number, memberId: number, input: z.infer<typeof memberPatch>) {
  const [row] = await tx
    .select({ userId: organizationMembers.userId, managesAccount: organizationMembers.managesAccount })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (!row) throw new NotFoundError('Member')
  await assertRefs(tx, organizationId, input)
  await assertNumberFree(tx, organizationId, input.member_number, memberId)
  assertNotPromised(await numberPromised(tx, organizationId, input.member_number, row.userId))
  if (input.email) {
    const other = await findUserByEmail(tx, input.email)
    if (other && other.id !== row.userId) throw new ConflictError('This email is already in use', 'EMAIL_TAKEN', { field: 'email' })
  }
  await tx
    .update(organizationMembers)
    .set({
      departmentId: input.department_id,
      positionId: input.position_id,
      memberNumber: input.member_number,
      status: input.status,
      updatedAt: new Date(),
    })
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (input.status === 'inactive') {
    // Deactivation ends every session at once; reactivating later does not bring them back.
    await tx.delete(sessions).where(and(eq(sessions.organizationMemberId, memberId), eq(sessions.organizationId, organizationId)))
  }
  if (input.role !== undefined) await setMobileRole(tx, organizationId, memberId, input.role)
  if (input.name !== undefined || input.email !== undefined || input.phone !== undefined) {
    // A person who joined with an account of their own (an accepted invitation) keeps their name, email and phone:
    // only they change them. Decided from this organization's own membership, so the answer says nothing about
    // whether they belong anywhere else.
    if (!row.managesAccount) {
      throw new ConflictError('This person joined with their own account, so only they can change their name, email and phone', 'OWN_ACCOUNT')
    }
    await tx
      .update(users)
      .set({ name: input.name, email: input.email, phone: input.phone, updatedAt: new Date() })
      .where(eq(users.id, row.userId))
  }
}

/** Makes `role` the member's only mobile role (member or petugas); their sessions end, so they sign in again with it. */
export async function setMobileRole(tx: Tx, organizationId: number, memberId: number, role: 'member' | 'petugas') {
  const mobile = await tx
    .select({ roleId: memberRoles.roleId, key: roles.key })
    .from(memberRoles)
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(and(eq(memberRoles.organizationMemberId, memberId), eq(memberRoles.organizationId, organizationId), eq(roles.surface, 'mobile')))
  if (mobile.length === 1 && mobile[0]!.key === role) return
  if (mobile.length > 0) {
    await tx.delete(memberRoles).where(and(eq(memberRoles.organizationMemberId, memberId), inArray(memberRoles.roleId, mobile.map((r) => r.roleId))))
  }
  await grantRole(tx, organizationId, memberId, await systemRoleId(tx, role))
  await tx.delete(sessions).where(and(eq(sessions.organizationMemberId, memberId), eq(sessions.kind, 'mobile')))
}
