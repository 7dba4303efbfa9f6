// The order vitest starts test files in (vitest.config.ts sequence.sequencer): the longest first, over all projects.
//
// vitest's own order runs the projects one after another (api-pglite, api-postgres, then unit) and, without the
// durations of an earlier run (a clean checkout: CI), the larger files of each first. So the longest files, several of
// them short files with one long test (the fuzzing, a running server's backup, the class photo's face analysis), started
// last and ran on alone while the other workers had nothing left: the last minutes of `npm test` on one core of two.
// Longest first (the LPT rule) leaves the short files for the end, where they fill the workers evenly.
//
// A file's expected time: its duration in the previous run on this checkout (vitest's cache), else the rough figure
// below (seconds measured alone on the 2-core machine, 2026-12-06), else its size. Only the order changes: which tests
// run, and what they see, does not.
import fs from 'node:fs'
import path from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** Seconds, rough, of the longest files ("project:path" for one project, "path" for every project it runs in). */
const LONGEST: Readonly<Record<string, number>> = {
  'api-postgres:tools/hardening/fuzz.api.test.ts': 160,
  'server/face/group.unit.test.ts': 130,
  'server/face/evidence.unit.test.ts': 85,
  'tools/faces/eval.unit.test.ts': 70,
  'src/face/group.test.ts': 65,
  'api-postgres:tools/hardening/tenant-isolation.api.test.ts': 65,
  'tools/openapi/generated.unit.test.ts': 50,
  'server/features/faces/faces.api.test.ts': 40,
  'api-pglite:tools/backup/running.api.test.ts': 40,
  'tools/hardening/biometric.api.test.ts': 27,
  'server/restart.api.test.ts': 23,
  'server/auth/permissions.api.test.ts': 23,
  'server/features/attendance/roll-call.api.test.ts': 18,
  'server/features/attendance/integrity.api.test.ts': 15,
  'tools/backup/backup.api.test.ts': 14,
  'server/seed/demo.api.test.ts': 13,
  'server/features/attendance/attendance.api.test.ts': 13,
  'server/features/imports/imports.api.test.ts': 13,
  'tools/hardening/auth.api.test.ts': 12,
}

/** Without a measure, a file's size stands in: 4 bytes a millisecond (an ordinary 20 KB API test file: ~5 s). */
const BYTES_PER_MS = 4

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root
    const expected = (spec: TestSpecification): number => {
      const file = path.relative(root, spec.moduleId)
      const key = `${spec.project.name}:${file}`
      const last = this.ctx.cache.getFileTestResults(key)
      if (last?.duration) return last.duration
      const seconds = LONGEST[key] ?? LONGEST[file]
      if (seconds) return seconds * 1000
      const size = this.ctx.cache.getFileStats(key)?.size ?? (fs.existsSync(spec.moduleId) ? fs.statSync(spec.moduleId).size : 0)
      return size / BYTES_PER_MS
    }
    return files
      .map((spec) => ({ spec, ms: expected(spec) }))
      .sort((a, b) => a.spec.project.config.sequence.groupOrder - b.spec.project.config.sequence.groupOrder || b.ms - a.ms)
      .map(({ spec }) => spec)
  }
}
