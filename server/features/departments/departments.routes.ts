import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { allow } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { ok } from '../../lib/http'
import { serviceContext } from '../../lib/service-context'
import { idParam, rowParams } from '../organizations/organizations.schemas'
import { departmentInput, departmentPatch } from './departments.schemas'
import { createDepartment, deleteDepartment, listDepartments, updateDepartment } from './departments.service'

/** An organization's departments (mounted at /api/organizations), each optionally following a work schedule. */
export const departmentRoutes = new Hono<AppEnv>()
  .get('/:id/departments', allow('member:view'), validate('param', idParam), async (c) => {
    return ok(c, { departments: await listDepartments(serviceContext(c)) })
  })
  .post('/:id/departments', allow('member:manage'), validate('param', idParam), validate('json', departmentInput), async (c) => {
    return ok(c, await createDepartment(serviceContext(c), c.req.valid('json')), 201)
  })
  .patch('/:id/departments/:rowId', allow('member:manage'), validate('param', rowParams), validate('json', departmentPatch), async (c) => {
    return ok(c, await updateDepartment(serviceContext(c), c.req.valid('param').rowId, c.req.valid('json')))
  })
  .delete('/:id/departments/:rowId', allow('member:manage'), validate('param', rowParams), async (c) => {
    return ok(c, await deleteDepartment(serviceContext(c), c.req.valid('param').rowId))
  })
