// Assurance checklists as the server's image check writes them (shared/attendance/evidence.ts), for the dashboard's
// tests: the API tests and the browser spec insert captures with these straight into the database, so they do not
// wait for the check itself to run.
import { assuranceLevel, type Assurance, type LivenessStep } from '../../../../shared/attendance/evidence'

type Checks = Pick<Assurance, 'face' | 'liveness' | 'place' | 'time'>

export interface AssuranceChange {
  evidence?: Assurance['evidence']
  face?: Partial<Assurance['face']>
  liveness?: Partial<Assurance['liveness']>
  place?: Partial<Assurance['place']>
  time?: Partial<Assurance['time']>
  /** Still being checked: face and liveness not looked at yet, no checked_at. */
  verifying?: boolean
}

/**
 * A capture on an issued challenge that passed everything ('high'), changed by `change`; the level follows from the
 * checks (assuranceLevel), as the server decides it.
 */
export function assuranceFor(capturedAt: Date, receivedAt: Date, change: AssuranceChange = {}): Assurance {
  const steps: LivenessStep[] = ['turn_left', 'turn_right']
  const evidence = change.evidence ?? 'online'
  const checks: Checks = {
    face: { outcome: 'pass', code: 'ok', distance: 0.612, other_distance: 1.183, threshold: 0.9, margin: 0.05, ...change.face },
    liveness: { outcome: 'pass', code: 'passed', mode: evidence === 'offline' ? 'offline' : 'online', steps, frames: 5, ...change.liveness },
    place: { outcome: 'pass', code: 'inside', distance_m: 42, accuracy_m: 12, radius_m: 100, ...change.place },
    time: { outcome: 'pass', code: 'ok', captured_at: capturedAt.toISOString(), received_at: receivedAt.toISOString(), skew_ms: 1200, ...change.time },
  }
  if (change.verifying) {
    checks.face = { ...checks.face, outcome: 'none', distance: null, other_distance: null }
    checks.liveness = { ...checks.liveness, outcome: 'none' }
  }
  return { version: 1, level: assuranceLevel({ evidence, ...checks }), evidence, ...checks, checked_at: change.verifying ? null : receivedAt.toISOString() }
}
