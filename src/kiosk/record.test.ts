import { describe, expect, it } from 'vitest'
import { syncRecordSchema } from '@shared/attendance/sync'
import { uuidv7Time } from '@shared/attendance/uuidv7'
import type { StoredEvidence } from '~/face/evidence-store'
import { kioskCapture } from './record'

const evidence: StoredEvidence = {
  challenge_id: '0190f0a6-5a6e-7b3c-8d2e-1f2a3b4c5d6e',
  steps: ['turn_left'],
  mode: 'online',
  frames: [0, 300, 600, 800, 1000].map((t) => ({ t, jpeg: new ArrayBuffer(16) })),
}

describe('a kiosk record', () => {
  const now = new Date('2026-11-23T02:02:30Z') // 09:02:30 in Jakarta

  it('is a valid SyncRecord with a UUIDv7 of the capture time, the evidence, the device’s claim (a score, never a descriptor), place and position', () => {
    const capture = kioskCapture({
      organizationId: 5,
      timezone: 'Asia/Jakarta',
      member: { id: 11, name: 'Siti' },
      recordedBy: 7,
      kind: 'check_in',
      now,
      distance: 0.8,
      evidence,
      locationId: 3,
      position: { latitude: -6.2, longitude: 106.8, accuracy: 12.4 },
      qrToken: 'HQ1.5.11.1795000000.abcdefghijklmnopqrstuv',
    })
    expect(syncRecordSchema.parse(capture.record)).toBeTruthy()
    expect(uuidv7Time(capture.record.client_id)).toBe(now.getTime())
    expect(capture).toMatchObject({ organization_id: 5, member_name: 'Siti', date: '2026-11-23', time: '09:02:30' })
    expect(capture.record).toMatchObject({ member_id: 11, recorded_by: 7, kind: 'check_in', captured_at: '2026-11-23T02:02:30.000Z', face_match_score: 0.68, qr_token: 'HQ1.5.11.1795000000.abcdefghijklmnopqrstuv', location_id: 3, latitude: -6.2, longitude: 106.8, accuracy: 12, check_in_time: '09:02:30' })
    // No descriptor: the server never keeps a device's, and it is a biometric template (issue 16).
    expect(capture.record).not.toHaveProperty('face_encoding')
    // The evidence travels beside the record (bytes until sent); no photo any more.
    expect(capture.evidence).toBe(evidence)
    expect(capture.photo).toBeNull()
  })

  it('leaves out what it does not know (no place, no GPS), and a check-out has no check-in time', () => {
    const capture = kioskCapture({ organizationId: 5, timezone: 'Asia/Makassar', member: { id: 11, name: 'Siti' }, recordedBy: null, kind: 'check_out', now, distance: 0.2, evidence, locationId: null, position: null })
    expect(capture.time).toBe('10:02:30')
    expect(Object.keys(capture.record)).not.toContain('location_id')
    expect(Object.keys(capture.record)).not.toContain('latitude')
    expect(Object.keys(capture.record)).not.toContain('check_in_time')
    expect(Object.keys(capture.record)).not.toContain('qr_token')
    expect(syncRecordSchema.parse(capture.record).kind).toBe('check_out')
  })
})
