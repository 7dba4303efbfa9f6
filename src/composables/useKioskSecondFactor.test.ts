// Kiosk mode's second factor: reads frames until the member's own current code shows; reports wrong codes once per
// change; ends on time or when cancelled. The QR reader is replaced by a scripted one (what the camera "shows").
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'

const shown: (string | null)[] = []
let readerFails = false
vi.mock('~/kiosk/qr-reader', () => ({
  createQrReader: async () => {
    if (readerFails) throw new Error('no BarcodeDetector, no canvas')
    return { kind: 'jsqr', read: async () => (shown.length > 1 ? shown.shift()! : (shown[0] ?? null)) }
  },
}))

const { useKioskSecondFactor, SECOND_FACTOR_WAIT_MS } = await import('./useKioskSecondFactor')

const SIG = 'abcdefghijABCDEFGHIJ_-'
const code = (member: number, org = 3, exp = 1_800_000_000) => `HQ1.${org}.${member}.${exp}.${SIG}`
const video = ref({ readyState: 4, videoWidth: 640 } as unknown as HTMLVideoElement)

describe('the kiosk’s second factor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_000 - 60_000 })
    shown.length = 0
    readerFails = false
  })
  afterEach(() => vi.useRealTimers())

  it('answers the member’s own code, after saying what was wrong with the others', async () => {
    shown.push(null, 'https://example.com', code(43), code(43), code(42, 4), code(42))
    const problems: string[] = []
    const asked = useKioskSecondFactor(video).ask(3, 42, (p) => problems.push(p))
    await vi.advanceTimersByTimeAsync(5_000)
    await expect(asked).resolves.toEqual({ token: code(42) })
    expect(problems).toEqual(['not_a_member_code', 'other_member', 'other_organization'])
  })

  it('gives up when the time is up, and when cancelled', async () => {
    shown.push(code(43))
    const second = useKioskSecondFactor(video)
    const timedOut = second.ask(3, 42, () => {})
    await vi.advanceTimersByTimeAsync(SECOND_FACTOR_WAIT_MS + 1_000)
    await expect(timedOut).resolves.toEqual({ token: null, reason: 'timeout' })
    const cancelled = second.ask(3, 42, () => {})
    await vi.advanceTimersByTimeAsync(1_000)
    second.cancel()
    await vi.advanceTimersByTimeAsync(1_000)
    await expect(cancelled).resolves.toEqual({ token: null, reason: 'cancelled' })
  })

  it('says so when the tablet cannot read QR codes, and waits for the petugas', async () => {
    readerFails = true
    const problems: string[] = []
    const asked = useKioskSecondFactor(video).ask(3, 42, (p) => problems.push(p))
    await vi.advanceTimersByTimeAsync(SECOND_FACTOR_WAIT_MS + 1_000)
    await expect(asked).resolves.toEqual({ token: null, reason: 'timeout' })
    expect(problems).toEqual(['engine'])
  })
})
