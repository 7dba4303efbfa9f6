import { and, eq, inArray, lt, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Tx } from '../../db/client'
import { departments, importJobs, memberRoles, organizationMembers, positions, roles, sessions, users } from '../../db/schema'
import { AppError } from '../../errors'
import { systemRoleId } from '../roles/roles.service'
import { inviteAccount } from '../invitations/membership-invitations.service'
import type { ParseErrorCode, ParsedRow } from './import.worker'

/**
 * Member import: header mapping, per-row validation (zod), the plan (what each row would do) and applying a plan in
 * the caller's transaction. Matching: by member number, else by email. An empty cell leaves a field as it is.
 */

export const IMPORT_COLUMNS = ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'] as const
export type ImportColumn = (typeof IMPORT_COLUMNS)[number]

/** Header spellings accepted for each column (after normaliseHeader): the template's, and common Indonesian ones. */
const HEADER_ALIASES: Record<ImportColumn, string[]> = {
  name: ['name', 'full_name', 'nama', 'nama_lengkap'],
  email: ['email', 'e_mail', 'email_address', 'alamat_email', 'surel'],
  phone: ['phone', 'phone_number', 'telepon', 'telp', 'no_telepon', 'nomor_telepon', 'hp', 'no_hp', 'nomor_hp', 'whatsapp', 'no_wa'],
  member_number: ['member_number', 'number', 'id_number', 'nomor_anggota', 'no_anggota', 'nomor_induk', 'nis', 'nisn', 'nip', 'nik_karyawan', 'nomor'],
  department: ['department', 'departemen', 'divisi', 'bagian', 'unit', 'kelas'],
  position: ['position', 'job_title', 'jabatan', 'posisi'],
  role: ['role', 'peran'],
}

export const MAX_LENGTH: Record<ImportColumn, number> = {
  name: 120,
  email: 254,
  phone: 40,
  member_number: 60,
  department: 120,
  position: 120,
  role: 20,
}

export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '')
}

function columnOf(header: string): ImportColumn | null {
  const key = normaliseHeader(header)
  for (const column of IMPORT_COLUMNS) if (HEADER_ALIASES[column].includes(key)) return column
  return null
}

export interface ColumnMap {
  /** Column -> its index in the row. */
  index: Partial<Record<ImportColumn, number>>
  /** Column -> the header text as written in the file. */
  headers: Partial<Record<ImportColumn, string>>
  ignored: string[]
}

export class ImportError extends AppError {}

export function parseFailure(code: ParseErrorCode, message: string): ImportError {
  const status = code === 'IMPORT_TOO_LARGE' ? 413 : 422
  return new ImportError(status, code, message)
}

function mapHeader(header: string[]): ColumnMap | null {
  const map: ColumnMap = { index: {}, headers: {}, ignored: [] }
  header.forEach((text, i) => {
    const column = columnOf(text)
    if (column && map.index[column] === undefined) {
      map.index[column] = i
      map.headers[column] = text.trim()
    } else if (text.trim() !== '') map.ignored.push(text.trim().slice(0, 60))
  })
  return map.index.name === undefined ? null : map
}

export interface SourceRow {
  n: number
  values: Record<ImportColumn, string>
}

/** The header (the first of the top rows that names a `name` column, so a title row above it is fine) and the rows. */
export function readTable(header: string[], rows: ParsedRow[]): { columns: ColumnMap; rows: SourceRow[] } {
  const all = [{ n: 0, cells: header }, ...rows]
  for (let i = 0; i < Math.min(all.length, 10); i++) {
    const columns = mapHeader(all[i]!.cells)
    if (!columns) continue
    const source = all.slice(i + 1).map((row) => {
      const values = {} as Record<ImportColumn, string>
      for (const column of IMPORT_COLUMNS) {
        const at = columns.index[column]
        values[column] = at === undefined ? '' : unneutralise((row.cells[at] ?? '').trim())
      }
      return { n: row.n, values }
    })
    return { columns, rows: source }
  }
  throw new ImportError(422, 'IMPORT_COLUMNS_MISSING', 'The file has no "name" column. Start from the template.', {
    missing: ['name'],
    found: header.map((h) => h.trim()).filter(Boolean).slice(0, 40),
    expected: [...IMPORT_COLUMNS],
  })
}

/** Hadir's own exports put an apostrophe before text that looks like a formula; reading it back takes it off again. */
function unneutralise(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value
}

// ---------------------------------------------------------------------------------------------------------------
// Row validation

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/
const isEmail = (v: string) => z.email().safeParse(v).success

