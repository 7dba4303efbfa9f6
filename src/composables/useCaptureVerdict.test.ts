import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import type { CaptureStatus } from '~/api/attendance'
import { ApiError } from '~/api/client'

// The confirmation screen asks the server about the capture it just sent, less and less often, until the server's
// check has ended; never before the record left the phone. (Fake timers: no test waits on the clock.)

const answers: (CaptureStatus | Error)[] = []
const asked: string[] = []
vi.mock('~/api/attendance', () => ({
  getCaptureStatus: vi.fn(async (id: string) => {
    asked.push(id)
    const next = answers.length > 1 ? answers.shift()! : answers[0]!
    if (next instanceof Error) throw next
    return next
  }),
}))

const { useCaptureVerdict } = await import('./useCaptureVerdict')

const status = (approval: CaptureStatus['approval_status'], extra: Partial<CaptureStatus> = {}): CaptureStatus => ({
  client_id: 'c1',
  verification: approval === 'verifying' ? 'verifying' : 'done',
  approval_status: approval,
  level: approval === 'verifying' ? null : 'high',
  record_id: 1,
  flags: [],
  reasons: [],
  ...extra,
})

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTick()
}

beforeEach(() => {
  vi.useFakeTimers()
  answers.length = 0
  asked.length = 0
})
afterEach(() => {
  vi.useRealTimers()
})

describe('useCaptureVerdict', () => {
  it('waits for the record to leave the phone, then asks until the check is done', async () => {
    answers.push(status('verifying'), status('verifying'), status('approved'))
    const scope = effectScope()
    const clientId = ref<string | null>('c1')
    const delivered = ref(false)
    const verdict = scope.run(() => useCaptureVerdict(clientId, delivered))!
    await settle()
    expect(verdict.state.value).toBe('unsent')
    expect(asked).toEqual([])

    delivered.value = true
    await settle()
    expect(asked).toEqual(['c1'])
    expect(verdict.state.value).toBe('verifying')
    await vi.advanceTimersByTimeAsync(1000)
    expect(asked).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1500)
    expect(asked).toHaveLength(3)
    expect(verdict.state.value).toBe('verified')
    // Done: no more questions.
    await vi.advanceTimersByTimeAsync(60_000)
    expect(asked).toHaveLength(3)
    scope.stop()
  })

  it('keeps asking through "not found yet" and network failures, and shows a review with its reasons', async () => {
    answers.push(new ApiError(404, 'NOT_FOUND', 'no'), new ApiError(0, 'NETWORK', 'offline'), status('pending', { reasons: ['face_not_member'] }))
    const scope = effectScope()
    const verdict = scope.run(() => useCaptureVerdict(ref('c1'), ref(true)))!
    await settle()
    await vi.advanceTimersByTimeAsync(1000 + 1500)
    expect(verdict.state.value).toBe('review')
    expect(verdict.status.value?.reasons).toEqual(['face_not_member'])
    scope.stop()
  })

  it('stops asking when the screen goes away', async () => {
    answers.push(status('verifying'))
    const scope = effectScope()
    scope.run(() => useCaptureVerdict(ref('c1'), ref(true)))
    await settle()
    scope.stop()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(asked).toHaveLength(1)
  })

  it('gives up after about five minutes and points to the history', async () => {
    answers.push(status('verifying'))
    const scope = effectScope()
    const verdict = scope.run(() => useCaptureVerdict(ref('c1'), ref(true)))!
    await settle()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(verdict.state.value).toBe('later')
    const count = asked.length
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(asked).toHaveLength(count)
    scope.stop()
  })
})
