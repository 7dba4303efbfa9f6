// A capture's assurance (the server's checklist, shared/attendance/evidence.ts) as sentences an admin reads at a
// glance: one line per check with its outcome, and the overall level. Nothing is decided here: the outcomes and the
// level are the server's; this only puts them into words.
import type { Assurance, AssuranceLevel, CaptureEvent, CheckOutcome } from '~/api/attendance-admin'
import { i18n } from '~/modules/i18n'
import { formatInstant } from '~/composables/useFormat'
import { formatSimilarity } from '~/composables/formatSimilarity'

export type LineKey = 'face' | 'liveness' | 'place' | 'time' | 'evidence'
/** `checking`: the server has not looked yet (the capture is still being verified); `info`: worth knowing, not a fault. */
export type LineOutcome = CheckOutcome | 'checking' | 'info'

export interface CheckLine {
  key: LineKey
  outcome: LineOutcome
  text: string
  /** A second, quieter line (the time line's instants). */
  detail?: string
}

/** What the capture panel shows: the checklist, the capture still being checked, or no evidence at all. */
export type CaptureState = { kind: 'checked'; level: AssuranceLevel; lines: CheckLine[] } | { kind: 'verifying'; lines: CheckLine[] } | { kind: 'none' }

/** A message of dashAttendance.assurance (every one is exercised in assurance.test.ts, both languages). */
const say = (key: string, values: Record<string, unknown> = {}) => i18n.global.t(`dashAttendance.assurance.${key}`, values)

function tag(): string {
  return i18n.global.locale.value === 'id' ? 'id-ID' : 'en-GB'
}

function metres(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : new Intl.NumberFormat(tag(), { maximumFractionDigits: 0 }).format(value)
}

/** "turn left, then turn right". */
export function stepsText(steps: readonly string[]): string {
  const words = steps.map((s) => say(`step.${s}`))
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')}${say('step.then')}${words[words.length - 1]}`
}

function faceText(face: Assurance['face']): string {
  const values = { s: formatSimilarity(face.distance), other: formatSimilarity(face.other_distance), min: formatSimilarity(face.threshold) }
  if (face.code === 'ok') return say(face.other_distance === null ? 'face.okAlone' : 'face.ok', values) + (face.second_factor === 'qr' ? say('face.qr') : '')
  if (face.code === 'confusable') return say(face.second_factor === 'qr_invalid' ? 'face.confusableBadQr' : 'face.confusable', values)
  if (face.code === 'not_member') {
    if (face.distance !== null && face.distance > face.threshold) return say('face.overThreshold', values)
    if (face.distance !== null && face.other_distance !== null && face.other_distance < face.distance) return say('face.someoneCloser', values)
    return say('face.not_member', values)
  }
  return say(`face.${face.code}`, values)
}

function livenessText(liveness: Assurance['liveness']): string {
  return say(`liveness.${liveness.code}`, { steps: stepsText(liveness.steps), frames: liveness.frames })
}

function placeText(place: Assurance['place']): string {
  return say(`place.${place.code}`, { distance: metres(place.distance_m), accuracy: metres(place.accuracy_m), radius: metres(place.radius_m) })
}

function timeText(time: Assurance['time']): string {
  const lag = Date.parse(time.received_at) - Date.parse(time.captured_at)
  return say(`time.${time.code}`, { minutes: Math.round(Math.abs(time.skew_ms) / 60_000), hours: Math.max(0, Math.round(lag / 3_600_000)) })
}

/** The capture's checklist as lines (face, liveness, place, time, evidence), in that order. */
export function captureState(event: Pick<CaptureEvent, 'verification' | 'assurance' | 'evidence'>, timezone?: string): CaptureState {
  const a = event.assurance
  const verifying = event.verification === 'verifying'
  if (!a) return verifying ? { kind: 'verifying', lines: [] } : { kind: 'none' }
  const lines: CheckLine[] = [
    verifying ? { key: 'face', outcome: 'checking', text: say('checking') } : { key: 'face', outcome: a.face.outcome, text: faceText(a.face) },
    verifying ? { key: 'liveness', outcome: 'checking', text: say('checking') } : { key: 'liveness', outcome: a.liveness.outcome, text: livenessText(a.liveness) },
    { key: 'place', outcome: a.place.outcome, text: placeText(a.place) },
    {
      key: 'time',
      outcome: a.time.outcome,
      text: timeText(a.time),
      detail: say('time.instants', { captured: formatInstant(a.time.captured_at, timezone), received: formatInstant(a.time.received_at, timezone) }),
    },
    { key: 'evidence', outcome: a.evidence === 'online' ? 'pass' : a.evidence === 'offline' ? 'info' : 'fail', text: say(`evidence.${a.evidence}`) },
  ]
  return verifying ? { kind: 'verifying', lines } : { kind: 'checked', level: a.level, lines }
}

/** The first thing that went wrong, for the headline of a failed capture. */
export function firstFailure(state: CaptureState): CheckLine | null {
  return state.kind === 'checked' ? (state.lines.find((l) => l.outcome === 'fail') ?? null) : null
}

export const LEVEL_CLASS: Readonly<Record<AssuranceLevel, string>> = Object.freeze({ high: 'badge--success', medium: 'badge--accent', low: 'badge--warning', failed: 'badge--danger' })
