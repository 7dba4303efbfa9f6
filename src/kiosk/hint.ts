// The line under the kiosk's camera and the colour of the face box, from the tracker's state.
import type { KioskIdleHint } from './card'
import type { TrackerState } from './tracker'

export type KioskHint = 'look' | 'one_person' | 'closer' | 'light' | 'checking' | 'unknown' | 'recognised'

export function trackerHint(state: TrackerState<unknown>): KioskHint {
  switch (state.status) {
    case 'idle':
      return 'look'
    case 'adjust':
      return state.reason === 'multiple_faces' ? 'one_person' : state.reason === 'too_small' ? 'closer' : 'light'
    case 'searching':
      return 'checking'
    case 'checking':
      // The kiosk's liveness is its challenge's head turn, asked for on the big card: never a second, vaguer ask here.
      return 'checking'
    case 'unknown':
      return 'unknown'
    case 'accepted':
      return 'recognised'
  }
}

export function trackerTone(state: TrackerState<unknown>): 'neutral' | 'ok' | 'bad' {
  if (state.status === 'checking' || state.status === 'accepted') return 'ok'
  if (state.status === 'unknown') return 'bad'
  return 'neutral'
}

/** The idle card's one instruction (src/kiosk/card.ts): the states that come before a member's own card. */
export function idleHint(state: TrackerState<unknown>): KioskIdleHint {
  const hint = trackerHint(state)
  return hint === 'unknown' || hint === 'recognised' ? 'checking' : hint
}
