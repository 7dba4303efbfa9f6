import { describe, expect, it } from 'vitest'
import { syncRecordSchema } from '@shared/attendance/sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { decodeDescriptor } from '@shared/face/descriptor'
import type { WorkSchedule } from '@shared/attendance/rules'
import type { OwnAttendance } from '~/api/attendance'
import {
  bestMatch,
  buildCaptureRecord,
  captureOutcome,
  dataUrlToArrayBuffer,
  decideKind,
  flagKey,
  formatLocalDate,
  mergeHistory,
  outcomeText,
  qrRefreshDelay,
  serverCheckedIn,
} from './useMemberAttendanceRules'

const SCHEDULE: WorkSchedule = { workDays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '16:00', lateToleranceMinutes: 15 }

function descriptor(seed: number, jitter = 0): Float32Array {
  const d = new Float32Array(128)
  for (let i = 0; i < 128; i++) d[i] = Math.sin(seed * 31 + i) * 0.12 + (jitter ? Math.cos(i * 7 + seed) * jitter : 0)
  return d
}

function own(date: string, checkIn: string | null, checkOut: string | null = null, extra: Partial<OwnAttendance> = {}): OwnAttendance {
  return { id: 1, attendance_date: date, check_in_time: checkIn, check_out_time: checkOut, status: 'present', approval_status: 'approved', flags: [], remarks: null, ...extra }
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

describe('verification against the member\'s own descriptors', () => {
  const mine = [descriptor(1), descriptor(1, 0.01)]

  it('takes the closest capture and accepts it under the threshold', () => {
    const far = descriptor(9)
    const near = descriptor(1, 0.02)
    const match = bestMatch(mine, [far, near], 0.5)
    expect(match?.probe).toBe(near)
    expect(match?.result.verified).toBe(true)
    expect(match?.result.score).toBeGreaterThan(0.5)
  })

  it('refuses someone else', () => {
    const match = bestMatch(mine, [descriptor(9)], 0.5)
    expect(match?.result.verified).toBe(false)
  })

  it('has nothing to compare without descriptors', () => {
    expect(bestMatch([], [descriptor(1)], 0.5)).toBeNull()
  })
})

describe('the capture record', () => {
  const base = {
    clientId: uuidv7(Date.UTC(2026, 2, 2, 1, 2, 3)),
    memberId: 42,
    capturedAt: new Date(Date.UTC(2026, 2, 2, 1, 2, 3)),
    localDate: '2026-03-02',
    localTime: '08:02:03',
    probe: descriptor(3),
    score: 0.81234567,
  }

  it('is a valid SyncRecord with the probe descriptor, the local score and the spec fields', () => {
    const record = buildCaptureRecord({ ...base, kind: 'check_in', remarks: '  rapat pagi  ' })
    expect(syncRecordSchema.safeParse(record).success).toBe(true)
    expect(record).toMatchObject({
      client_id: base.clientId,
      member_id: 42,
      kind: 'check_in',
      captured_at: '2026-03-02T01:02:03.000Z',
      attendance_date: '2026-03-02',
      check_in_time: '08:02:03',
      face_match_score: 0.8123,
      remarks: 'rapat pagi',
    })
    expect(Array.from(decodeDescriptor(record.face_encoding!))).toEqual(Array.from(base.probe))
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

  it('turns the scan\'s JPEG data URL into bytes for the outbox', () => {
    const buffer = dataUrlToArrayBuffer('data:image/jpeg;base64,/9j/4AAQ')
    expect(Array.from(new Uint8Array(buffer))).toEqual([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10])
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
