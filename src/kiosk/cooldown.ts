// Kiosk mode records a recognised face at once. A person who stays in front of the camera (or comes back a moment
// later) must not be recorded twice: within the cooldown after this device recorded them, they only see their card.

/**
 * How long after a record the same member is not recorded again by this kiosk's face mode: 5 minutes. A pupil who
 * lingers at the gate, or walks past the tablet again on the way in, must not be checked out a minute after checking
 * in (at 60 s that happened). Someone who really leaves sooner uses search or QR, which ask before recording.
 */
export const KIOSK_COOLDOWN_MS = 5 * 60_000

/** Milliseconds left of the member's cooldown (0 = may be recorded), given when this device last recorded them. */
export function cooldownLeft(lastCapturedAt: string | number | Date | null | undefined, now: number, cooldownMs: number = KIOSK_COOLDOWN_MS): number {
  if (lastCapturedAt === null || lastCapturedAt === undefined) return 0
  const last = new Date(lastCapturedAt).getTime()
  if (!Number.isFinite(last)) return 0
  // A capture "in the future" (the clock was set back) still counts as just now: never record twice because of it.
  const since = Math.max(0, now - last)
  return since >= cooldownMs ? 0 : cooldownMs - since
}

/** The latest capture of a list (by captured_at), or null. */
export function latestCapture<T extends { captured_at: string }>(captures: readonly T[]): T | null {
  let latest: T | null = null
  for (const c of captures) if (!latest || Date.parse(c.captured_at) > Date.parse(latest.captured_at)) latest = c
  return latest
}
