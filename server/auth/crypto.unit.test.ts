import { describe, expect, it } from 'vitest'
import { hashSecret, hashToken, normalizeCode, randomCode, randomToken, verifySecret } from './crypto'
import { isTrivialPin } from '../features/mobile/mobile.service'
import { localToIso } from '../../shared/attendance/rules'
import { loadEnv } from '../env'

describe('secrets', () => {
  it('hashes with scrypt and a random salt, and verifies only the right secret', async () => {
    const a = await hashSecret('rahasia-123')
    const b = await hashSecret('rahasia-123')
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/)
    expect(a).not.toBe(b)
    expect(await verifySecret('rahasia-123', a)).toBe(true)
    expect(await verifySecret('rahasia-124', a)).toBe(false)
    expect(await verifySecret('anything', null)).toBe(false)
    expect(await verifySecret('anything', 'garbage$$')).toBe(false)
  })

  it('makes unguessable tokens and readable codes, stored only as keyed hashes', () => {
    expect(randomToken()).toMatch(/^[\w-]{43}$/)
    expect(new Set(Array.from({ length: 100 }, () => randomCode())).size).toBe(100)
    expect(randomCode(8)).toMatch(/^[A-HJ-NP-Z2-9]{8}$/)
    expect(normalizeCode(' ab-cd efgh ')).toBe('ABCDEFGH')
    expect(hashToken('k1', 't')).not.toBe(hashToken('k2', 't'))
  })

  it('rejects the PINs a stranger tries first', () => {
    for (const pin of ['000000', '111111', '123456', '654321', '234567', '098765']) expect(isTrivialPin(pin)).toBe(true)
    for (const pin of ['482916', '739154', '120694']) expect(isTrivialPin(pin)).toBe(false)
  })
})

describe('time zones', () => {
  it('turns a local wall-clock time into the right instant', () => {
    expect(localToIso('2024-12-03 08:00:00', 'Asia/Jakarta')).toBe('2024-12-03T01:00:00.000Z')
    expect(localToIso('2024-12-03 08:00:00', 'Asia/Jayapura')).toBe('2024-12-02T23:00:00.000Z')
    expect(localToIso('2024-07-01 08:00:00', 'Europe/Amsterdam')).toBe('2024-07-01T06:00:00.000Z')
  })
})

describe('environment', () => {
  it('uses the defaults and fails fast, in one message, on a bad value', () => {
    const env = loadEnv({})
    expect(env.PORT).toBe(3000)
    expect(env.DATABASE_URL).toBeUndefined()
    expect(env.HADIR_DATA_DIR).toMatch(/data$/)
    expect(loadEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined()
    expect(() => loadEnv({ PORT: 'abc', DATABASE_URL: 'mysql://x' })).toThrow(/PORT[\s\S]*DATABASE_URL/)
  })
})
