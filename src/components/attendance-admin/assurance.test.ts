import { beforeAll, describe, expect, it } from 'vitest'
import type { Assurance } from '@shared/attendance/evidence'
import { i18n, loadDashboardMessages, loadLocales } from '~/modules/i18n'
import { assuranceFor, type AssuranceChange } from '../../../server/features/attendance/admin/assurance.fixtures'
import { captureState, firstFailure, stepsText } from './assurance'

await loadLocales() // both languages' messages: the tests switch between them

const captured = new Date('2026-11-16T07:52:00+07:00')
const received = new Date('2026-11-16T07:52:03+07:00')
const capture = (change: AssuranceChange = {}, verification: 'verifying' | 'done' = 'done') => ({
  verification,
  assurance: assuranceFor(captured, received, { ...change, verifying: verification === 'verifying' }),
  evidence: null,
})
const texts = (change: AssuranceChange = {}) => {
  const state = captureState(capture(change), 'Asia/Jakarta')
  return state.kind === 'none' ? {} : Object.fromEntries(state.lines.map((l) => [l.key, l.text]))
}

describe('a capture’s checklist in words', () => {
  beforeAll(async () => {
    await loadDashboardMessages()
    i18n.global.locale.value = 'en'
  })

  it('says what the server found about a genuine capture, with the face similarity in percent and the next person\'s', () => {
    const state = captureState(capture(), 'Asia/Jakarta')
    expect(state.kind).toBe('checked')
    if (state.kind !== 'checked') return
    expect(state.level).toBe('high')
    expect(state.lines.map((l) => [l.key, l.outcome])).toEqual([
      ['face', 'pass'],
      ['liveness', 'pass'],
      ['place', 'pass'],
      ['time', 'pass'],
      ['evidence', 'pass'],
    ])
    expect(texts()).toEqual({
      face: 'Matches this member (81.3% alike, minimum 59.5%); the next person is 30.0% alike.',
      liveness: 'The head turned as asked (turn left, then turn right), seen in 5 frames.',
      place: 'Inside the fence: 42 m from its centre (location accurate to 12 m).',
      time: 'The time is consistent.',
      evidence: 'Online: it answered a challenge the server had just issued.',
    })
    expect(state.lines.find((l) => l.key === 'time')?.detail).toMatch(/^Captured 16 Nov, 07:52:00 · received 16 Nov, 07:52:03$/)
    expect(firstFailure(state)).toBeNull()
  })

  it('makes a replayed or failed capture lead with what failed', () => {
    const replay = captureState(capture({ liveness: { outcome: 'fail', code: 'challenge_reused' } }))
    expect(replay.kind === 'checked' && replay.level).toBe('failed')
    expect(firstFailure(replay)?.text).toBe('Replayed: this challenge had already answered another capture.')
    const stranger = texts({ face: { outcome: 'fail', code: 'not_member', distance: 0.88, other_distance: 0.71 } })
    expect(stranger.face).toBe('Someone else is more alike: 74.8%, against 61.3% for this member.')
    expect(texts({ face: { outcome: 'fail', code: 'not_member', distance: 0.97 } }).face).toBe('Does not match this member: 53.0% alike, under the minimum 59.5%.')
    expect(texts({ face: { outcome: 'warn', code: 'low_margin', distance: 0.81, other_distance: 0.83 } }).face).toBe(
      'Most alike this member (67.2%), but the next person is almost as alike (65.6%): not clear enough.',
    )
    expect(texts({ place: { outcome: 'warn', code: 'outside', distance_m: 340, radius_m: 100, accuracy_m: 15 } }).place).toBe('Outside the fence: 340 m from its centre, which allows 100 m (accurate to 15 m).')
    expect(texts({ time: { outcome: 'warn', code: 'skewed', skew_ms: -12 * 60_000 } }).time).toBe('The device clock was off by 12 min; the server corrected it.')
  })

  it('shows a capture still being checked with the lines it has, and one without evidence as such', () => {
    const state = captureState(capture({}, 'verifying'))
    expect(state.kind).toBe('verifying')
    expect(state.kind !== 'none' && state.lines.map((l) => l.outcome)).toEqual(['checking', 'checking', 'pass', 'pass', 'pass'])
    expect(captureState({ verification: 'verifying', assurance: null, evidence: null })).toEqual({ kind: 'verifying', lines: [] })
    expect(captureState({ verification: 'done', assurance: null, evidence: null })).toEqual({ kind: 'none' })
    expect(texts({ evidence: 'offline' }).evidence).toMatch(/^Offline: /)
  })

  it('has words for every code of every check, in Indonesian and English', () => {
    const codes: AssuranceChange[] = [
      ...(['ok', 'low_margin', 'not_member', 'no_face', 'different_people', 'no_evidence', 'not_registered', 'unreadable'] as const).map((code) => ({ face: { code } })),
      { face: { code: 'ok', other_distance: null } },
      ...(['passed', 'wrong_order', 'no_turn', 'challenge_reused', 'challenge_unknown', 'outside_window', 'no_evidence'] as const).map((code) => ({ liveness: { code } })),
      ...(['inside', 'no_fence', 'no_fix', 'outside', 'inaccurate'] as const).map((code) => ({ place: { code } })),
      ...(['ok', 'skewed', 'stale', 'out_of_order', 'earlier_than_day', 'outside_challenge'] as const).map((code) => ({ time: { code } })),
      ...(['online', 'offline', 'none'] as Assurance['evidence'][]).map((evidence) => ({ evidence })),
    ]
    for (const locale of ['en', 'id'] as const) {
      i18n.global.locale.value = locale
      for (const change of codes) {
        const state = captureState(capture(change), 'Asia/Jakarta')
        for (const line of state.kind === 'none' ? [] : state.lines) {
          expect(line.text, `${locale} ${JSON.stringify(change)}`).not.toMatch(/dashAttendance|\{|\}/)
          expect(line.detail ?? '').not.toMatch(/dashAttendance|\{|\}/)
        }
      }
      expect(stepsText(['turn_right', 'turn_left'])).toBe(locale === 'en' ? 'turn right, then turn left' : 'menoleh ke kanan, lalu menoleh ke kiri')
    }
    i18n.global.locale.value = 'en'
  })
})
