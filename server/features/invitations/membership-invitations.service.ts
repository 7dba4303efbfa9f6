import { and, desc, eq, gt, inArray, ne, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, membershipInvitations, organizationMembers, organizations, positions, roles, users } from '../../db/schema'
import { ConflictError, NotFoundError } from '../../errors'
import { grantRole } from '../roles/roles.service'
import { auditBy, transaction, type ServiceContext } from '../../lib/service-context'

/**
 * Invitations to people who already have a Hadir account (issue 13, item 9). Adding someone by an email that belongs to
 * an account the organization does not have yet no longer attaches that account: the organization gets a pending
 * invitation, the person sees it where they sign in (the dashboard's organization choice, or the app's home) and
 * accepts or declines it with their own credentials. Until they accept, the organization sees only what its admin
 * typed (name, email), and nothing of the account itself.
 */

export const INVITATION_DAYS = 14

export type InvitationKind = 'staff' | 'member'
type InvitationRow = typeof membershipInvitations.$inferSelect

/** What the inviting organization sees. */
export interface OrganizationInvitationView {
  id: number
  kind: InvitationKind
  name: string
  email: string
  role: { id: number; key: string; name: string }
  member_number: string | null
  department: string | null
  position: string | null
  /** `expired`: still pending but past its date (the person no longer sees it). */
  status: 'pending' | 'declined' | 'expired'
  created_at: string
  expires_at: string
  responded_at: string | null
}

/** What the invited person sees. */
export interface MyInvitationView {
  id: number
  kind: InvitationKind
  organization: { id: number; name: string }
  role: { id: number; key: string; name: string }
  invited_by: string | null
  created_at: string
  expires_at: string
}

/** The person's membership of the organization, if any. */
export async function membershipOf(tx: Tx, organizationId: number, userId: number) {
  const [row] = await tx
    .select({ id: organizationMembers.id })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)))
  return row ?? null
}

/**
 * Invites an existing account to the organization (as staff with a dashboard role, or as a member with a mobile role).
 * Inviting the same person again for the same kind renews the pending invitation (new role, details and date) instead
 * of making a second one; an earlier declined invitation is replaced.
 */
export async function inviteAccount(
  tx: Tx,
  input: {
    organizationId: number
    userId: number
    kind: InvitationKind
    roleId: number
    name: string
    email: string
    memberNumber?: string | null
    departmentId?: number | null
    positionId?: number | null
    createdBy: number | null
  },
): Promise<OrganizationInvitationView> {
  const values = {
    roleId: input.roleId,
    name: input.name,
    email: input.email.toLowerCase(),
    memberNumber: input.memberNumber ?? null,
    departmentId: input.departmentId ?? null,
    positionId: input.positionId ?? null,
    createdBy: input.createdBy,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
  }
  const same = and(
    eq(membershipInvitations.organizationId, input.organizationId),
    eq(membershipInvitations.userId, input.userId),
    eq(membershipInvitations.kind, input.kind),
  )
  await tx.delete(membershipInvitations).where(and(same, eq(membershipInvitations.status, 'declined')))
  const [renewed] = await tx
    .update(membershipInvitations)
    .set(values)
    .where(and(same, eq(membershipInvitations.status, 'pending')))
    .returning({ id: membershipInvitations.id })
  const id =
    renewed?.id ??
    (
      await tx
        .insert(membershipInvitations)
        .values({ organizationId: input.organizationId, userId: input.userId, kind: input.kind, ...values })
        .returning({ id: membershipInvitations.id })
    )[0]!.id
  const [view] = await organizationInvitations(tx, input.organizationId, [input.kind], id)
  return view!
}

