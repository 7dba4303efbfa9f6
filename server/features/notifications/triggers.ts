// The moments a request or an admin action notifies someone. Each is called by a route after its transaction commits,
// and never fails it (bestEffort).
import { and, eq } from 'drizzle-orm'
import type { AppDeps } from '../../context'
import { membershipInvitations, organizationMembers, organizations } from '../../db/schema'
import { bestEffort, personSettings, queueNotification } from './notifications.service'

async function userOfMember(deps: AppDeps, organizationId: number, memberId: number): Promise<number | null> {
  const [m] = await deps.database.db
    .select({ userId: organizationMembers.userId })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId)))
  return m?.userId ?? null
}

/** A leave or correction request was approved or rejected: its member learns the answer. */
export function requestAnswered(
  deps: AppDeps,
  organizationId: number,
  answer: { request: 'leave' | 'correction'; id: number; memberId: number; status: string; date: string; note: string | null },
) {
  return bestEffort(async () => {
    const userId = await userOfMember(deps, organizationId, answer.memberId)
    if (userId === null) return
    await queueNotification(deps, {
      organizationId,
      userId,
      kind: 'request_answered',
      dedupeKey: `${answer.request}:${answer.id}:${answer.status}`,
      url: answer.request === 'leave' ? '/m/leave' : '/m/corrections',
      params: { request: answer.request, approved: answer.status === 'approved', date: answer.date, note: answer.note },
    })
  })
}

/**
 * A member's invitation code was made: if the member's account has an email (and SMTP is configured), the link goes
 * there, in the member's language. `origin` is where the admin's request came to (PUBLIC_URL wins).
 */
export function invitationMade(deps: AppDeps, organizationId: number, memberId: number, invitation: { url: string; expires_at: string }, origin: string) {
  return bestEffort(async () => {
    const userId = await userOfMember(deps, organizationId, memberId)
    if (userId !== null) await emailInvitation(deps, organizationId, userId, invitation, origin)
  })
}

/**
 * A person with an account of their own was invited (as staff or member): they learn it by email, with the sign-in
 * page where they accept it (the dashboard's, or the phone's).
 */
export function accountInvited(deps: AppDeps, organizationId: number, invitation: { id: number; kind: 'staff' | 'member'; expires_at: string }, origin: string) {
  return bestEffort(async () => {
    const [row] = await deps.database.db
      .select({ userId: membershipInvitations.userId })
      .from(membershipInvitations)
      .where(and(eq(membershipInvitations.id, invitation.id), eq(membershipInvitations.organizationId, organizationId)))
    if (!row) return
    const url = invitation.kind === 'staff' ? '/admin/login' : '/m/login'
    await emailInvitation(deps, organizationId, row.userId, { url, expires_at: invitation.expires_at, key: `account-invitation:${invitation.id}` }, origin)
  })
}

async function emailInvitation(deps: AppDeps, organizationId: number, userId: number, invitation: { url: string; expires_at: string; key?: string }, origin: string) {
  const [org] = await deps.database.db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, organizationId))
  const { language } = await personSettings(deps.database.db, organizationId, userId)
  const link = `${(deps.notify?.publicUrl ?? origin).replace(/\/$/, '')}${invitation.url}`
  const expires = new Intl.DateTimeFormat(language === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(invitation.expires_at))
  await queueNotification(deps, {
    organizationId,
    userId,
    kind: 'invitation',
    dedupeKey: invitation.key ?? `invitation:${invitation.expires_at}`,
    url: link,
    params: { organization: org?.name ?? 'Hadir', link, expires },
  })
}
