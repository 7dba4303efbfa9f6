// The order vitest starts test files in (vitest.config.ts sequence.sequencer): project by project, as vitest's own
// order, and within a project the longest files first.
//
// Without the durations of an earlier run (a clean checkout: CI), vitest's own order starts the larger files of a
// project first; the longest files are often short ones with one long test (the fuzzing, a running server's backup, the
// class photo's face analysis), which then started late and ran on alone. Longest first (the LPT rule) leaves the
// short files for the end, where they fill the workers evenly.
//
// The projects stay one after another: a worker runs the files of one project (isolate: false, one module graph), so
// interleaving them made vitest start fresh workers and import everything again. Measured (unit + API, cold caches,
// alone on the 2-core machine): interleaved 9.2 min and 16.0 CPU-min; vitest's order 6.1 min, 9.9 CPU-min; this
// order 5.9 min, 9.4 CPU-min.
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
      .sort((a, b) => a.spec.project.config.sequence.groupOrder - b.spec.project.config.sequence.groupOrder || a.spec.project.name.localeCompare(b.spec.project.name) || b.ms - a.ms)
      .map(({ spec }) => spec)
  }
}
