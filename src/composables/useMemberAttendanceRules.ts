// The member app's attendance logic without Vue, Dexie or the network (tested alone): what the next tap is, what a
// capture record looks like, what the confirmation screen says, and the member's history merged with this phone's
// unsent captures.
import { ATTENDANCE_FLAGS } from '@shared/attendance/flags'
import { checkInStatus, checkOutStatus, scheduleOn, type WorkSchedule } from '@shared/attendance/rules'
import { isoWeekday } from '@shared/calendar'
import { nextKind } from '@shared/attendance/kind'
import { formatCalendarDate } from '~/composables/useFormat'
import type { AttendanceKind } from '@shared/attendance/sync'
import type { AttendanceStatus, CaptureStatus, OwnAttendance } from '~/api/attendance'
import type { OutboxRecord } from '~/offline/db'

/** Whether the server already has a check-in for this member on this (organization-local) date. */
export function serverCheckedIn(records: readonly OwnAttendance[] | null | undefined, date: string): boolean {
  return !!records?.some((r) => r.attendance_date === date && !!r.check_in_time)
}

/** The next tap of the day: check-in first, then check-out (server record, or this phone's own captures). */
export const decideKind = nextKind

export interface Position {
  latitude: number
  longitude: number
  accuracy: number
}

export interface CaptureInput {
  clientId: string
  memberId: number
  kind: AttendanceKind
  capturedAt: Date
  /** The organization-local date and time of the capture. */
  localDate: string
  localTime: string
  remarks?: string
  position?: Position | null
}

/**
 * The SyncRecord of a member's own capture. Its evidence travels beside it in the outbox (bytes until sent); the phone
 * makes no claim about the face (no descriptor, no score): the server derives both from the evidence.
 */
export function buildCaptureRecord(input: CaptureInput): OutboxRecord {
  const remarks = input.remarks?.trim()
  const record: OutboxRecord = {
    client_id: input.clientId,
    member_id: input.memberId,
    kind: input.kind,
    captured_at: input.capturedAt.toISOString(),
    attendance_date: input.localDate,
  }
  if (input.kind === 'check_in') record.check_in_time = input.localTime
  if (remarks) record.remarks = remarks.slice(0, 500)
  const p = input.position
  if (p && Number.isFinite(p.latitude) && Number.isFinite(p.longitude) && Math.abs(p.latitude) <= 90 && Math.abs(p.longitude) <= 180) {
    record.latitude = p.latitude
    record.longitude = p.longitude
    if (Number.isFinite(p.accuracy) && p.accuracy >= 0) record.accuracy = Math.min(1_000_000, Math.round(p.accuracy * 10) / 10)
  }
  return record
}

/**
 * What the confirmation screen says about a capture, computed on the phone with the shared rules (also offline);
 * `schedule` as it applies on the capture's day (`scheduleOn`).
 */
export interface CaptureOutcome {
  kind: AttendanceKind
  /** HH:MM, organization-local. */
  time: string
  /** check-in only; null when the schedule is unknown. */
  status: 'present' | 'late' | null
  lateMinutes: number
  /** check-out only. */
  leftEarly: boolean
  earlyMinutes: number
}

export function captureOutcome(kind: AttendanceKind, localTime: string, schedule: WorkSchedule | null): CaptureOutcome {
  const out: CaptureOutcome = { kind, time: localTime.slice(0, 5), status: null, lateMinutes: 0, leftEarly: false, earlyMinutes: 0 }
  if (!schedule) return out
  if (kind === 'check_in') {
    const s = checkInStatus(schedule, localTime)
    out.status = s.status
    out.lateMinutes = s.lateMinutes
  } else {
    const s = checkOutStatus(schedule, localTime)
    out.leftEarly = s.leftEarly
    out.earlyMinutes = s.earlyMinutes
  }
  return out
}

/** The i18n key (under `checkin.`) and parameters of the outcome's status line. */
export function outcomeText(o: CaptureOutcome): { key: string; params: Record<string, number> } | null {
  if (o.kind === 'check_in') {
    if (o.status === 'present') return { key: 'checkin.status.onTime', params: {} }
    if (o.status === 'late') return { key: 'checkin.status.late', params: { minutes: o.lateMinutes } }
    return null
  }
  if (o.leftEarly) return { key: 'checkin.status.leftEarly', params: { minutes: o.earlyMinutes } }
  return { key: 'checkin.status.checkedOut', params: {} }
}

export function flagKey(flag: string): string {
  return (ATTENDANCE_FLAGS as readonly string[]).includes(flag) ? `history.flag.${flag}` : 'history.flag.other'
}

/** One of this phone's captures that the server has not acknowledged yet. */
export interface UnsentCapture {
  client_id: string
  kind: AttendanceKind
  date: string
  /** HH:MM:SS, organization-local. */
  time: string
  state: 'pending' | 'attention'
}

export interface HistoryTime {
  time: string
  /** Only on this phone so far: waiting to be sent, or refused by the server. */
  unsent: 'pending' | 'attention' | null
}

export interface HistoryRow {
  date: string
  checkIn: HistoryTime | null
  checkOut: HistoryTime | null
  status: AttendanceStatus | null
  flags: string[]
  approval: string | null
  remarks: string | null
  /** An excused day's kind (Sakit, Izin, Cuti), when the server knows it. */
  excuseKind: 'sick' | 'permit' | 'leave' | null
  /** Some of this day is only on this phone. */
  unsent: boolean
}

const hhmm = (t: string | null | undefined) => (t ? t.slice(0, 5) : null)

