import { describe, expect, it } from 'vitest'
import { ATTENDANCE_FLAGS } from '@shared/attendance/flags'
import en from '~/locales/en.json'
import id from '~/locales/id.json'
import { syncRecordSchema } from '@shared/attendance/sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import type { WorkSchedule } from '@shared/attendance/rules'
import type { OwnAttendance } from '~/api/attendance'
import {
  buildCaptureRecord,
  captureOutcome,
  decideKind,
  flagKey,
  formatLocalDate,
  mergeHistory,
  outcomeText,
  qrRefreshDelay,
  reasonKeys,
  serverCheckedIn,
  verdictDelay,
  verdictOf,
} from './useMemberAttendanceRules'

const SCHEDULE: WorkSchedule = { workDays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '16:00', lateToleranceMinutes: 15 }

function own(date: string, checkIn: string | null, checkOut: string | null = null, extra: Partial<OwnAttendance> = {}): OwnAttendance {
  return { id: 1, attendance_date: date, check_in_time: checkIn, check_out_time: checkOut, status: 'present', approval_status: 'approved', flags: [], remarks: null, excuse_kind: null, ...extra }
}

describe('the next tap of the day', () => {
  it('is a check-in first, then a check-out', () => {
    expect(decideKind({ serverCheckedIn: false, localKindsToday: [] })).toBe('check_in')
    expect(decideKind({ serverCheckedIn: false, localKindsToday: ['check_in'] })).toBe('check_out')
    // A second check-out later the same day is still a check-out (the later one counts).
    expect(decideKind({ serverCheckedIn: false, localKindsToday: ['check_in', 'check_out'] })).toBe('check_out')
  })

  it('follows the server when it has today\'s check-in (from a kiosk or another phone)', () => {
    expect(decideKind({ serverCheckedIn: true, localKindsToday: [] })).toBe('check_out')
  })

  it('reads the server\'s check-in of the given date only', () => {
    const records = [own('2026-03-02', '07:58:00', '16:05:00'), own('2026-03-03', null, '16:00:00')]
    expect(serverCheckedIn(records, '2026-03-02')).toBe(true)
    expect(serverCheckedIn(records, '2026-03-03')).toBe(false)
    expect(serverCheckedIn(records, '2026-03-04')).toBe(false)
    expect(serverCheckedIn(null, '2026-03-04')).toBe(false)
  })
})

describe('the capture record', () => {
  const base = {
    clientId: uuidv7(Date.UTC(2026, 2, 2, 1, 2, 3)),
    memberId: 42,
    capturedAt: new Date(Date.UTC(2026, 2, 2, 1, 2, 3)),
    localDate: '2026-03-02',
    localTime: '08:02:03',
  }

  it('is a valid SyncRecord with the spec fields, and no claim about the face', () => {
    const record = buildCaptureRecord({ ...base, kind: 'check_in', remarks: '  rapat pagi  ' })
    expect(syncRecordSchema.safeParse(record).success).toBe(true)
    expect(record).toMatchObject({
      client_id: base.clientId,
      member_id: 42,
      kind: 'check_in',
      captured_at: '2026-03-02T01:02:03.000Z',
      attendance_date: '2026-03-02',
      check_in_time: '08:02:03',
      remarks: 'rapat pagi',
    })
    expect(record).not.toHaveProperty('face_encoding')
    expect(record).not.toHaveProperty('face_match_score')
    expect(record).not.toHaveProperty('latitude')
    expect(record).not.toHaveProperty('face_image')
  })

  it('carries the position when the phone gave one, and no check-in time on a check-out', () => {
    const record = buildCaptureRecord({ ...base, kind: 'check_out', remarks: '   ', position: { latitude: -6.2, longitude: 106.8166, accuracy: 12.345 } })
    expect(syncRecordSchema.safeParse(record).success).toBe(true)
    expect(record).toMatchObject({ latitude: -6.2, longitude: 106.8166, accuracy: 12.3 })
    expect(record).not.toHaveProperty('check_in_time')
    expect(record).not.toHaveProperty('remarks')
  })

  it('drops a nonsense position instead of sending a record the server refuses', () => {
    const record = buildCaptureRecord({ ...base, kind: 'check_in', position: { latitude: 200, longitude: 0, accuracy: 5 } })
    expect(record).not.toHaveProperty('latitude')
    expect(syncRecordSchema.safeParse(record).success).toBe(true)
  })
})

