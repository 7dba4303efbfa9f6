/**
 * How long a test waits for a condition (`vi.waitFor`, `expect.poll`: 1 s by default), a guard against a condition that
 * never comes and never a measure of speed: a loaded 2-core machine takes longer for everything. vitest.config.ts's
 * HANG_GUARD_MS guards each whole test.
 */
export const CONDITION_WAIT_MS = 120_000
