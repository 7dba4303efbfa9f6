// Member import, the plan: what every row would do against the organization's data (create, invite, update,
// unchanged, error). Matching: by member number, else by email. Reads only.
import { eq, inArray, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, memberRoles, organizationMembers, positions, roles, users } from '../../db/schema'
import { MAX_LENGTH, rowError, rowSchema, type ImportColumn, type RowError, type RowValues, type SourceRow } from './import.rows'

/** `invite`: the email belongs to an account of its own that is not in the organization: that person is invited. */
export type RowAction = 'create' | 'invite' | 'update' | 'unchanged' | 'error'

export interface Change {
  from: string | null
  to: string
}

export interface PlannedRow {
  row: number
  action: RowAction
  member_id: number | null
  name: string
  member_number: string | null
  email: string | null
  changes?: Partial<Record<ImportColumn, Change>>
  errors?: RowError[]
}

interface CreateOp {
  row: number
  values: RowValues
  userId: number | null
}
interface InviteOp {
  row: number
  values: RowValues
  userId: number
}
interface UpdateOp {
  row: number
  memberId: number
  userId: number
  values: RowValues
  changes: Partial<Record<ImportColumn, Change>>
}

export interface ImportPlan {
  rows: PlannedRow[]
  counts: { total: number; create: number; invite: number; update: number; unchanged: number; error: number }
  new_departments: string[]
  new_positions: string[]
  creates: CreateOp[]
  invites: InviteOp[]
  updates: UpdateOp[]
}

interface Existing {
  id: number
  userId: number
  name: string
  email: string | null
  phone: string | null
  memberNumber: string | null
  departmentId: number | null
  positionId: number | null
  mobileRoles: string[]
  dashboard: boolean
  /** The organization made the account (may change name, email, phone); false when they joined with their own. */
  managesAccount: boolean
}

const CHUNK = 1000
export function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}
export const lower = (v: string | null | undefined) => (v ?? '').toLowerCase()

async function loadExisting(tx: Tx, organizationId: number) {
  const rows = await tx
    .select({
      id: organizationMembers.id,
      userId: organizationMembers.userId,
      memberNumber: organizationMembers.memberNumber,
      departmentId: organizationMembers.departmentId,
      positionId: organizationMembers.positionId,
      name: users.name,
      email: users.email,
      phone: users.phone,
      managesAccount: organizationMembers.managesAccount,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.organizationId, organizationId))
  const roleRows = await tx
    .select({ memberId: memberRoles.organizationMemberId, key: roles.key, surface: roles.surface })
    .from(memberRoles)
    .innerJoin(roles, eq(roles.id, memberRoles.roleId))
    .where(eq(memberRoles.organizationId, organizationId))
  const rolesOf = new Map<number, { mobile: string[]; dashboard: boolean }>()
  for (const r of roleRows) {
    const entry = rolesOf.get(r.memberId) ?? { mobile: [], dashboard: false }
    if (r.surface === 'mobile') entry.mobile.push(r.key)
    else entry.dashboard = true
    rolesOf.set(r.memberId, entry)
  }
  return rows.map<Existing>((r) => ({
    ...r,
    mobileRoles: rolesOf.get(r.id)?.mobile.sort() ?? [],
    dashboard: rolesOf.get(r.id)?.dashboard ?? false,
  }))
}

async function usersByEmail(tx: Tx, emails: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const part of chunks([...new Set(emails)])) {
    const rows = await tx
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(inArray(sql`lower(${users.email})`, part))
    for (const r of rows) out.set(lower(r.email), r.id)
  }
  return out
}

export async function namedRows(tx: Tx, table: typeof departments | typeof positions, organizationId: number) {
  const rows = await tx.select({ id: table.id, name: table.name }).from(table).where(eq(table.organizationId, organizationId))
  return new Map(rows.map((r) => [lower(r.name), r]))
}