describe('the confirmation screen', () => {
  it('says on time up to the end of the tolerance, late after it', () => {
    expect(outcomeText(captureOutcome('check_in', '08:15:00', SCHEDULE))).toEqual({ key: 'checkin.status.onTime', params: {} })
    const late = captureOutcome('check_in', '08:20:30', SCHEDULE)
    expect(late).toMatchObject({ time: '08:20', status: 'late', lateMinutes: 20 })
    expect(outcomeText(late)).toEqual({ key: 'checkin.status.late', params: { minutes: 20 } })
  })

  it('says checked out, or left early before the end of the schedule', () => {
    expect(outcomeText(captureOutcome('check_out', '16:00:00', SCHEDULE))).toEqual({ key: 'checkin.status.checkedOut', params: {} })
    expect(outcomeText(captureOutcome('check_out', '15:25:00', SCHEDULE))).toEqual({ key: 'checkin.status.leftEarly', params: { minutes: 35 } })
  })

  it('shows only the time when the schedule is unknown (offline, never saw the context)', () => {
    const o = captureOutcome('check_in', '09:00:00', null)
    expect(o.status).toBeNull()
    expect(outcomeText(o)).toBeNull()
    expect(outcomeText(captureOutcome('check_out', '12:00:00', null))).toEqual({ key: 'checkin.status.checkedOut', params: {} })
  })
})

describe('history', () => {
  it('merges the server\'s days with this phone\'s unsent captures, newest first', () => {
    const rows = mergeHistory(
      [own('2026-03-02', '07:58:00', '16:05:00', { flags: ['left_early'] }), own('2026-03-03', '08:30:00', null, { status: 'late', flags: ['late'] })],
      [
        { client_id: 'a', kind: 'check_out', date: '2026-03-03', time: '16:10:00', state: 'pending' },
        { client_id: 'b', kind: 'check_in', date: '2026-03-04', time: '08:40:00', state: 'attention' },
      ],
      SCHEDULE,
    )
    expect(rows.map((r) => r.date)).toEqual(['2026-03-04', '2026-03-03', '2026-03-02'])
    expect(rows[0]).toMatchObject({ checkIn: { time: '08:40', unsent: 'attention' }, checkOut: null, status: 'late', unsent: true })
    expect(rows[1]).toMatchObject({ checkIn: { time: '08:30', unsent: null }, checkOut: { time: '16:10', unsent: 'pending' }, status: 'late', unsent: true })
    expect(rows[2]).toMatchObject({ checkIn: { time: '07:58', unsent: null }, checkOut: { time: '16:05', unsent: null }, status: 'present', flags: ['left_early'], unsent: false })
  })

  it('keeps the server\'s earlier check-in over a later unsent one', () => {
    const [row] = mergeHistory([own('2026-03-02', '07:58:00')], [{ client_id: 'x', kind: 'check_in', date: '2026-03-02', time: '09:00:00', state: 'pending' }], SCHEDULE)
    expect(row?.checkIn).toEqual({ time: '07:58', unsent: null })
  })

  it('keeps the kind of an excused day the server gives (Sakit, Cuti), none otherwise', () => {
    const rows = mergeHistory([own('2026-03-03', null, null, { status: 'excused', excuse_kind: 'sick' }), own('2026-03-02', '07:58:00')], [], SCHEDULE)
    expect(rows.map((r) => [r.date, r.excuseKind])).toEqual([['2026-03-03', 'sick'], ['2026-03-02', null]])
  })

  it('judges an unsent check-in by the hours of its own weekday (a Friday that starts at 07:00)', () => {
    const week: WorkSchedule = { ...SCHEDULE, dayHours: { 5: { startTime: '07:00', endTime: '11:00' } } }
    const unsent = (date: string) => ({ client_id: date, kind: 'check_in' as const, date, time: '07:30:00', state: 'pending' as const })
    // 2026-03-05 is a Thursday (07:30 before 08:00: on time), 2026-03-06 a Friday (07:30 is 30 minutes past 07:00).
    const rows = mergeHistory([], [unsent('2026-03-05'), unsent('2026-03-06')], week)
    expect(rows.map((r) => [r.date, r.status])).toEqual([
      ['2026-03-06', 'late'],
      ['2026-03-05', 'present'],
    ])
  })

  it('names every known flag and has a fallback', () => {
    expect(flagKey('outside_geofence')).toBe('history.flag.outside_geofence')
    expect(flagKey('something_new')).toBe('history.flag.other')
  })

  it('formats a local date without shifting it across zones', () => {
    expect(formatLocalDate('2026-03-02', 'en', '2026')).toBe('Mon 2 Mar')
    expect(formatLocalDate('2025-12-31', 'en', '2026')).toContain('2025')
  })
})