/** The organization's open invitations (pending, expired or declined) of the given kinds, newest first. */
export async function organizationInvitations(tx: Tx, organizationId: number, kinds: InvitationKind[], onlyId?: number): Promise<OrganizationInvitationView[]> {
  if (kinds.length === 0) return []
  const rows = await tx
    .select({ i: membershipInvitations, roleKey: roles.key, roleName: roles.name, department: departments.name, position: positions.name })
    .from(membershipInvitations)
    .innerJoin(roles, eq(roles.id, membershipInvitations.roleId))
    .leftJoin(departments, eq(departments.id, membershipInvitations.departmentId))
    .leftJoin(positions, eq(positions.id, membershipInvitations.positionId))
    .where(
      and(
        eq(membershipInvitations.organizationId, organizationId),
        inArray(membershipInvitations.kind, kinds),
        ne(membershipInvitations.status, 'accepted'),
        onlyId === undefined ? undefined : eq(membershipInvitations.id, onlyId),
      ),
    )
    .orderBy(desc(membershipInvitations.createdAt), desc(membershipInvitations.id))
  const now = Date.now()
  return rows.map(({ i, roleKey, roleName, department, position }) => ({
    id: i.id,
    kind: i.kind,
    name: i.name,
    email: i.email,
    role: { id: i.roleId, key: roleKey, name: roleName },
    member_number: i.memberNumber,
    department,
    position,
    status: i.status === 'pending' && i.expiresAt.getTime() <= now ? 'expired' : (i.status as 'pending' | 'declined'),
    created_at: i.createdAt.toISOString(),
    expires_at: i.expiresAt.toISOString(),
    responded_at: i.respondedAt?.toISOString() ?? null,
  }))
}

/** The context's organization's open invitations of these kinds. */
export function invitationsOf(ctx: ServiceContext, kinds: InvitationKind[]): Promise<OrganizationInvitationView[]> {
  return organizationInvitations(ctx.deps.database.db, ctx.organizationId, kinds)
}

/** Withdraws one of the context's organization's open invitations of these kinds (withdrawInvitation), audited. */
export function withdrawOpenInvitation(ctx: ServiceContext, invitationId: number, kinds: InvitationKind[]): Promise<void> {
  return transaction(ctx, async (tx) => {
    const row = await withdrawInvitation(tx, ctx.organizationId, invitationId, kinds)
    await auditBy(tx, ctx, { action: 'invitation.withdraw', entityType: 'invitation', entityId: row.id, details: { name: row.name, kind: row.kind } })
  })
}

/** Withdraws an invitation the organization made (any state but accepted); 404 when it is not theirs or of a kind they may not manage. */
export async function withdrawInvitation(tx: Tx, organizationId: number, invitationId: number, kinds: InvitationKind[]): Promise<InvitationRow> {
  if (kinds.length === 0) throw new NotFoundError('Invitation')
  const [row] = await tx
    .delete(membershipInvitations)
    .where(
      and(
        eq(membershipInvitations.id, invitationId),
        eq(membershipInvitations.organizationId, organizationId),
        inArray(membershipInvitations.kind, kinds),
        ne(membershipInvitations.status, 'accepted'),
      ),
    )
    .returning()
  if (!row) throw new NotFoundError('Invitation')
  return row
}

/** The person's own pending, unexpired invitations, from every organization. */
export async function myInvitations(tx: Tx, userId: number, kinds: InvitationKind[] = ['staff', 'member']): Promise<MyInvitationView[]> {
  const inviter = sql<string | null>`(select u.name from ${users} u where u.id = ${membershipInvitations.createdBy})`
  const rows = await tx
    .select({ i: membershipInvitations, orgName: organizations.name, roleKey: roles.key, roleName: roles.name, invitedBy: inviter })
    .from(membershipInvitations)
    .innerJoin(organizations, eq(organizations.id, membershipInvitations.organizationId))
    .innerJoin(roles, eq(roles.id, membershipInvitations.roleId))
    .where(
      and(
        eq(membershipInvitations.userId, userId),
        eq(membershipInvitations.status, 'pending'),
        gt(membershipInvitations.expiresAt, new Date()),
        inArray(membershipInvitations.kind, kinds),
      ),
    )
    .orderBy(desc(membershipInvitations.createdAt), desc(membershipInvitations.id))
  return rows.map(({ i, orgName, roleKey, roleName, invitedBy }) => ({
    id: i.id,
    kind: i.kind,
    organization: { id: i.organizationId, name: orgName },
    role: { id: i.roleId, key: roleKey, name: roleName },
    invited_by: invitedBy,
    created_at: i.createdAt.toISOString(),
    expires_at: i.expiresAt.toISOString(),
  }))
}

/** Takes the person's pending invitation for an answer (locked for this transaction), or 404 INVITATION_INVALID. */
async function claimMine(tx: Tx, userId: number, invitationId: number, kinds: InvitationKind[]): Promise<InvitationRow> {
  const [row] = await tx
    .select()
    .from(membershipInvitations)
    .where(
      and(
        eq(membershipInvitations.id, invitationId),
        eq(membershipInvitations.userId, userId),
        eq(membershipInvitations.status, 'pending'),
        gt(membershipInvitations.expiresAt, new Date()),
        inArray(membershipInvitations.kind, kinds),
      ),
    )
    .for('update')
  if (!row) throw new NotFoundError('Invitation', 'INVITATION_INVALID')
  return row
}