/** What every row would do against the organization's current data. Reads only. */
export async function planImport(tx: Tx, organizationId: number, source: SourceRow[]): Promise<ImportPlan> {
  const existing = await loadExisting(tx, organizationId)
  const members = existing.filter((m) => m.mobileRoles.length > 0)
  const byNumber = new Map(members.filter((m) => m.memberNumber).map((m) => [m.memberNumber!, m]))
  const byEmail = new Map(members.filter((m) => m.email).map((m) => [lower(m.email), m]))
  const numberHolder = new Map(existing.filter((m) => m.memberNumber).map((m) => [m.memberNumber!, m.id]))
  const staffByEmail = new Map(existing.filter((m) => m.email && m.mobileRoles.length === 0).map((m) => [lower(m.email), m.id]))
  const emailOwner = await usersByEmail(
    tx,
    source.map((r) => r.values.email.toLowerCase()).filter((e) => e !== '' && e.length <= MAX_LENGTH.email),
  )
  const depts = await namedRows(tx, departments, organizationId)
  const poss = await namedRows(tx, positions, organizationId)
  const deptName = new Map([...depts.values()].map((d) => [d.id, d.name]))
  const posName = new Map([...poss.values()].map((p) => [p.id, p.name]))

  const plan: ImportPlan = {
    rows: [],
    counts: { total: source.length, create: 0, invite: 0, update: 0, unchanged: 0, error: 0 },
    new_departments: [],
    new_positions: [],
    creates: [],
    invites: [],
    updates: [],
  }
  const newDepts = new Map<string, string>()
  const newPoss = new Map<string, string>()
  const seenNumber = new Map<string, number>()
  const seenEmail = new Map<string, number>()
  const seenMember = new Map<number, number>()

  for (const src of source) {
    const errors: RowError[] = []
    const parsed = rowSchema.safeParse(src.values)
    const display = {
      row: src.n,
      name: src.values.name.slice(0, MAX_LENGTH.name + 1),
      member_number: src.values.member_number.slice(0, MAX_LENGTH.member_number + 1) || null,
      email: src.values.email.slice(0, MAX_LENGTH.email + 1).toLowerCase() || null,
    }
    if (!parsed.success) {
      const seen = new Set<string>()
      for (const issue of parsed.error.issues) {
        const column = issue.path[0] as ImportColumn
        if (seen.has(column)) continue
        seen.add(column)
        errors.push(rowError(column, issue.message))
      }
    }
    const v = parsed.success ? parsed.data : null
    if (v && !v.member_number && !v.email) errors.push(rowError('member_number', 'identifier_required'))
    if (v?.member_number) {
      const first = seenNumber.get(v.member_number)
      if (first !== undefined) errors.push(rowError('member_number', 'duplicate_in_file', { row: first }))
      else seenNumber.set(v.member_number, src.n)
    }
    if (v?.email) {
      const first = seenEmail.get(v.email)
      if (first !== undefined) errors.push(rowError('email', 'duplicate_in_file', { row: first }))
      else seenEmail.set(v.email, src.n)
    }
    if (!v || errors.length > 0) {
      plan.rows.push({ ...display, action: 'error', member_id: null, errors })
      plan.counts.error++
      continue
    }

    const match = (v.member_number ? byNumber.get(v.member_number) : undefined) ?? (v.email ? byEmail.get(v.email) : undefined)
    if (!match) {
      if (v.email && staffByEmail.has(v.email)) errors.push(rowError('email', 'staff_account'))
      if (v.member_number && numberHolder.has(v.member_number)) errors.push(rowError('member_number', 'number_taken'))
      if (errors.length > 0) {
        plan.rows.push({ ...display, action: 'error', member_id: null, errors })
        plan.counts.error++
        continue
      }
      const userId = v.email ? (emailOwner.get(v.email) ?? null) : null
      if (v.department && !depts.has(lower(v.department)) && !newDepts.has(lower(v.department))) newDepts.set(lower(v.department), v.department)
      if (v.position && !poss.has(lower(v.position)) && !newPoss.has(lower(v.position))) newPoss.set(lower(v.position), v.position)
      if (userId !== null) {
        // An account of its own (made elsewhere): never attached by an import; the person gets an invitation.
        plan.invites.push({ row: src.n, values: v, userId })
        plan.rows.push({ ...display, action: 'invite', member_id: null })
        plan.counts.invite++
        continue
      }
      plan.creates.push({ row: src.n, values: v, userId })
      plan.rows.push({ ...display, action: 'create', member_id: null })
      plan.counts.create++
      continue
    }

    const earlier = seenMember.get(match.id)
    if (earlier !== undefined) errors.push(rowError(v.member_number && byNumber.get(v.member_number) === match ? 'member_number' : 'email', 'duplicate_member', { row: earlier }))
    seenMember.set(match.id, src.n)
    const changes: Partial<Record<ImportColumn, Change>> = {}
    if (v.name !== match.name) changes.name = { from: match.name, to: v.name }
    if (v.email && v.email !== lower(match.email)) {
      const owner = emailOwner.get(v.email)
      if (owner !== undefined && owner !== match.userId) errors.push(rowError('email', 'email_taken'))
      changes.email = { from: match.email, to: v.email }
    }
    if (v.phone && v.phone !== (match.phone ?? '')) changes.phone = { from: match.phone, to: v.phone }
    if (v.member_number && v.member_number !== match.memberNumber) {
      const holder = numberHolder.get(v.member_number)
      if (holder !== undefined && holder !== match.id) errors.push(rowError('member_number', 'number_taken'))
      changes.member_number = { from: match.memberNumber, to: v.member_number }
    }
    const currentDept = match.departmentId ? (deptName.get(match.departmentId) ?? null) : null
    if (v.department && lower(v.department) !== lower(currentDept)) {
      changes.department = { from: currentDept, to: depts.get(lower(v.department))?.name ?? v.department }
      if (!depts.has(lower(v.department)) && !newDepts.has(lower(v.department))) newDepts.set(lower(v.department), v.department)
    }
    const currentPos = match.positionId ? (posName.get(match.positionId) ?? null) : null
    if (v.position && lower(v.position) !== lower(currentPos)) {
      changes.position = { from: currentPos, to: poss.get(lower(v.position))?.name ?? v.position }
      if (!poss.has(lower(v.position)) && !newPoss.has(lower(v.position))) newPoss.set(lower(v.position), v.position)
    }
    if (v.role && (match.mobileRoles.length !== 1 || match.mobileRoles[0] !== v.role)) {
      changes.role = { from: match.mobileRoles.join(', ') || null, to: v.role }
    }
    if (!match.managesAccount) {
      const personal = (['name', 'email', 'phone'] as const).find((c) => changes[c])
      if (personal) errors.push(rowError(personal, 'own_account'))
    }
    const base = { ...display, member_id: match.id }
    if (errors.length > 0) {
      plan.rows.push({ ...base, action: 'error', errors })
      plan.counts.error++
    } else if (Object.keys(changes).length === 0) {
      plan.rows.push({ ...base, action: 'unchanged' })
      plan.counts.unchanged++
    } else {
      plan.updates.push({ row: src.n, memberId: match.id, userId: match.userId, values: v, changes })
      plan.rows.push({ ...base, action: 'update', changes })
      plan.counts.update++
    }
  }
  plan.new_departments = [...newDepts.values()]
  plan.new_positions = [...newPoss.values()]
  return plan
}
