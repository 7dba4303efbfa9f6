import { Hono } from 'hono'
import { withTenant } from '../../db/tenant'
import { and, asc, count, eq, sql } from 'drizzle-orm'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { departments, invitations, organizationMembers, organizations, positions, workSchedules } from '../../db/schema'
import { audit } from '../../audit'
import { hashToken, randomCode } from '../../auth/crypto'
import { ConflictError, NotFoundError, ValidationError } from '../../errors'
import type { Tx } from '../../db/client'
import { attachment, CSV_TYPE, XLSX_TYPE } from '../../lib/spreadsheet'
import { membersExport } from '../imports/member-sheet'
import { deleteMember, memberDetail, recentAttendance } from './member-admin.service'
import { idParam } from '../organizations/organizations.schemas'
import { attendanceQuery, departmentInput, exportQuery, memberInput, memberListQuery, memberParams, memberPatch, namedInput, positionPatch, rowParams } from './members.schemas'
import { addMemberOrInvite, allMembers, getMember, listMembers, updateMember } from './members.service'
import { invalidateFaces } from '../faces/faces.service'

const INVITATION_DAYS = 7

export const memberRoutes = new Hono<AppEnv>()
  .get('/:id/members', allow('member:view'), validate('param', idParam), validate('query', memberListQuery), async (c) => {
    const p = scoped(c)
    return ok(c, await withTenant(c.get('deps').database.db, p.organizationId, (tx) => listMembers(tx, p.organizationId, c.req.valid('query'))))
  })
  .post('/:id/members', allow('member:manage'), validate('param', idParam), validate('json', memberInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const added = await c.get('deps').database.db.transaction(async (tx) => {
      const outcome = await addMemberOrInvite(tx, p.organizationId, input, p.userId)
      if (outcome.invitation) {
        // The email belongs to an account of its own: that person is invited and decides (202, nothing joined yet).
        const { invitation } = outcome
        await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'member.invite_account', entityType: 'invitation', entityId: invitation.id, details: { name: invitation.name, role: input.role }, ip: clientIp(c) })
        return { invitation }
      }
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'member.create',
        entityType: 'member',
        entityId: outcome.memberId,
        details: { role: input.role },
        ip: clientIp(c),
      })
      return { member: await getMember(tx, p.organizationId, outcome.memberId) }
    })
    if (added.invitation) return c.json({ success: true as const, data: { invitation: added.invitation } }, 202)
    return ok(c, added.member, 201)
  })
  // Registered before `/members/:memberId`, which would otherwise take "export" for an id.
  .get('/:id/members/export', allow('member:view'), validate('param', idParam), validate('query', exportQuery), async (c) => {
    const p = scoped(c)
    const { format, ...filters } = c.req.valid('query')
    const { members, org } = await withTenant(c.get('deps').database.db, p.organizationId, async (tx) => {
      const members = await allMembers(tx, p.organizationId, filters)
      const [org] = await tx.select({ name: organizations.name, slug: organizations.slug }).from(organizations).where(eq(organizations.id, p.organizationId))
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'member.export', entityType: 'member', details: { format, count: members.length, filters }, ip: clientIp(c) })
      return { members, org }
    })
    const lang = c.req.query('lang') === 'en' ? 'en' : 'id'
    const body = membersExport(members, format, lang)
    const day = new Date().toISOString().slice(0, 10)
    c.header('Content-Type', format === 'csv' ? CSV_TYPE : XLSX_TYPE)
    c.header('Content-Disposition', attachment(`${lang === 'en' ? 'members' : 'anggota'}-${org?.slug ?? p.organizationId}-${day}.${format}`))
    return c.body(typeof body === 'string' ? body : new Uint8Array(body))
  })
  .get('/:id/members/:memberId', allow('member:view'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    return ok(c, await withTenant(c.get('deps').database.db, p.organizationId, (tx) => memberDetail(tx, p.organizationId, c.req.valid('param').memberId)))
  })
  .delete('/:id/members/:memberId', allow('member:manage'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    return ok(c, await deleteMember(c.get('deps'), { organizationId: p.organizationId, memberId: c.req.valid('param').memberId, actorUserId: p.userId, ip: clientIp(c) }))
  })
  .get('/:id/members/:memberId/attendance', allow('attendance:record:view'), validate('param', memberParams), validate('query', attendanceQuery), async (c) => {
    const p = scoped(c)
    const records = await withTenant(c.get('deps').database.db, p.organizationId, (tx) => recentAttendance(tx, p.organizationId, c.req.valid('param').memberId, c.req.valid('query').limit))
    return ok(c, { records })
  })
  .patch('/:id/members/:memberId', allow('member:manage'), validate('param', memberParams), validate('json', memberPatch), async (c) => {
    const p = scoped(c)
    const { memberId } = c.req.valid('param')
    const input = c.req.valid('json')
    const member = await c.get('deps').database.db.transaction(async (tx) => {
      await updateMember(tx, p.organizationId, memberId, input)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'member.update',
        entityType: 'member',
        entityId: memberId,
        details: { fields: Object.keys(input) },
        ip: clientIp(c),
      })
      return getMember(tx, p.organizationId, memberId)
    })
    // An inactive member's face must stop matching at once.
    if (input.status !== undefined || input.role !== undefined) await invalidateFaces(c.get('deps'), p.organizationId)
    return ok(c, member)
  })
  .post('/:id/members/:memberId/invitations', allow('member:manage'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    const { memberId } = c.req.valid('param')
    const { secret } = c.get('deps')
    const code = randomCode(10)
    const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 3600_000)
    await c.get('deps').database.db.transaction(async (tx) => {
      const [m] = await tx
        .select({ id: organizationMembers.id, status: organizationMembers.status })
        .from(organizationMembers)
        .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, p.organizationId)))
      if (!m) throw new NotFoundError('Member')
      if (m.status !== 'active') throw new ConflictError('This member is inactive', 'MEMBER_INACTIVE')
      // A new invitation replaces any earlier unused one.
      await tx
        .delete(invitations)
        .where(and(eq(invitations.organizationMemberId, memberId), sql`${invitations.usedAt} is null`))
      await tx.insert(invitations).values({
        organizationId: p.organizationId,
        organizationMemberId: memberId,
        codeHash: hashToken(secret, code),
        expiresAt,
        createdBy: p.userId,
      })
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'member.invite',
        entityType: 'member',
        entityId: memberId,
        ip: clientIp(c),
      })
    })
    return ok(c, { code, url: `/m/invite/${code}`, expires_at: expiresAt.toISOString() }, 201)
  })
  .get('/:id/departments', allow('member:view'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const rows = await c
      .get('deps')
      .database.db.select({
        id: departments.id,
        name: departments.name,
        code: departments.code,
        work_schedule_id: departments.workScheduleId,
        members: sql<number>`(select count(*)::int from ${organizationMembers} om where om.department_id = "departments"."id" and om.organization_id = ${p.organizationId})`,
      })
      .from(departments)
      .where(eq(departments.organizationId, p.organizationId))
      .orderBy(asc(departments.name))
    return ok(c, { departments: rows })
  })
  .post('/:id/departments', allow('member:manage'), validate('param', idParam), validate('json', departmentInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [dup] = await tx
        .select({ id: departments.id })
        .from(departments)
        .where(and(eq(departments.organizationId, p.organizationId), sql`lower(${departments.name}) = lower(${input.name})`))
      if (dup) throw new ConflictError('A department with this name exists', 'DUPLICATE_NAME', { field: 'name' })
      if (input.work_schedule_id) await assertSchedule(tx, p.organizationId, input.work_schedule_id)
      const [created] = await tx
        .insert(departments)
        .values({ organizationId: p.organizationId, name: input.name, code: input.code, workScheduleId: input.work_schedule_id ?? null })
        .returning({ id: departments.id, name: departments.name, code: departments.code, work_schedule_id: departments.workScheduleId })
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'department.create', entityType: 'department', entityId: created!.id, ip: clientIp(c) })
      return created!
    })
    return ok(c, row, 201)
  })
  .get('/:id/positions', allow('member:view'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const rows = await c
      .get('deps')
      .database.db.select({
        id: positions.id,
        name: positions.name,
        members: sql<number>`(select count(*)::int from ${organizationMembers} om where om.position_id = "positions"."id" and om.organization_id = ${p.organizationId})`,
      })
      .from(positions)
      .where(eq(positions.organizationId, p.organizationId))
      .orderBy(asc(positions.name))
    return ok(c, { positions: rows })
  })
  .post('/:id/positions', allow('member:manage'), validate('param', idParam), validate('json', namedInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [dup] = await tx
        .select({ id: positions.id })
        .from(positions)
        .where(and(eq(positions.organizationId, p.organizationId), sql`lower(${positions.name}) = lower(${input.name})`))
      if (dup) throw new ConflictError('A position with this name exists', 'DUPLICATE_NAME', { field: 'name' })
      const [created] = await tx
        .insert(positions)
        .values({ organizationId: p.organizationId, name: input.name })
        .returning({ id: positions.id, name: positions.name })
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'position.create', entityType: 'position', entityId: created!.id, ip: clientIp(c) })
      return created!
    })
    return ok(c, row, 201)
  })
  .delete('/:id/departments/:rowId', allow('member:manage'), validate('param', rowParams), async (c) => {
    const p = scoped(c)
    const { rowId } = c.req.valid('param')
    await c.get('deps').database.db.transaction(async (tx) => {
      const [row] = await tx.select({ id: departments.id, name: departments.name }).from(departments).where(and(eq(departments.id, rowId), eq(departments.organizationId, p.organizationId)))
      if (!row) throw new NotFoundError('Department')
      const used = await membersUsing(tx, p.organizationId, 'department', rowId)
      if (used > 0) throw new ConflictError(`${used} member(s) are in this department: move them first`, 'IN_USE', { members: used })
      await tx.delete(departments).where(and(eq(departments.id, rowId), eq(departments.organizationId, p.organizationId)))
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'department.delete', entityType: 'department', entityId: rowId, details: { name: row.name }, ip: clientIp(c) })
    })
    return ok(c, { deleted: true })
  })
  .patch('/:id/positions/:rowId', allow('member:manage'), validate('param', rowParams), validate('json', positionPatch), async (c) => {
    const p = scoped(c)
    const { rowId } = c.req.valid('param')
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [dup] = await tx
        .select({ id: positions.id })
        .from(positions)
        .where(and(eq(positions.organizationId, p.organizationId), sql`lower(${positions.name}) = lower(${input.name})`, sql`${positions.id} <> ${rowId}`))
      if (dup) throw new ConflictError('A position with this name exists', 'DUPLICATE_NAME', { field: 'name' })
      const [updated] = await tx
        .update(positions)
        .set({ name: input.name, updatedAt: new Date() })
        .where(and(eq(positions.id, rowId), eq(positions.organizationId, p.organizationId)))
        .returning({ id: positions.id, name: positions.name })
      if (!updated) throw new NotFoundError('Position')
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'position.update', entityType: 'position', entityId: rowId, details: input, ip: clientIp(c) })
      return updated
    })
    return ok(c, row)
  })
  .delete('/:id/positions/:rowId', allow('member:manage'), validate('param', rowParams), async (c) => {
    const p = scoped(c)
    const { rowId } = c.req.valid('param')
    await c.get('deps').database.db.transaction(async (tx) => {
      const [row] = await tx.select({ id: positions.id, name: positions.name }).from(positions).where(and(eq(positions.id, rowId), eq(positions.organizationId, p.organizationId)))
      if (!row) throw new NotFoundError('Position')
      const used = await membersUsing(tx, p.organizationId, 'position', rowId)
      if (used > 0) throw new ConflictError(`${used} member(s) hold this position: change it first`, 'IN_USE', { members: used })
      await tx.delete(positions).where(and(eq(positions.id, rowId), eq(positions.organizationId, p.organizationId)))
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'position.delete', entityType: 'position', entityId: rowId, details: { name: row.name }, ip: clientIp(c) })
    })
    return ok(c, { deleted: true })
  })

async function membersUsing(tx: Tx, organizationId: number, kind: 'department' | 'position', id: number): Promise<number> {
  const column = kind === 'department' ? organizationMembers.departmentId : organizationMembers.positionId
  const [row] = await tx.select({ n: count() }).from(organizationMembers).where(and(eq(organizationMembers.organizationId, organizationId), eq(column, id)))
  return row?.n ?? 0
}

async function assertSchedule(tx: Tx, organizationId: number, scheduleId: number): Promise<void> {
  const [s] = await tx.select({ id: workSchedules.id }).from(workSchedules).where(and(eq(workSchedules.id, scheduleId), eq(workSchedules.organizationId, organizationId)))
  if (!s) throw new ValidationError('Unknown schedule', [{ path: 'work_schedule_id', message: 'Unknown schedule' }])
}