/** Each column's rule; an issue's message is the stable reason code the dashboard translates. */
const rowSchema = z.object({
  name: z.string().min(1, 'required').max(MAX_LENGTH.name, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  email: z
    .string()
    .max(MAX_LENGTH.email, 'too_long')
    .transform((v) => v.toLowerCase())
    .refine((v) => v === '' || isEmail(v), 'invalid_email'),
  phone: z.string().max(MAX_LENGTH.phone, 'too_long').regex(/^[0-9+()\-./\s]*$/, 'invalid_phone'),
  member_number: z.string().max(MAX_LENGTH.member_number, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  department: z.string().max(MAX_LENGTH.department, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  position: z.string().max(MAX_LENGTH.position, 'too_long').regex(NO_CONTROL, 'invalid_text'),
  role: z
    .string()
    .transform((v) => v.toLowerCase())
    .refine((v) => ['', 'member', 'petugas', 'anggota', 'officer'].includes(v), 'invalid_role')
    .transform((v) => (v === 'anggota' ? 'member' : v === 'officer' ? 'petugas' : v) as '' | 'member' | 'petugas'),
})
type RowValues = z.infer<typeof rowSchema>

const REASONS: Record<string, string> = {
  required: 'Required',
  too_long: 'Too long',
  invalid_text: 'Contains control characters',
  invalid_email: 'Not a valid email address',
  invalid_phone: 'Not a phone number (digits, spaces, + - ( ) only)',
  invalid_role: 'Must be "member" or "petugas"',
  identifier_required: 'Give a member number or an email, so the row can be matched next time',
  duplicate_in_file: 'The same value is on an earlier row of this file',
  duplicate_member: 'An earlier row of this file already changes this member',
  email_taken: 'This email belongs to another person',
  number_taken: 'Another member already has this number',
  staff_account: 'This email belongs to a dashboard user of this organization',
  own_account: 'This person joined with their own account, so only they can change their name, email and phone',
}

export interface RowError {
  column: ImportColumn
  code: string
  message: string
  /** For too_long: the limit. For duplicate_in_file / duplicate_member: the earlier row. */
  max?: number
  row?: number
}

function rowError(column: ImportColumn, code: string, extra: { row?: number } = {}): RowError {
  const message = code === 'too_long' ? `At most ${MAX_LENGTH[column]} characters` : (REASONS[code] ?? code)
  return { column, code, message, ...(code === 'too_long' ? { max: MAX_LENGTH[column] } : {}), ...extra }
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

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
function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}
const lower = (v: string | null | undefined) => (v ?? '').toLowerCase()

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

async function namedRows(tx: Tx, table: typeof departments | typeof positions, organizationId: number) {
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

export interface ApplyResult {
  created: number
  /** Rows whose email has an account of its own: invited, not added (they accept first). */
  invited: number
  updated: number
  unchanged: number
  skipped: number
  departments_created: string[]
  positions_created: string[]
  created_ids: number[]
  updated_ids: number[]
}

export type Progress = (done: number, total: number) => Promise<void> | void

async function ensureNamed(tx: Tx, table: typeof departments | typeof positions, organizationId: number, names: string[]) {
  const map = await namedRows(tx, table, organizationId)
  const missing = names.filter((n) => !map.has(lower(n)))
  if (missing.length > 0) {
    const created = await tx
      .insert(table)
      .values(missing.map((name) => ({ organizationId, name })))
      .returning({ id: table.id, name: table.name })
    for (const c of created) map.set(lower(c.name), c)
  }
  return { map, created: missing }
}

/**
 * Applies a plan inside the caller's transaction (the caller re-plans inside that same transaction, so the plan
 * matches the data it changes). Departments and positions named in the file are created as needed.
 */
export async function applyPlan(tx: Tx, organizationId: number, plan: ImportPlan, progress?: Progress, invitedBy: number | null = null): Promise<ApplyResult> {
  const total = plan.creates.length + plan.invites.length + plan.updates.length
  let done = 0
  const wanted = (key: 'department' | 'position') => [
    ...new Map([...plan.creates, ...plan.invites, ...plan.updates].filter((op) => op.values[key]).map((op) => [lower(op.values[key]), op.values[key]])).values(),
  ]
  const depts = await ensureNamed(tx, departments, organizationId, wanted('department'))
  const poss = await ensureNamed(tx, positions, organizationId, wanted('position'))
  const roleId = { member: await systemRoleId(tx, 'member'), petugas: await systemRoleId(tx, 'petugas') }
  const createdIds: number[] = []

  for (const part of chunks(plan.creates, 500)) {
    const fresh = part.filter((op) => op.userId === null)
    if (fresh.length > 0) {
      // PostgreSQL returns the rows of a multi-row INSERT in the order given.
      const ids = await tx
        .insert(users)
        .values(fresh.map((op) => ({ name: op.values.name, email: op.values.email || null, phone: op.values.phone || null })))
        .returning({ id: users.id })
      fresh.forEach((op, i) => (op.userId = ids[i]!.id))
    }
    const inserted = await tx
      .insert(organizationMembers)
      .values(
        part.map((op) => ({
          organizationId,
          userId: op.userId!,
          memberNumber: op.values.member_number || null,
          departmentId: op.values.department ? depts.map.get(lower(op.values.department))!.id : null,
          positionId: op.values.position ? poss.map.get(lower(op.values.position))!.id : null,
        })),
      )
      .returning({ id: organizationMembers.id })
    await tx.insert(memberRoles).values(part.map((op, i) => ({ organizationId, organizationMemberId: inserted[i]!.id, roleId: roleId[op.values.role || 'member'] })))
    createdIds.push(...inserted.map((r) => r.id))
    done += part.length
    await progress?.(done, total)
  }

  for (const op of plan.invites) {
    await inviteAccount(tx, {
      organizationId,
      userId: op.userId,
      kind: 'member',
      roleId: roleId[op.values.role || 'member'],
      name: op.values.name,
      email: op.values.email,
      memberNumber: op.values.member_number || null,
      departmentId: op.values.department ? depts.map.get(lower(op.values.department))!.id : null,
      positionId: op.values.position ? poss.map.get(lower(op.values.position))!.id : null,
      createdBy: invitedBy,
    })
    done++
    if (done % 100 === 0 || done === total) await progress?.(done, total)
  }

  for (const op of plan.updates) {
    const c = op.changes
    if (c.name || c.email || c.phone) {
      await tx
        .update(users)
        .set({ name: c.name?.to, email: c.email?.to, phone: c.phone?.to, updatedAt: new Date() })
        .where(eq(users.id, op.userId))
    }
    if (c.member_number || c.department || c.position) {
      await tx
        .update(organizationMembers)
        .set({
          memberNumber: c.member_number?.to,
          departmentId: c.department ? depts.map.get(lower(op.values.department))!.id : undefined,
          positionId: c.position ? poss.map.get(lower(op.values.position))!.id : undefined,
          updatedAt: new Date(),
        })
        .where(and(eq(organizationMembers.id, op.memberId), eq(organizationMembers.organizationId, organizationId)))
    }
    if (c.role && op.values.role) {
      await tx
        .delete(memberRoles)
        .where(and(eq(memberRoles.organizationMemberId, op.memberId), inArray(memberRoles.roleId, [roleId.member, roleId.petugas])))
      await tx.insert(memberRoles).values({ organizationId, organizationMemberId: op.memberId, roleId: roleId[op.values.role] })
      // A new role means signing in again.
      await tx.delete(sessions).where(eq(sessions.organizationMemberId, op.memberId))
    }
    done++
    if (done % 100 === 0 || done === total) await progress?.(done, total)
  }
  return {
    created: plan.creates.length,
    invited: plan.invites.length,
    updated: plan.updates.length,
    unchanged: plan.counts.unchanged,
    skipped: plan.counts.error,
    departments_created: depts.created,
    positions_created: poss.created,
    created_ids: createdIds,
    updated_ids: plan.updates.map((u) => u.memberId),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Import jobs: a preview is kept (with the rows it read) so that "apply" writes exactly what was shown.

export const PREVIEW_TTL_MS = 24 * 3600_000

export interface JobSummary extends Record<string, unknown> {
  format: string
  sheet: string | null
  columns: Partial<Record<ImportColumn, string>>
  ignored_columns: string[]
  counts: ImportPlan['counts']
  new_departments: string[]
  new_positions: string[]
  /** The rows read from the file, until the import is applied (then dropped). */
  source: SourceRow[] | null
  result?: Omit<ApplyResult, 'created_ids' | 'updated_ids'>
}

export async function dropStalePreviews(tx: Tx, organizationId: number): Promise<void> {
  await tx
    .delete(importJobs)
    .where(and(eq(importJobs.organizationId, organizationId), eq(importJobs.status, 'previewed'), lt(importJobs.createdAt, new Date(Date.now() - PREVIEW_TTL_MS))))
}