describe('QR refresh', () => {
  it('fetches a new code a minute before the old one expires, never in a tight loop', () => {
    const now = Date.UTC(2026, 2, 2, 1, 0, 0)
    expect(qrRefreshDelay(new Date(now + 10 * 60_000).toISOString(), now)).toBe(9 * 60_000)
    expect(qrRefreshDelay(new Date(now + 30_000).toISOString(), now)).toBe(5_000)
    expect(qrRefreshDelay('nonsense', now)).toBe(30_000)
  })
})

describe('the server\'s verdict', () => {
  const status = (verification: 'verifying' | 'done', approval: 'verifying' | 'pending' | 'approved' | 'rejected') => ({ verification, approval_status: approval })

  it('is "verifying" until the check is done, then verified, held for review, or rejected', () => {
    expect(verdictOf(null)).toBe('verifying')
    expect(verdictOf(status('verifying', 'verifying'))).toBe('verifying')
    expect(verdictOf(status('done', 'approved'))).toBe('verified')
    expect(verdictOf(status('done', 'pending'))).toBe('review')
    expect(verdictOf(status('done', 'rejected'))).toBe('rejected')
  })

  it('asks again after 1 s, then less and less often, never more than every 10 s', () => {
    const delays = Array.from({ length: 12 }, (_, i) => verdictDelay(i))
    expect(delays.slice(0, 4)).toEqual([1000, 1500, 2250, 3375])
    expect(delays.every((d, i) => i === 0 || d >= delays[i - 1]!)).toBe(true)
    expect(Math.max(...delays)).toBe(10_000)
  })

  it('says why in the member\'s words, whatever way the server spells the reason', () => {
    const known = new Set(['verdict.reason.face_not_member', 'verdict.reason.liveness_no_turn', 'verdict.reason.offline', 'verdict.reason.general', 'history.flag.outside_geofence', 'history.flag.left_early'])
    const has = (k: string) => known.has(k)
    expect(reasonKeys({ reasons: ['face.not_member'], flags: [] }, has)).toEqual(['verdict.reason.face_not_member'])
    expect(reasonKeys({ reasons: ['FACE_NOT_MEMBER', 'liveness:no_turn'], flags: [] }, has)).toEqual(['verdict.reason.face_not_member', 'verdict.reason.liveness_no_turn'])
    expect(reasonKeys({ reasons: ['no_turn'], flags: [] }, has)).toEqual(['verdict.reason.liveness_no_turn'])
    // Unknown reasons: the record's flags say it (not those about the day), else that it was made offline, else one
    // general sentence.
    expect(reasonKeys({ reasons: ['something new'], flags: ['left_early', 'outside_geofence'] }, has)).toEqual(['history.flag.outside_geofence'])
    expect(reasonKeys({ reasons: [], flags: ['left_early'], level: 'medium' }, has)).toEqual(['verdict.reason.offline'])
    expect(reasonKeys({ reasons: [], flags: [] }, has)).toEqual(['verdict.reason.general'])
  })
})

describe('flags in the history', () => {
  it('has words for every flag the server can put on a record, in both languages', () => {
    for (const flag of ATTENDANCE_FLAGS) {
      const key = flagKey(flag).split('.')
      for (const messages of [en, id]) {
        const text = key.reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages)
        expect(typeof text, `${flag} in ${messages === en ? 'en' : 'id'}`).toBe('string')
      }
      expect(flagKey(flag)).toBe(`history.flag.${flag}`)
    }
  })
})
