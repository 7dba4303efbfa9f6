import { and, eq, inArray, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { departments, invitations, memberRoles, organizationMembers, organizations, positions, roles, sessions, users } from '../../db/schema'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import { hashToken, randomCode } from '../../auth/crypto'
import { auditBy, tenantTransaction, transaction, type ServiceContext } from '../../lib/service-context'
import { grantRole, systemRoleId } from '../roles/roles.service'
import { createUser, findUserByEmail } from '../users/users.service'
import { invalidateFaces } from '../faces/faces.gallery'
import { announceRenames, dropMemberNames } from '../faces/faces.names'
import { queueDeliveries, stageEvent } from '../webhooks/webhooks.outbox'
import type { memberInput, memberListQuery, memberPatch } from './members.schemas'
import { memberDatesProblem } from '../../../shared/members/member'
import { allMembers, getMember, listMembers, type MemberFilters } from './members.queries'
import {
  accountToInvite,
  assertNotPromised,
  inviteAccount,
  membershipOf,
  numberPromised,
  type OrganizationInvitationView,
} from '../invitations/membership-invitations.service'

const INVITATION_DAYS = 7

/**
 * The admin's "add member": a new member (201), or an invitation when the email belongs to an account of its own
 * (that person decides; nothing joined yet).
 */
export async function addMember(ctx: ServiceContext, input: z.infer<typeof memberInput>) {
  const outcome = await transaction(ctx, async (tx) => {
    const outcome = await addMemberOrInvite(tx, ctx.organizationId, input, ctx.userId)
    if (outcome.invitation) {
      const { invitation } = outcome
      await auditBy(tx, ctx, { action: 'member.invite_account', entityType: 'invitation', entityId: invitation.id, details: { name: invitation.name, role: input.role } })
      return { invitation }
    }
    await auditBy(tx, ctx, { action: 'member.create', entityType: 'member', entityId: outcome.memberId, details: { role: input.role } })
    const member = await getMember(tx, ctx.organizationId, outcome.memberId)
    return { member, staged: await stageEvent(tx, ctx.organizationId, 'member.created', { member }) }
  })
  if (outcome.invitation) return { invitation: outcome.invitation }
  await queueDeliveries(ctx.deps, outcome.staged ?? [])
  return { member: outcome.member }
}

export async function editMember(ctx: ServiceContext, memberId: number, input: z.infer<typeof memberPatch>) {
  const { member, renamedIn } = await transaction(ctx, async (tx) => {
    const { renamedIn } = await updateMember(tx, ctx.organizationId, memberId, input)
    await auditBy(tx, ctx, { action: 'member.update', entityType: 'member', entityId: memberId, details: { fields: Object.keys(input) } })
    return { member: await getMember(tx, ctx.organizationId, memberId), renamedIn }
  })
  // An inactive member's face must stop matching at once; a new name shows at the next match.
  if (input.status !== undefined || input.role !== undefined) await invalidateFaces(ctx.deps, ctx.organizationId)
  dropMemberNames(ctx.deps, renamedIn)
  return member
}

/** One page of the organization's members the query matches. */
export function memberPage(ctx: ServiceContext, query: z.infer<typeof memberListQuery>) {
  return tenantTransaction(ctx, (tx) => listMembers(tx, ctx.organizationId, query))
}

/** Every member the filters match, with the organization's slug for the file name; the export itself is audited. */
export function exportMembers(ctx: ServiceContext, filters: MemberFilters, format: string) {
  return tenantTransaction(ctx, async (tx) => {
    const members = await allMembers(tx, ctx.organizationId, filters)
    const [org] = await tx.select({ name: organizations.name, slug: organizations.slug }).from(organizations).where(eq(organizations.id, ctx.organizationId))
    await auditBy(tx, ctx, { action: 'member.export', entityType: 'member', details: { format, count: members.length, filters } })
    return { members, org }
  })
}

/** A one-time invitation code for the member's phone; a new one replaces any earlier unused one. */
export async function inviteMember(ctx: ServiceContext, memberId: number) {
  const code = randomCode(10)
  const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 3600_000)
  await transaction(ctx, async (tx) => {
    const [m] = await tx
      .select({ id: organizationMembers.id, status: organizationMembers.status })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, ctx.organizationId)))
    if (!m) throw new NotFoundError('Member')
    if (m.status !== 'active') throw new ConflictError('This member is inactive', 'MEMBER_INACTIVE')
    await tx.delete(invitations).where(and(eq(invitations.organizationMemberId, memberId), sql`${invitations.usedAt} is null`))
    await tx.insert(invitations).values({
      organizationId: ctx.organizationId,
      organizationMemberId: memberId,
      codeHash: hashToken(ctx.deps.secret, code),
      expiresAt,
      createdBy: ctx.userId,
    })
    await auditBy(tx, ctx, { action: 'member.invite', entityType: 'member', entityId: memberId })
  })
  return { code, url: `/m/invite/${code}`, expires_at: expiresAt.toISOString() }
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
      startDate: input.start_date ?? null,
      endDate: input.end_date ?? null,
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

/** Edits a member; answers the organizations where the person's name changed (theirs all: see announceRenames). */
export async function updateMember(tx: Tx, organizationId: number, memberId: number, input: z.infer<typeof memberPatch>): Promise<{ renamedIn: number[] }> {
  const [row] = await tx
    .select({ userId: organizationMembers.userId, managesAccount: organizationMembers.managesAccount, startDate: organizationMembers.startDate, endDate: organizationMembers.endDate })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  if (!row) throw new NotFoundError('Member')
  // One of the two days may change alone: the pair it makes must still run forwards.
  const datesProblem = memberDatesProblem(input.start_date === undefined ? row.startDate : input.start_date, input.end_date === undefined ? row.endDate : input.end_date)
  if (datesProblem) throw new ValidationError(datesProblem, [{ path: 'end_date', message: datesProblem }])
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
      startDate: input.start_date,
      endDate: input.end_date,
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
  return { renamedIn: input.name !== undefined ? await announceRenames(tx, [row.userId]) : [] }
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
