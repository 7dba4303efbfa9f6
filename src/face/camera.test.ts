import { describe, expect, it } from 'vitest'
import { cameraProblem } from './camera'

const named = (name: string) => Object.assign(new Error(name), { name })

describe('cameraProblem', () => {
  it('tells a refusal, a missing camera and a busy camera apart', () => {
    expect(cameraProblem(named('NotAllowedError'))).toBe('denied')
    expect(cameraProblem(named('SecurityError'))).toBe('denied')
    expect(cameraProblem(named('NotFoundError'))).toBe('not_found')
    expect(cameraProblem(named('OverconstrainedError'))).toBe('not_found')
    expect(cameraProblem(named('NotReadableError'))).toBe('in_use')
    expect(cameraProblem(new DOMException('denied', 'NotAllowedError'))).toBe('denied')
  })

  it('falls back to unknown', () => {
    expect(cameraProblem(named('TypeError'))).toBe('unknown')
    expect(cameraProblem('nope')).toBe('unknown')
    expect(cameraProblem(null)).toBe('unknown')
  })
})
