import { defineConfig, devices } from '@playwright/test'
import { CHROMIUM_EXECUTABLE, LAUNCH_ARGS } from './e2e/support/chromium-args'
import type { WorkerOptions } from './e2e/support/fixtures'

// The lead's runner (scripts/test.mjs) builds the app, starts the server on a fresh database and passes its address
// in HADIR_E2E_URL; Playwright never starts a server itself.
const baseURL = process.env.HADIR_E2E_URL ?? 'http://127.0.0.1:3100'

export default defineConfig<object, WorkerOptions>({
  testDir: 'e2e',
  outputDir: 'test-results/artifacts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Limits against a hang, not speed measures: every wait is on a condition, so a generous limit costs nothing when the
  // machine is quick, and a busy one (the vitest stage runs beside, or anything else) only makes the waits longer.
  // 10 minutes: in the loaded clean-clone CI of 2026-12-06 tests with the old 3-minute limit took up to 2 of them
  // (kiosk.spec, security.spec, roll-call.spec), and a 4-minute one 2.6 (journey-setup).
  timeout: 600_000,
  // Each wait on a condition: 60 s (30 s until a clean-clone CI ran the load average past 20). A spec sets a longer one
  // where the condition takes minutes of work (a kiosk's models loading), never a shorter one, except inside a retried
  // block (`toPass`): the same machine under load takes longer for everything.
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL,
    ...devices['Desktop Chrome'],
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'Asia/Jakarta',
    // A trace records every test (the screencast of camera pages repainting, DOM snapshots) to keep only the failed
    // ones: ~10-15% of each test's time (face.spec: 2.3 min with, 2.0 without). HADIR_E2E_TRACE=1 turns it on.
    trace: process.env.HADIR_E2E_TRACE === '1' ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
    // The browser tests ask for less motion, as a phone or computer set that way does (the app follows the setting:
    // src/styles/base.css), except the journey, which walks through with the default. Headless Chromium composites
    // every frame of an endless animation in software: measured, a page with the live dot pulsing or a spinner
    // turning costs ~0.09 CPU-s per second it stays open (a still page ~0.001), and the specs keep dashboards and
    // kiosks open for minutes beside each other (the browser runs alone: 779 -> 707 CPU-s, 7.4 -> 6.8 min). What the
    // animations do is checked on their own (e2e/dashboard-attendance.spec.ts: the live dot pulses, and stops when
    // less motion is asked for). Contexts the specs open themselves get it too (support/browser.ts contextDefaults).
    reducedMotion: 'reduce',
    lessMotion: true,
    // Without the app's service worker, except in the journey and in the tests about working offline or about the
    // service worker itself (support/fixtures.ts useServiceWorker, `test.use`): a context that registers it installs it
    // and precaches the app (~0.8 MB), and every request of its pages then goes through it. Measured on the 2-core
    // machine, a fresh context opening /m until the network is quiet: 1.40 CPU-s with it, 0.90 without; the specs open
    // well over a hundred contexts (the browser stage alone: 14.9 -> 13.6 CPU-min). What it does (precache, offline
    // start, face files kept, the API never answered from its cache) is tested where it matters: foundation, bytes,
    // face, kiosk, leave, member-attendance, roll-call, the journey.
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: CHROMIUM_EXECUTABLE,
      args: LAUNCH_ARGS,
    },
  },
  // The foundation spec starts from an empty database (setup wizard), so it runs first; the rest build on it.
  projects: [
    { name: 'foundation', testMatch: /foundation\.spec\.ts/ },
    { name: 'chromium', testIgnore: [/foundation\.spec\.ts/, /journey(-\w+)?\.spec\.ts/], dependencies: ['foundation'] },
    // The journey starts a server of its own on a fresh database (e2e/support/server.ts): it needs nobody before it.
    // Its steps (e2e/journey-*.spec.ts) build on each other: journey.spec.ts runs them in order, none runs on its own.
    { name: 'journey', testMatch: /journey\.spec\.ts/, use: { reducedMotion: 'no-preference', lessMotion: false, serviceWorkers: 'allow' } },
  ],
})
