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

/** CHROMIUM_PATH, then Debian's /usr/bin/chromium, then a browser Playwright installed itself. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
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
