import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { attachment, CSV_TYPE, XLSX_TYPE } from '../../lib/spreadsheet'
import { membersExport } from '../imports/member-sheet'
import { deleteMember, memberDetail, recentAttendance } from './member-admin.service'
import { idParam } from '../organizations/organizations.schemas'
import { attendanceQuery, exportQuery, memberInput, memberListQuery, memberParams, memberPatch } from './members.schemas'
import { addMember, editMember, exportMembers, inviteMember, memberPage } from './members.service'
import { accountInvited, invitationMade } from '../notifications/triggers'

export const memberRoutes = new Hono<AppEnv>()
  .get('/:id/members', allow('member:view'), validate('param', idParam), validate('query', memberListQuery), async (c) => {
    return ok(c, await memberPage(serviceContext(c), c.req.valid('query')))
  })
  .post('/:id/members', allow('member:manage'), validate('param', idParam), validate('json', memberInput), async (c) => {
    const added = await addMember(serviceContext(c), c.req.valid('json'))
    // The email belongs to an account of its own: that person is invited and decides (202, nothing joined yet).
    if (added.invitation) await accountInvited(c.get('deps'), scoped(c).organizationId, added.invitation, new URL(c.req.url).origin)
    if (added.invitation) return c.json({ success: true as const, data: { invitation: added.invitation } }, 202)
    return ok(c, added.member, 201)
  })
  // Registered before `/members/:memberId`, which would otherwise take "export" for an id.
  .get('/:id/members/export', allow('member:view'), validate('param', idParam), validate('query', exportQuery), async (c) => {
    const ctx = serviceContext(c)
    const { format, ...filters } = c.req.valid('query')
    const { members, org } = await exportMembers(ctx, filters, format)
    const lang = c.req.query('lang') === 'en' ? 'en' : 'id'
    const body = await membersExport(members, format, lang)
    const day = new Date().toISOString().slice(0, 10)
    c.header('Content-Type', format === 'csv' ? CSV_TYPE : XLSX_TYPE)
    c.header('Content-Disposition', attachment(`${lang === 'en' ? 'members' : 'anggota'}-${org?.slug ?? ctx.organizationId}-${day}.${format}`))
    return c.body(typeof body === 'string' ? body : new Uint8Array(body))
  })
  .get('/:id/members/:memberId', allow('member:view'), validate('param', memberParams), async (c) => {
    return ok(c, await memberDetail(serviceContext(c), c.req.valid('param').memberId))
  })
  .delete('/:id/members/:memberId', allow('member:manage'), validate('param', memberParams), async (c) => {
    return ok(c, await deleteMember(serviceContext(c), c.req.valid('param').memberId))
  })
  .get('/:id/members/:memberId/attendance', allow('attendance:record:view'), validate('param', memberParams), validate('query', attendanceQuery), async (c) => {
    const records = await recentAttendance(serviceContext(c), c.req.valid('param').memberId, c.req.valid('query').limit)
    return ok(c, { records })
  })
  .patch('/:id/members/:memberId', allow('member:manage'), validate('param', memberParams), validate('json', memberPatch), async (c) => {
    return ok(c, await editMember(serviceContext(c), c.req.valid('param').memberId, c.req.valid('json')))
  })
  .post('/:id/members/:memberId/invitations', allow('member:manage'), validate('param', memberParams), async (c) => {
    const ctx = serviceContext(c)
    const { memberId } = c.req.valid('param')
    const invitation = await inviteMember(ctx, memberId)
    await invitationMade(ctx.deps, ctx.organizationId, memberId, invitation, new URL(c.req.url).origin)
    return ok(c, invitation, 201)
  })
