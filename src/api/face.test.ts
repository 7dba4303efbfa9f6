import { describe, expect, it } from 'vitest'
import { decodeDescriptor } from '@shared/face/descriptor'
import { DEFAULT_FACE_SETTINGS, faceSettingsOf, faceUploadBody } from './face'

function descriptor(seed: number): Float32Array {
  const d = new Float32Array(128)
  for (let i = 0; i < 128; i++) d[i] = Math.sin(seed * 31 + i) * 0.2
  return d
}

describe('face upload body', () => {
  it('sends the first descriptor as face_encoding and the rest as face_encodings, as base64 Float32 bytes', () => {
    const ds = [descriptor(1), descriptor(2), descriptor(3)]
    const body = faceUploadBody({ descriptors: ds, photo: 'data:image/jpeg;base64,AAAA', deviceId: 'dev-1' })
    expect(Array.from(decodeDescriptor(body.face_encoding))).toEqual(Array.from(ds[0]!))
    expect(body.face_encodings.map((e) => Array.from(decodeDescriptor(e)))).toEqual([Array.from(ds[1]!), Array.from(ds[2]!)])
    expect(body.face_image).toBe('data:image/jpeg;base64,AAAA')
    expect(body.device_id).toBe('dev-1')
  })

  it('refuses an empty capture list', () => {
    expect(() => faceUploadBody({ descriptors: [], photo: 'x', deviceId: 'd' })).toThrow()
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
