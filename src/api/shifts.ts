// Shift types and the roster (docs/api.md, "Shifts and the roster"). `id` is the active organization.
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

export { PATTERN_MAX_DAYS, ROSTER_MAX_DAYS, SHIFT_CODE_MAX, shiftTypeInput } from '@shared/attendance/shifts'

const o = routes.organizations[':id']
const rp = (id: string, rowId: Id) => ({ param: { id, rowId: String(rowId) } })

export const listShiftTypes = (id: string) => call(o['shift-types'].$get({ param: { id } }))
export type ShiftTypeRow = AnswerOf<typeof listShiftTypes>['shift_types'][number]
export type ShiftTypeBody = Parameters<typeof o['shift-types']['$post']>[0]['json']
export const createShiftType = (id: string, body: ShiftTypeBody) => call(o['shift-types'].$post({ param: { id }, json: body }))
export const updateShiftType = (id: string, rowId: Id, body: Partial<ShiftTypeBody>) => call(o['shift-types'][':rowId'].$patch({ ...rp(id, rowId), json: body }))
export const deleteShiftType = (id: string, rowId: Id) => call(o['shift-types'][':rowId'].$delete(rp(id, rowId)))

/** The roster of [start, end] (at most 62 days), of one department or everyone. */
export const getRoster = (id: string, start: string, end: string, departmentId?: number) =>
  call(o.roster.$get({ param: { id }, query: { start, end, department_id: departmentId } }))
export type Roster = AnswerOf<typeof getRoster>
export type RosterMember = Roster['members'][number]

export interface RosterCell { member_id: number; date: string; shift_type_id?: number | null; clear?: boolean }
export const setRosterCells = (id: string, cells: RosterCell[]) => call(o.roster.$put({ param: { id }, json: { cells } }))
export type RosterPattern = Parameters<typeof o.roster.pattern.$post>[0]['json']
export const applyRosterPattern = (id: string, body: RosterPattern) => call(o.roster.pattern.$post({ param: { id }, json: body }))
