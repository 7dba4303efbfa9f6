// The kind of an excused day (sick / permit / leave: Sakit, Izin, Cuti), one rule for the member's own days, the member
// admin page and today at a glance; the report grid applies the same rule set-wise (reports.grid.ts: excuseKinds).
import { sql } from 'drizzle-orm'

export type ExcuseKind = 'sick' | 'permit' | 'leave'

/** A leave request's kind as a day's excuse: 'other' (lainnya) counts as Izin, like a day excused by hand. */
export function excuseKindOf(kind: string | null | undefined): ExcuseKind {
  return kind === 'sick' ? 'sick' : kind === 'leave' ? 'leave' : 'permit'
}

/**
 * An excused day's kind (sick / permit / leave: Sakit, Izin, Cuti) as the reports tell it: the leave request whose
 * approval wrote the day, else an approved request covering it, else Izin; null for a day that is not excused. Columns
 * are named with their table: drizzle writes a lone table's columns bare, which the subqueries would misread.
 */
export const recordExcuseKind = sql<'sick' | 'permit' | 'leave' | null>`case when ${sql.raw('"attendance_records"."status"')} = 'excused' then
  case coalesce(
    (select lr.kind from attendance_record_history h join leave_requests lr on lr.organization_id = h.organization_id and lr.id = (h.after ->> 'leave_request_id')::int
      where h.attendance_record_id = ${sql.raw('"attendance_records"."id"')} and h.organization_id = ${sql.raw('"attendance_records"."organization_id"')} and h.action = 'excuse' order by h.id desc limit 1),
    (select lr.kind from leave_requests lr where lr.organization_id = ${sql.raw('"attendance_records"."organization_id"')} and lr.organization_member_id = ${sql.raw('"attendance_records"."organization_member_id"')}
      and lr.status = 'approved' and ${sql.raw('"attendance_records"."attendance_date"')} between lr.start_date and lr.end_date order by lr.decided_at desc nulls last, lr.id desc limit 1))
  when 'sick' then 'sick' when 'leave' then 'leave' else 'permit' end end`
