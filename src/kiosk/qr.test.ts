import { describe, expect, it } from 'vitest'
import { offlineQrProblem, parseQrToken, rememberScannedQr, scannedQrOf, secondFactorAnswer } from './qr'

const SIG = 'abcdefghijABCDEFGHIJ_-'
const token = (org = 3, member = 42, exp = 1_800_000_000) => `HQ1.${org}.${member}.${exp}.${SIG}`

describe('member QR tokens', () => {
  it('reads organization, member and expiry from a scanned code', () => {
    const parsed = parseQrToken(`  ${token()}\n`)
    expect(parsed).toEqual({ raw: token(), organizationId: 3, memberId: 42, expiresAt: new Date(1_800_000_000_000) })
  })

  it('refuses anything that is not a member code', () => {
    for (const text of ['', 'https://example.com', `HQ2.3.42.1800000000.${SIG}`, `HQ1.3.42.1800000000.${SIG.slice(1)}`, `HQ1.3.x.1800000000.${SIG}`, `HQ1.0.42.1800000000.${SIG}`, `HQ1.3.0.1800000000.${SIG}`, `HQ1.3.42.1800000000.${SIG}.extra`]) {
      expect(parseQrToken(text), text).toBeNull()
    }
  })

  it('offline: only a current code of this organization is used (the face check does the rest)', () => {
    const now = 1_800_000_000_000 - 1000
    expect(offlineQrProblem(parseQrToken(token()), 3, now)).toBeNull()
    expect(offlineQrProblem(parseQrToken(token(4)), 3, now)).toBe('other_organization')
    expect(offlineQrProblem(parseQrToken(token(3, 42, 1_700_000_000)), 3, now)).toBe('expired')
    expect(offlineQrProblem(parseQrToken('hello'), 3, now)).toBe('not_a_member_code')
  })

  it('as a second factor: only this member’s current code of this organization answers', () => {
    const now = 1_800_000_000_000 - 1000
    expect(secondFactorAnswer(parseQrToken(token(3, 42)), 3, 42, now)).toBe('ok')
    expect(secondFactorAnswer(parseQrToken(token(3, 43)), 3, 42, now)).toBe('other_member')
    expect(secondFactorAnswer(parseQrToken(token(4, 42)), 3, 42, now)).toBe('other_organization')
    expect(secondFactorAnswer(parseQrToken(token(3, 42)), 3, 42, 1_800_000_000_000 + 1)).toBe('expired')
    expect(secondFactorAnswer(parseQrToken('hello'), 3, 42, now)).toBe('not_a_member_code')
  })

  it('keeps the last scanned code for its member until it expires', () => {
    rememberScannedQr(parseQrToken(token(3, 42))!)
    expect(scannedQrOf(42, 1_800_000_000_000 - 1)).toBe(token(3, 42))
    expect(scannedQrOf(43, 1_800_000_000_000 - 1)).toBeNull()
    rememberScannedQr(parseQrToken(token(3, 43))!)
    expect(scannedQrOf(42, 1_800_000_000_000 - 1)).toBeNull() // one code at a time: the last person's
    expect(scannedQrOf(43, 1_800_000_000_000 + 1)).toBeNull()
    expect(scannedQrOf(43, 1_800_000_000_000 - 1)).toBeNull() // gone once found expired
  })
})
