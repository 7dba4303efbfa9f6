import { describe, expect, it } from 'vitest'
import { DEFAULT_ORGANIZATION_SETTINGS, settingsOf, settingsPatch } from './settings'

describe('organization settings', () => {
  it('reads settings from an answer, each checked, with defaults for the rest', () => {
    expect(settingsOf(null)).toEqual(DEFAULT_ORGANIZATION_SETTINGS)
    expect(settingsOf({ settings: { face_threshold: 0.8, offline_review: 'never', photo_retention_days: 30 } })).toEqual({
      ...DEFAULT_ORGANIZATION_SETTINGS,
      face_threshold: 0.8,
      offline_review: 'never',
      photo_retention_days: 30,
    })
    // Out of range, wrong type, unknown value: the default.
    expect(settingsOf({ settings: { face_threshold: 0.1, geofence_policy: 'maybe', offline_window_hours: '5' } })).toEqual(DEFAULT_ORGANIZATION_SETTINGS)
  })
  it('the defaults pass the schema the server validates a change with', () => {
    expect(settingsPatch.parse(DEFAULT_ORGANIZATION_SETTINGS)).toEqual(DEFAULT_ORGANIZATION_SETTINGS)
    expect(settingsPatch.safeParse({ photo_retention_days: 0 }).success).toBe(false)
    expect(settingsPatch.safeParse({ nope: 1 }).success).toBe(false)
  })
})
