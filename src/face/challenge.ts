// Where a capture's liveness challenge comes from: the server issues it when it can be reached (a nonce, its steps, an
// expiry); without a network, or when the server is failing, the device draws its own with the same number of steps
// and the evidence says so (mode 'offline'). Pure apart from the request it is given.
import { challengeSteps, type ChallengePurpose, type IssuedChallenge } from '@shared/attendance/evidence'
import { ApiError } from '~/api/client'
import type { CaptureChallenge } from './evidence'

export type { CaptureChallenge } from './evidence'

/** How long to wait for the server's challenge before drawing one on the device (a phone on a poor connection). */
export const CHALLENGE_WAIT_MS = 6000

/** The device's own challenge for this purpose: the steps the server would ask for (random turns; a kiosk's 'move'). */
export function offlineChallenge(purpose: ChallengePurpose, random: () => number = Math.random): CaptureChallenge {
  return { steps: challengeSteps(purpose, random), mode: 'offline', expiresAt: null }
}

export function issuedChallenge(issued: IssuedChallenge): CaptureChallenge {
  const expires = Date.parse(issued.expires_at)
  return { challenge_id: issued.challenge_id, steps: [...issued.steps], mode: 'online', expiresAt: Number.isFinite(expires) ? expires : null }
}

/** Whether a failure to get a challenge means "no server right now" (draw one here) rather than a refusal. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 0 || error.status >= 500
  return error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** An issued challenge can still be answered for at least `marginMs` (the device's own never expires). */
export function answerable(challenge: CaptureChallenge, now = Date.now(), marginMs = 30_000): boolean {
  return challenge.expiresAt === null || challenge.expiresAt - now > marginMs
}

/**
 * The server's challenge for `purpose`, or the device's own when the server cannot be reached in time. A refusal
 * (not signed in, not allowed) is thrown: drawing a challenge would not make the capture acceptable.
 */
export async function obtainChallenge(
  purpose: ChallengePurpose,
  issue: (options: { signal: AbortSignal }) => Promise<IssuedChallenge>,
  options: { waitMs?: number; random?: () => number; online?: boolean } = {},
): Promise<CaptureChallenge> {
  const online = options.online ?? (typeof navigator === 'undefined' || navigator.onLine)
  if (!online) return offlineChallenge(purpose, options.random)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.waitMs ?? CHALLENGE_WAIT_MS)
  try {
    return issuedChallenge(await issue({ signal: controller.signal }))
  } catch (error) {
    if (isUnreachable(error)) return offlineChallenge(purpose, options.random)
    throw error
  } finally {
    clearTimeout(timer)
  }
}
