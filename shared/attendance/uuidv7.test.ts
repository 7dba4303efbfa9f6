import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { uuidv7, uuidv7Time } from './uuidv7'

describe('uuidv7', () => {
  it('is a valid UUID of version 7 carrying the capture time, sortable by it', () => {
    const t = Date.UTC(2026, 10, 23, 8, 0, 0, 123)
    const id = uuidv7(t)
    expect(z.uuid().safeParse(id).success).toBe(true)
    expect(id[14]).toBe('7')
    expect(['8', '9', 'a', 'b']).toContain(id[19])
    expect(uuidv7Time(id)).toBe(t)
    const ids = [uuidv7(t + 2), uuidv7(t), uuidv7(t + 1)]
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]])
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(t))).size).toBe(1000)
  })
})
