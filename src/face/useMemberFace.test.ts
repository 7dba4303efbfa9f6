import { describe, expect, it } from 'vitest'
import { CONSENT_VERSION } from '@shared/face/consent'
import { hasCurrentConsent } from './useMemberFace'

describe('hasCurrentConsent', () => {
  it('needs a consent to the current text', () => {
    expect(hasCurrentConsent(null)).toBe(false)
    expect(hasCurrentConsent({ consent: null })).toBe(false)
    expect(hasCurrentConsent({ consent: { version: CONSENT_VERSION, accepted_at: '2026-11-01T00:00:00Z' } })).toBe(true)
    expect(hasCurrentConsent({ consent: { version: '2020-01-v1', accepted_at: '2020-01-01T00:00:00Z' } })).toBe(false)
    // The server's own verdict wins when it gives one.
    expect(hasCurrentConsent({ consent: { version: '2020-01-v1', accepted_at: '2020-01-01T00:00:00Z', current: true } })).toBe(true)
  })
})
