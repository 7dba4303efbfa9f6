import { FACE_MODEL } from '../../../shared/face/model'
import { and, asc, count, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { z } from 'zod'
import type { Tx } from '../../db/client'
import { attendanceRecords, departments, memberFaceData, memberRoles, organizationMembers, organizations, positions, rolePermissions, roles, users } from '../../db/schema'
import { NotFoundError } from '../../errors'
import { localToIso } from '../../../shared/attendance/rules'
import type { memberListQuery } from './members.schemas'

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
  /** The first and last day they are expected, as an admin set them (null: from the day they were added / open). */
  start_date: string | null
  end_date: string | null
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`)
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
        start_date: r.m.startDate,
        end_date: r.m.endDate,
      },
    ]
  })
}

export async function getMember(tx: Tx, organizationId: number, memberId: number): Promise<MemberView> {
  const [member] = await describeMembers(tx, organizationId, [memberId])
  if (!member) throw new NotFoundError('Member')
  return member
}
