// What the test run can use on this machine: a PostgreSQL server and a Chromium.
import fs from 'node:fs'
import { createRequire } from 'node:module'

export const PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export async function postgresReachable(url = PG_URL) {
  const { default: postgres } = await import('postgres')
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

/**
 * Debian's headless shell (package chromium-headless-shell): Chromium's own engine without the desktop browser around it,
 * what Playwright runs for headless tests when it installs its browsers (since 1.49, "chromium-headless-shell"). The full
 * build in headless mode runs the whole browser UI for every context without showing it: measured on the 2-core machine
 * (three rounds each, interleaved, the app's server included), eight contexts each opening a page of the app cost
 * 13.4-16.5 CPU-s with /usr/bin/chromium and 9.1-10.2 with the shell.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell'

/** CHROMIUM_PATH, then Debian's headless shell, then Debian's /usr/bin/chromium, then a browser Playwright installed itself. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, HEADLESS_SHELL, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  for (const c of candidates) if (c && fs.existsSync(c)) return c
  try {
    const require = createRequire(import.meta.url)
    const { chromium } = require('playwright-core')
    const p = chromium.executablePath()
    if (p && fs.existsSync(p)) return p
  } catch {
    /* no Playwright browser */
  }
  return null
}
