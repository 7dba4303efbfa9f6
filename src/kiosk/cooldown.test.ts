import { describe, expect, it } from 'vitest'
import { cooldownLeft, KIOSK_COOLDOWN_MS, latestCapture } from './cooldown'

describe('kiosk cooldown per member', () => {
  const now = Date.parse('2026-11-23T02:00:00Z')

  it('a member never recorded here may be recorded', () => {
    expect(cooldownLeft(null, now)).toBe(0)
    expect(cooldownLeft(undefined, now)).toBe(0)
    expect(cooldownLeft('not a date', now)).toBe(0)
  })

  it('is not recorded again within the cooldown, and is after it', () => {
    expect(cooldownLeft(new Date(now - 1000).toISOString(), now)).toBe(KIOSK_COOLDOWN_MS - 1000)
    expect(cooldownLeft(now - KIOSK_COOLDOWN_MS + 1, now)).toBe(1)
    expect(cooldownLeft(now - KIOSK_COOLDOWN_MS, now)).toBe(0)
    expect(cooldownLeft(now - 10_000, now, 5_000)).toBe(0)
  })

  it('a capture stamped in the future (clock set back) counts as just now', () => {
    expect(cooldownLeft(now + 30_000, now)).toBe(KIOSK_COOLDOWN_MS)
  })

  it('finds the latest capture', () => {
    const list = [{ captured_at: '2026-11-23T01:00:00Z', id: 1 }, { captured_at: '2026-11-23T01:30:00+07:00', id: 2 }, { captured_at: '2026-11-23T01:10:00Z', id: 3 }]
    expect(latestCapture(list)?.id).toBe(3)
    expect(latestCapture([])).toBeNull()
  })
})
