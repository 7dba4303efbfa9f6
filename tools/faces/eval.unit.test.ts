// `npm run face:eval` on real photos (../shared/faces/people): the totals, and the per-group figures issue 14 asks for
// when the folder says which group an identity belongs to.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '../../shared/face/match'
import { FACES_DIR } from '../test-support/faces'
import { evaluate, type EvaluateOptions, readGroups } from './eval'

const match = { threshold: DEFAULT_FACE_THRESHOLD, margin: DEFAULT_FACE_MARGIN }
/** Both evaluations read the same photos: each is extracted once (evaluate's `extractions`). */
const extractions: NonNullable<EvaluateOptions['extractions']> = new Map()
const IDENTITIES = ['p03', 'p04', 'p05', 'p06']
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-eval-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** A folder of the four identities (copies of their photos), with the group files asked for. */
function evalSet(name: string, groups: { json?: Record<string, string>; txt?: Record<string, string> } = {}): string {
  const dir = path.join(tmp, name)
  for (const id of IDENTITIES) {
    fs.mkdirSync(path.join(dir, id), { recursive: true })
    for (const file of fs.readdirSync(path.join(FACES_DIR, 'people', id))) fs.copyFileSync(path.join(FACES_DIR, 'people', id, file), path.join(dir, id, file))
  }
  if (groups.json) fs.writeFileSync(path.join(dir, 'groups.json'), JSON.stringify(groups.json))
  for (const [id, group] of Object.entries(groups.txt ?? {})) fs.writeFileSync(path.join(dir, id, 'group.txt'), `${group}\n`)
  return dir
}

const photosOf = (id: string) => fs.readdirSync(path.join(FACES_DIR, 'people', id)).length

describe('face:eval', () => {
  it('reports TAR and FAR overall and per group; the groups add up to the totals', async () => {
    const dir = evalSet('grouped', { json: { p04: 'a', p05: 'b', p03: 'b' }, txt: { p03: 'a' } })
    const lines: string[] = []
    const summary = await evaluate(dir, (l) => lines.push(l), match, { extractions })

    const total = IDENTITIES.reduce((s, id) => s + photosOf(id), 0)
    const enrolled = IDENTITIES.reduce((s, id) => s + Math.min(3, photosOf(id) - 1), 0)
    expect(summary).toMatchObject({ identities: 4, unknown: total, genuine: total - enrolled, false_accepts: 0, threshold: DEFAULT_FACE_THRESHOLD })
    expect(summary.tar).toBeGreaterThanOrEqual(0.8) // same-person distances stay under 0.5 on this folder

    // group.txt wins over groups.json; an identity named nowhere is in "-".
    expect(Object.keys(summary.groups ?? {})).toEqual(['-', 'a', 'b'])
    const g = summary.groups!
    expect([g['-']!.identities, g.a!.identities, g.b!.identities]).toEqual([1, 2, 1])
    expect(g.a!.unknown).toBe(photosOf('p03') + photosOf('p04'))
    for (const key of ['genuine', 'true_accepts', 'unknown', 'false_accepts'] as const) {
      expect(Object.values(g).reduce((s, x) => s + x[key], 0)).toBe(summary[key])
    }
    for (const x of Object.values(g)) {
      expect(x.tar).toBe(x.genuine ? Number((x.true_accepts / x.genuine).toFixed(4)) : 0)
      expect(x.false_accepts_within).toBeLessThanOrEqual(x.false_accepts)
    }
    expect(lines.some((l) => l.startsWith('group a: 2 identities, TAR '))).toBe(true)
  })

  it('a false accept counts against the probe\'s group, and "within" when the wrong match is of the same group', async () => {
    // A threshold nobody passes the margin of is no use here: accept everything (threshold 2, margin 0) so every
    // unknown probe is a false accept, and check where each lands.
    const dir = evalSet('loose', { json: { p03: 'x', p04: 'x', p05: 'y', p06: 'y' } })
    const summary = await evaluate(dir, () => {}, { threshold: 2, margin: 0 }, { extractions })
    const g = summary.groups!
    expect(summary.false_accepts).toBeGreaterThan(0)
    expect(g.x!.false_accepts + g.y!.false_accepts).toBe(summary.false_accepts)
    expect(g.x!.false_accepts).toBe(g.x!.unknown) // every photo extracts here, and each is accepted as someone
    expect(g.x!.far).toBe(1)
  })

  it('without group files there is no per-group report; a bad groups.json is a clear error', () => {
    expect(readGroups(evalSet('plain'), IDENTITIES)).toEqual([null, null, null, null])
    const bad = evalSet('bad')
    fs.writeFileSync(path.join(bad, 'groups.json'), '["p03"]')
    expect(() => readGroups(bad, IDENTITIES)).toThrow(/expected an object/)
  })
})
