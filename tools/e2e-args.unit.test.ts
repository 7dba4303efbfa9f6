// The browser tests' Chromium flags (e2e/support/chromium-args.ts) replace Playwright's --disable-features, since
// Chromium keeps only the last one: they must still disable every feature Playwright does, whatever version is installed.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LAUNCH_ARGS, PLAYWRIGHT_DISABLED_FEATURES, UNSHOWN_BROWSER_UI } from '../e2e/support/chromium-args'

/** The feature names in playwright-core's `disabledFeatures = [...]` (its chromiumSwitches), read from its bundle. */
function playwrightDisabledFeatures(): string[] {
  const require = createRequire(import.meta.url)
  const lib = path.join(path.dirname(require.resolve('playwright-core/package.json')), 'lib')
  const bundle = ['coreBundle.js', 'server/chromium/chromiumSwitches.js'].map((f) => path.join(lib, f)).find((f) => fs.existsSync(f))
  if (!bundle) throw new Error(`playwright-core's chromium switches not found under ${lib}`)
  const source = fs.readFileSync(bundle, 'utf8')
  const list = /disabledFeatures = (?:\(\) => )?\[([\s\S]*?)\]/.exec(source)?.[1]
  if (!list) throw new Error(`no disabledFeatures list in ${bundle}`)
  // Its entries are string literals (some behind a condition: `cond ? "Name" : ""`), between comments.
  return [...list.replace(/\/\/.*$/gm, '').matchAll(/"([A-Z0-9]+)"/gi)].map((m) => m[1]!)
}

describe('the browser tests\' Chromium flags', () => {
  it('repeat every feature Playwright disables, since theirs replace Playwright\'s', () => {
    const theirs = playwrightDisabledFeatures()
    expect(theirs.length).toBeGreaterThan(5)
    expect(PLAYWRIGHT_DISABLED_FEATURES).toEqual(expect.arrayContaining(theirs))
  })

  it('pass one --disable-features: Playwright\'s list and the unshown browser UI', () => {
    const flags = LAUNCH_ARGS.filter((a) => a.startsWith('--disable-features='))
    expect(flags).toHaveLength(1)
    const names = flags[0]!.slice('--disable-features='.length).split(',')
    expect(names).toEqual([...PLAYWRIGHT_DISABLED_FEATURES, ...UNSHOWN_BROWSER_UI])
  })
})