export interface AcceptResult {
  invitation: InvitationRow
  organization: { id: number; name: string }
  memberId: number
}

/**
 * The person accepts: they become a member (or get the staff role) of the organization with their own account. The
 * organization does not manage that account (their name, email and phone stay theirs). A member number taken since
 * the invitation was made is left out rather than refusing the person. `pinHash`: the app's PIN they chose for this
 * organization (members accepting on the phone).
 */
export async function acceptInvitation(
  tx: Tx,
  userId: number,
  invitationId: number,
  options: { kinds: InvitationKind[]; pinHash?: string | null },
): Promise<AcceptResult> {
  const inv = await claimMine(tx, userId, invitationId, options.kinds)
  let membership: { id: number } | undefined = (await membershipOf(tx, inv.organizationId, userId)) ?? undefined
  if (!membership) {
    const numberTaken = inv.memberNumber
      ? (await tx
          .select({ id: organizationMembers.id })
          .from(organizationMembers)
          .where(and(eq(organizationMembers.organizationId, inv.organizationId), eq(organizationMembers.memberNumber, inv.memberNumber)))).length > 0
      : false
    ;[membership] = await tx
      .insert(organizationMembers)
      .values({
        organizationId: inv.organizationId,
        userId,
        memberNumber: numberTaken ? null : inv.memberNumber,
        departmentId: inv.departmentId,
        positionId: inv.positionId,
        pinHash: options.pinHash ?? null,
        managesAccount: false,
      })
      .returning({ id: organizationMembers.id })
  } else if (options.pinHash) {
    await tx.update(organizationMembers).set({ pinHash: options.pinHash, failedPins: 0, pinLockedUntil: null, updatedAt: new Date() }).where(eq(organizationMembers.id, membership.id))
  }
  await grantRole(tx, inv.organizationId, membership!.id, inv.roleId)
  await tx
    .update(membershipInvitations)
    .set({ status: 'accepted', respondedAt: new Date(), organizationMemberId: membership!.id })
    .where(eq(membershipInvitations.id, inv.id))
  const [org] = await tx.select({ id: organizations.id, name: organizations.name }).from(organizations).where(eq(organizations.id, inv.organizationId))
  return { invitation: inv, organization: org!, memberId: membership!.id }
}

/** The person declines: the organization sees "declined" and may withdraw it or invite again. */
export async function declineInvitation(tx: Tx, userId: number, invitationId: number, kinds: InvitationKind[]): Promise<InvitationRow> {
  const inv = await claimMine(tx, userId, invitationId, kinds)
  await tx.update(membershipInvitations).set({ status: 'declined', respondedAt: new Date() }).where(eq(membershipInvitations.id, inv.id))
  return inv
}

/**
 * Whether an email names an account the organization does not have yet (the invitation case). Answers the account,
 * or null when the email is new (an account is made) or already in the organization (the usual rules apply).
 */
export async function accountToInvite(tx: Tx, organizationId: number, email: string | null | undefined) {
  if (!email) return null
  const [user] = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
  if (!user) return null
  return (await membershipOf(tx, organizationId, user.id)) ? null : user
}

/** A member number already promised to someone in a pending invitation of the organization. */
export async function numberPromised(tx: Tx, organizationId: number, memberNumber: string | null | undefined, exceptUserId?: number): Promise<boolean> {
  if (!memberNumber) return false
  const rows = await tx
    .select({ id: membershipInvitations.id })
    .from(membershipInvitations)
    .where(
      and(
        eq(membershipInvitations.organizationId, organizationId),
        eq(membershipInvitations.memberNumber, memberNumber),
        eq(membershipInvitations.status, 'pending'),
        gt(membershipInvitations.expiresAt, new Date()),
        exceptUserId === undefined ? undefined : ne(membershipInvitations.userId, exceptUserId),
      ),
    )
  return rows.length > 0
}

export function assertNotPromised(promised: boolean): void {
  if (promised) throw new ConflictError('Another member already has this number', 'MEMBER_NUMBER_TAKEN', { field: 'member_number' })
}
