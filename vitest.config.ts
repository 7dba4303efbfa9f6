import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'
import { LongestFirst } from './tools/test-support/sequencer'

const alias = {
  '~': fileURLToPath(new URL('./src', import.meta.url)),
  '@shared': fileURLToPath(new URL('./shared', import.meta.url)),
}

// Three projects: plain unit tests, and the API tests on a real PostgreSQL and on embedded PGlite. scripts/test.mjs
// picks which of them can run on this machine.

const API_TESTS = ['server/**/*.api.test.ts', 'tools/**/*.api.test.ts']

/**
 * The API test files that run on the embedded database (PGlite) too when PostgreSQL runs them: those whose code depends
 * on the engine or its one connection. Production runs on PostgreSQL, which every API test file runs on; what differs on
 * PGlite is narrow, and these files reach all of it:
 * - its data folder and start: a restart keeps the data, the demo seed, backups of a stopped and of a running
 *   installation, the first start's setup;
 * - raw statements, whose results the two drivers shape differently (arrays or `{ rows }`, json parsed or as text,
 *   text[]): the sync's lookups and write, the attendance lists and today's board, reports and the day grid, schedules
 *   and shifts, rate limits;
 * - its one connection: the job queue shares it (queue, webhooks, notifications, maintenance, face template migration),
 *   one long transaction with progress beside it (imports), LISTEN/NOTIFY inside the process (live attendance),
 *   advisory locks and row-level security (tenant);
 * - check-in and check-out end to end.
 * A statement sent outside an open transaction of the same request, which would wait forever on PGlite, fails every
 * route's tests on PostgreSQL (tools/test-support/one-connection.ts). Without PostgreSQL (HADIR_PGLITE_ALL=1, set by
 * scripts/test.mjs) every API test file runs on PGlite.
 */
const EMBEDDED_ENGINE_TESTS = [
  'server/restart.api.test.ts',
  'server/db/raw.api.test.ts',
  'server/seed/demo.api.test.ts',
  'tools/backup/backup.api.test.ts',
  'tools/backup/running.api.test.ts',
  'server/features/setup/setup.api.test.ts',
  'server/features/attendance/sync.*.api.test.ts',
  'server/features/attendance/attendance.api.test.ts',
  'server/features/attendance/maintenance.api.test.ts',
  'server/features/attendance/admin/attendance-{list,live,today}.api.test.ts',
  'server/features/reports/*.api.test.ts',
  'server/features/shifts/shifts.api.test.ts',
  'server/features/schedules/day-hours.api.test.ts',
  'server/auth/shared-limits.api.test.ts',
  'server/jobs/queue.api.test.ts',
  'server/features/webhooks/webhooks.api.test.ts',
  'server/features/notifications/notifications.api.test.ts',
  'server/face/migrate.api.test.ts',
  'server/features/imports/imports.api.test.ts',
  'server/db/tenant.api.test.ts',
  'tools/test-support/one-connection.api.test.ts',
]
/**
 * Every test's and hook's limit: a guard against a hang, never a measure of speed (no test waits on time, only on
 * conditions), so one generous number for all, and no test sets its own (a per-test limit is one more number for a busier
 * machine to outgrow). 30 minutes, inside CI's 90: beside two CPU hogs and a second browser run on the slow 2-core
 * machine (2026-12-07), the restart, demo-seed and backup tests, which start servers on new embedded databases, ran past
 * the 10 and 15 minutes they had; face inference or scrypt on a loaded machine had earlier run past 2 minutes.
 * tools/backup/running.api.test.ts keeps a longer one of its own. The waits on a condition inside a test
 * (`vi.waitFor`, `expect.poll`: 1 s by default) are given tools/test-support/waits.ts's CONDITION_WAIT_MS.
 */
const HANG_GUARD_MS = 1_800_000

export default defineConfig({
  resolve: { alias },
  test: {
    // Three test files at once: API tests spend much of their time waiting on PostgreSQL or on scrypt's thread pool,
    // so on the 2-core CI machine three workers halve the wall time (607 s -> 314 s) where the default ran one.
    maxWorkers: 3,
    // Each worker runs its test files one after another in one module graph (not a fresh process and fresh imports per
    // file): on this 2-core VM a process start and its first-touched memory cost several times what they do on bare
    // hardware (a page fault ~11 µs), and the per-file imports were most of the API projects' time (api-postgres +
    // api-pglite alone: 420 s wall, 712 core-s isolated; 230 s, 350 core-s not; unit: 96 s -> 70 s). Test files share
    // no state through modules: each builds its own app on its own database, and module-level caches are keyed by
    // object (WeakMap per database or gallery) or by content; what a setup file patches it patches once per worker.
    isolate: false,
    // Within each project the longest test files first (tools/test-support/sequencer.ts): no worker is left alone at
    // the end with a long file started last.
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'src/**/*.test.ts', 'server/**/*.unit.test.ts', 'tools/**/*.unit.test.ts'],
          environment: 'node',
          isolate: false,
          setupFiles: ['tools/test-support/browser-storage.setup.ts'],
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'api-postgres',
          include: API_TESTS,
          // A backup of a running embedded installation runs embedded servers of its own whatever the project's
          // database: on PGlite's project only.
          exclude: ['tools/backup/running.api.test.ts'],
          env: { HADIR_TEST_DB: 'postgres' },
          setupFiles: ['tools/test-support/once-per-run.setup.ts', 'tools/test-support/one-connection.setup.ts'],
          isolate: false,
          // One migrated database per run that every test file's database is cloned from.
          globalSetup: ['vitest.postgres-template.ts'],
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'api-pglite',
          include: process.env.HADIR_PGLITE_ALL === '1' ? API_TESTS : EMBEDDED_ENGINE_TESTS,
          // The isolation matrix and the fuzzing drive every route through the same app code whatever the database:
          // on PostgreSQL (production's database) only.
          exclude: ['tools/hardening/tenant-isolation.api.test.ts', 'tools/hardening/fuzz.api.test.ts'],
          env: { HADIR_TEST_DB: 'pglite' },
          setupFiles: ['tools/test-support/once-per-run.setup.ts'],
          // The migrated PGlite template every test file's database is loaded from, made before the workers start.
          globalSetup: ['vitest.pglite-template.ts'],
          isolate: false,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
        },
      },
    ],
  },
})