/**
 * The member's days, newest first: the server's records, with this phone's unsent captures folded in (an earlier
 * unsent check-in or a later unsent check-out shows instead of the server's, marked). A day only on this phone gets
 * its status from the shared rules, like the confirmation screen.
 */
export function mergeHistory(server: readonly OwnAttendance[], unsent: readonly UnsentCapture[], schedule: WorkSchedule | null): HistoryRow[] {
  const rows = new Map<string, HistoryRow>()
  for (const r of server) {
    rows.set(r.attendance_date, {
      date: r.attendance_date,
      checkIn: r.check_in_time ? { time: hhmm(r.check_in_time)!, unsent: null } : null,
      checkOut: r.check_out_time ? { time: hhmm(r.check_out_time)!, unsent: null } : null,
      status: r.status,
      flags: [...(r.flags ?? [])],
      approval: r.approval_status ?? null,
      remarks: r.remarks ?? null,
      excuseKind: r.excuse_kind ?? null,
      unsent: false,
    })
  }
  const ordered = [...unsent].sort((a, b) => (a.date + a.time).localeCompare(b.date + b.time))
  for (const c of ordered) {
    let row = rows.get(c.date)
    if (!row) {
      row = { date: c.date, checkIn: null, checkOut: null, status: null, flags: [], approval: null, remarks: null, excuseKind: null, unsent: true }
      rows.set(c.date, row)
    }
    row.unsent = true
    const time = hhmm(c.time)!
    if (c.kind === 'check_in') {
      if (!row.checkIn || time < row.checkIn.time) row.checkIn = { time, unsent: c.state }
    } else if (!row.checkOut || time >= row.checkOut.time) {
      row.checkOut = { time, unsent: c.state }
    }
    if (row.status === null && row.checkIn && schedule) row.status = checkInStatus(scheduleOn(schedule, isoWeekday(row.date)), `${row.checkIn.time}:00`).status
  }
  return [...rows.values()].sort((a, b) => b.date.localeCompare(a.date))
}

/** Milliseconds until a QR token should be fetched again: a minute before it expires (at least 5 s from now). */
export function qrRefreshDelay(expiresAt: string, now: number = Date.now()): number {
  const expires = new Date(expiresAt).getTime()
  if (!Number.isFinite(expires)) return 30_000
  return Math.max(5_000, expires - now - 60_000)
}

/** "Tue 3 Dec" (or with the year when it is not this year's) for an organization-local YYYY-MM-DD. */
export function formatLocalDate(date: string, locale: string, thisYear?: string): string {
  const withYear = thisYear !== undefined && date.slice(0, 4) !== thisYear
  return formatCalendarDate(date, { weekday: 'short', day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}) }, locale)
}

// ---------------------------------------------------------------- the server's verdict on a capture

/** What the confirmation screen says once the capture reached the server. */
export type Verdict = 'verifying' | 'verified' | 'review' | 'rejected'

export function verdictOf(status: Pick<CaptureStatus, 'verification' | 'approval_status'> | null): Verdict {
  if (!status || status.verification !== 'done' || status.approval_status === 'verifying') return 'verifying'
  if (status.approval_status === 'approved') return 'verified'
  if (status.approval_status === 'rejected') return 'rejected'
  return 'review'
}

/** Waits between two questions about a capture's verdict: 1 s, growing by half each time, at most 10 s. */
export function verdictDelay(attempt: number): number {
  return Math.min(10_000, Math.round(1000 * 1.5 ** Math.max(0, attempt)))
}

/** After this many questions (about 5 minutes) the screen stops asking and points to the history. */
export const MAX_VERDICT_ATTEMPTS = 36

/** The checks a reason may name (shared/attendance/evidence.ts Assurance), tried in this order for a bare code. */
const REASON_CHECKS = ['face', 'liveness', 'place', 'time'] as const

/** Flags that say something about the day, not about why a record waits for review. */
const DAY_FLAGS = new Set(['late', 'left_early', 'auto_closed', 'missing_check_in'])

/**
 * The i18n keys of why a capture waits for review, in the member's words: each reason the server gives
 * ("face.not_member", "liveness:no_turn", "FACE_NOT_MEMBER", "not_member": `verdict.reason.*`), else the record's
 * flags (`history.flag.*`), else that it was made offline. Unknown codes are left out; when nothing is known, one
 * general sentence.
 */
export function reasonKeys(status: Pick<CaptureStatus, 'reasons' | 'flags'> & { level?: CaptureStatus['level'] }, known: (key: string) => boolean): string[] {
  const keys: string[] = []
  const add = (key: string) => {
    if (known(key) && !keys.includes(key)) keys.push(key)
  }
  for (const raw of status.reasons ?? []) {
    const code = raw.trim().toLowerCase().replace(/[\s:./-]+/g, '_')
    const check = REASON_CHECKS.find((c) => code.startsWith(`${c}_`))
    if (check) add(`verdict.reason.${code}`)
    else {
      const before = keys.length
      for (const c of REASON_CHECKS) {
        if (keys.length === before) add(`verdict.reason.${c}_${code}`)
      }
      if (keys.length === before) add(`verdict.reason.${code}`)
    }
  }
  if (keys.length === 0) for (const flag of status.flags ?? []) if (!DAY_FLAGS.has(flag)) add(flagKey(flag))
  if (keys.length === 0 && status.level === 'medium') add('verdict.reason.offline')
  return keys.length > 0 ? keys : ['verdict.reason.general']
}
