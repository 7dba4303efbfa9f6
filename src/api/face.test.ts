import { describe, expect, it } from 'vitest'
import type { Evidence } from '@shared/attendance/evidence'
import { DEFAULT_FACE_SETTINGS, faceSettingsOf, faceUploadBody } from './face'

const evidence: Evidence = {
  challenge_id: '0190f0a6-5a6e-7b3c-8d2e-1f2a3b4c5d6e',
  steps: ['turn_left', 'turn_right'],
  mode: 'online',
  frames: [0, 400, 800].map((t) => ({ t, image: `data:image/jpeg;base64,${'A'.repeat(80)}` })),
}

describe('face upload body', () => {
  it('sends the evidence, the reference photo and the device, and no descriptor', () => {
    const body = faceUploadBody({ evidence, photo: 'data:image/jpeg;base64,AAAA', deviceId: 'dev-1' })
    expect(body).toEqual({ evidence, face_image: 'data:image/jpeg;base64,AAAA', device_id: 'dev-1' })
    expect(body).not.toHaveProperty('face_encoding')
  })

  it('refuses evidence without pictures', () => {
    expect(() => faceUploadBody({ evidence: { ...evidence, frames: [] }, photo: 'x', deviceId: 'd' })).toThrow()
  })
})

describe('faceSettingsOf', () => {
  it('reads the settings the organization carries, with defaults for the rest', () => {
    expect(faceSettingsOf({ id: 1, settings: { face_threshold: 0.45, photo_retention_days: 30 } })).toEqual({
      ...DEFAULT_FACE_SETTINGS,
      face_threshold: 0.45,
      photo_retention_days: 30,
    })
    expect(faceSettingsOf({ face_margin: 0.1, face_reverify_photos: true })).toMatchObject({ face_margin: 0.1, face_reverify_photos: true })
    expect(faceSettingsOf(null)).toEqual(DEFAULT_FACE_SETTINGS)
    expect(faceSettingsOf({ settings: { face_threshold: 'high' } }).face_threshold).toBe(DEFAULT_FACE_SETTINGS.face_threshold)
  })
})
