import { Hono } from 'hono'
import { and, asc, eq, sql } from 'drizzle-orm'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { departments, invitations, organizationMembers, positions } from '../../db/schema'
import { audit } from '../../audit'
import { hashToken, randomCode } from '../../auth/crypto'
import { ConflictError, NotFoundError } from '../../errors'
import { idParam } from '../organizations/organizations.schemas'
import { memberInput, memberListQuery, memberParams, memberPatch, namedInput } from './members.schemas'
import { createMember, getMember, listMembers, updateMember } from './members.service'
import { invalidateFaces } from '../faces/faces.service'

const INVITATION_DAYS = 7

export const memberRoutes = new Hono<AppEnv>()
  .get('/:id/members', allow('member:view'), validate('param', idParam), validate('query', memberListQuery), async (c) => {
    const p = scoped(c)
    return ok(c, await listMembers(c.get('deps').database.db, p.organizationId, c.req.valid('query')))
  })
  .post('/:id/members', allow('member:manage'), validate('param', idParam), validate('json', memberInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const member = await c.get('deps').database.db.transaction(async (tx) => {
      const id = await createMember(tx, p.organizationId, input)
      await audit(tx, {
        organizationId: p.organizationId,
        actorUserId: p.userId,
        action: 'member.create',
        entityType: 'member',
        entityId: id,
        details: { role: input.role },
        ip: clientIp(c),
      })
      return getMember(tx, p.organizationId, id)
    })
    return ok(c, member, 201)
  })
  .get('/:id/members/:memberId', allow('member:view'), validate('param', memberParams), async (c) => {
    const p = scoped(c)
    return ok(c, await getMember(c.get('deps').database.db, p.organizationId, c.req.valid('param').memberId))
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
    if (input.status !== undefined) await invalidateFaces(c.get('deps'), p.organizationId)
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
      .database.db.select({ id: departments.id, name: departments.name, code: departments.code, work_schedule_id: departments.workScheduleId })
      .from(departments)
      .where(eq(departments.organizationId, p.organizationId))
      .orderBy(asc(departments.name))
    return ok(c, { departments: rows })
  })
  .post('/:id/departments', allow('member:manage'), validate('param', idParam), validate('json', namedInput), async (c) => {
    const p = scoped(c)
    const input = c.req.valid('json')
    const row = await c.get('deps').database.db.transaction(async (tx) => {
      const [dup] = await tx
        .select({ id: departments.id })
        .from(departments)
        .where(and(eq(departments.organizationId, p.organizationId), sql`lower(${departments.name}) = lower(${input.name})`))
      if (dup) throw new ConflictError('A department with this name exists', 'DUPLICATE_NAME', { field: 'name' })
      const [created] = await tx
        .insert(departments)
        .values({ organizationId: p.organizationId, name: input.name, code: input.code })
        .returning({ id: departments.id, name: departments.name, code: departments.code })
      await audit(tx, { organizationId: p.organizationId, actorUserId: p.userId, action: 'department.create', entityType: 'department', entityId: created!.id, ip: clientIp(c) })
      return created!
    })
    return ok(c, row, 201)
  })
  .get('/:id/positions', allow('member:view'), validate('param', idParam), async (c) => {
    const p = scoped(c)
    const rows = await c
      .get('deps')
      .database.db.select({ id: positions.id, name: positions.name })
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
