// Overtime (docs/api.md, GET /overtime and POST /attendance/:recordId/overtime). `id` is the active organization.
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

const o = routes.organizations[':id']

export type OvertimeStatus = 'counted' | 'pending' | 'approved' | 'rejected'
export const getOvertime = (id: string, month: string, departmentId?: number, status?: OvertimeStatus) => call(o.overtime.$get({ param: { id }, query: { month, department_id: departmentId, status } }))
export type OvertimeMonth = AnswerOf<typeof getOvertime>
export type OvertimeDay = OvertimeMonth['days'][number]

export const decideOvertime = (id: string, recordId: Id, body: { decision: 'approved' | 'rejected'; minutes?: number; note?: string }) =>
  call(o.attendance[':recordId'].overtime.$post({ param: { id, recordId: String(recordId) }, json: body }))
