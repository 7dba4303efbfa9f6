import { describe, expect, it } from 'vitest'
import { CHALLENGE_TTL_MS, type IssuedChallenge } from '@shared/attendance/evidence'
import { ApiError } from '~/api/client'
import { ChallengeKeeper } from './challenge'

// The kiosk keeps one challenge ready: the server's when it answers, the tablet's own otherwise, never one used twice.

function fakeServer(start = Date.UTC(2026, 11, 3, 1, 0, 0)) {
  let clock = start
  let n = 0
  let down = false
  const calls: number[] = []
  const issue = async (): Promise<IssuedChallenge> => {
    calls.push(clock)
    if (down) throw new ApiError(0, 'NETWORK', 'offline')
    n++
    return {
      challenge_id: `0190f0a6-5a6e-7b3c-8d2e-${String(n).padStart(12, '0')}`,
      purpose: 'kiosk',
      steps: [n % 2 ? 'turn_left' : 'turn_right'],
      issued_at: new Date(clock).toISOString(),
      expires_at: new Date(clock + CHALLENGE_TTL_MS.kiosk).toISOString(),
    }
  }
  return {
    issue,
    calls,
    now: () => clock,
    advance: (ms: number) => (clock += ms),
    setDown: (value: boolean) => (down = value),
  }
}

describe('ChallengeKeeper', () => {
  it('has an issued challenge ready, and fetches the next one as soon as it is used', async () => {
    const server = fakeServer()
    const keeper = new ChallengeKeeper({ issue: server.issue, now: server.now })
    expect(keeper.current()).toBeNull() // the first one is on its way
    await keeper.ensure()
    const first = keeper.current()!
    expect(first).toMatchObject({ mode: 'online', steps: ['turn_left'] })
    expect(keeper.current()).toBe(first) // kept for whoever comes next, not fetched again
    expect(server.calls).toHaveLength(1)

    keeper.consume(first)
    await keeper.ensure()
    const second = keeper.current()!
    expect(second.challenge_id).not.toBe(first.challenge_id)
    expect(server.calls).toHaveLength(2)
  })

  it('replaces a challenge that nears its expiry before anyone answers it', async () => {
    const server = fakeServer()
    const keeper = new ChallengeKeeper({ issue: server.issue, now: server.now, marginMs: 60_000 })
    await keeper.ensure()
    const first = keeper.current()!
    server.advance(CHALLENGE_TTL_MS.kiosk - 30_000)
    expect(keeper.current()).toBeNull()
    await keeper.ensure()
    expect(keeper.current()!.challenge_id).not.toBe(first.challenge_id)
  })

  it('draws the tablet\'s own challenge offline (natural movement, as the server\'s), and goes back to the server\'s once it answers', async () => {
    const server = fakeServer()
    server.setDown(true)
    const keeper = new ChallengeKeeper({ issue: server.issue, now: server.now, random: () => 0.9, retryMs: 30_000 })
    await keeper.ensure()
    const own = keeper.current()!
    expect(own).toEqual({ steps: ['move'], mode: 'offline', expiresAt: null })
    keeper.consume(own)
    await keeper.ensure()
    expect(keeper.current()!.mode).toBe('offline')

    server.setDown(false)
    server.advance(10_000)
    await keeper.ensure()
    expect(keeper.current()!.mode).toBe('offline') // not asked again yet
    server.advance(30_000)
    await keeper.ensure()
    expect(keeper.current()!.mode).toBe('online')
  })
})
