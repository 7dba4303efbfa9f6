// The line under the kiosk's camera and the colour of the face box, from the tracker's state.
import type { TrackerState } from './tracker'

export type KioskHint = 'look' | 'one_person' | 'closer' | 'light' | 'checking' | 'turn' | 'unknown' | 'recognised'

export function trackerHint(state: TrackerState<unknown>): KioskHint {
  switch (state.status) {
    case 'idle':
      return 'look'
    case 'adjust':
      return state.reason === 'multiple_faces' ? 'one_person' : state.reason === 'too_small' ? 'closer' : 'light'
    case 'searching':
      return 'checking'
    case 'checking':
      return state.needsMotion ? 'turn' : 'checking'
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
