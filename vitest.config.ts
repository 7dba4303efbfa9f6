import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'
import { LongestFirst } from './tools/test-support/sequencer'

const alias = {
  '~': fileURLToPath(new URL('./src', import.meta.url)),
  '@shared': fileURLToPath(new URL('./shared', import.meta.url)),
}

// Three projects: plain unit tests, and the API tests twice — on a real PostgreSQL and on embedded PGlite.
// scripts/test.mjs picks which of them can run on this machine.
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
          // Limits against a hung test, not speed measures: face inference or scrypt on a 2-core machine shared with the
          // browser tests (or anything else) took past 120 s (measured 122-130 s at load average 30), so 10 minutes.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'api-postgres',
          include: ['server/**/*.api.test.ts', 'tools/**/*.api.test.ts'],
          // A backup of a running embedded installation runs embedded servers of its own whatever the project's
          // database: on PGlite's project only.
          exclude: ['tools/backup/running.api.test.ts'],
          env: { HADIR_TEST_DB: 'postgres' },
          setupFiles: ['tools/test-support/once-per-run.setup.ts'],
          isolate: false,
          // One migrated database per run that every test file's database is cloned from.
          globalSetup: ['vitest.postgres-template.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'api-pglite',
          include: ['server/**/*.api.test.ts', 'tools/**/*.api.test.ts'],
          // The isolation matrix and the fuzzing drive every route through the same app code whatever the database:
          // they run on PostgreSQL (production's database) only; every other API test file runs on both.
          exclude: ['tools/hardening/tenant-isolation.api.test.ts', 'tools/hardening/fuzz.api.test.ts'],
          env: { HADIR_TEST_DB: 'pglite' },
          setupFiles: ['tools/test-support/once-per-run.setup.ts'],
          isolate: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
})
