import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium } from '@playwright/test'
import consent from './journey-consent.spec'
import installable from './journey-installable.spec'
import kiosk from './journey-kiosk.spec'
import phones from './journey-phones.spec'
import review from './journey-review.spec'
import setup from './journey-setup.spec'
import { CHROMIUM_EXECUTABLE, LAUNCH_ARGS } from './support/browser'
import { facesDir, VIDEO_DIR } from './support/fake-camera'
import { expect, test } from './support/fixtures'
import { JOURNEY_DIR, serverDataDirs } from './support/journey'
import { a11y, J, launched, personApis, prepareFacesAside, timings } from './support/journey-world'
import { startOwnServer } from './support/server'

// The whole life of an organization, end to end, on a production build of its own with a fresh PostgreSQL database
// (support/server.ts), in Debian Chromium with fake cameras fed from real photos (../shared/faces/people):
//   1. an admin runs the setup wizard, builds the organization (departments, a schedule, a location), imports five
//      members from an .xlsx file made here, adds a petugas and enrols the tablet (e2e/journey-setup.spec.ts);
//   2. two members open their invitations on their phones, set PINs, consent, register their faces and check in (the
//      server checks each capture's evidence: one is verified, the other waits for review, with the reason)
//      (e2e/journey-phones.spec.ts);
//   3. the kiosk recognises a third member by face, asks for one head turn, and refuses a face nobody registered;
//   4. offline, the kiosk records two more check-ins, survives a reload, and syncs them exactly once when the network
//      returns, while the admin's dashboard shows them arrive without a reload (3 and 4: e2e/journey-kiosk.spec.ts);
//   5. the admin filters today's attendance, approves a flagged record, corrects one with a reason and exports the
//      monthly report (the file's totals are checked); a support user sees and reports but cannot change anything
//      (e2e/journey-review.spec.ts);
//   6. a member withdraws consent: face verification stops and the photos are gone (e2e/journey-consent.spec.ts).
// Screenshots of every main screen go to test-results/journey/ (phone 390x844, tablet 1024x768 and 1280x800, desktop
// 1440x900), axe-core scans each of them, and the PWA's installability basics are checked at the end
// (e2e/journey-installable.spec.ts).
//
// The steps build on each other, so this file runs them in order, serially (a step that fails skips the rest); each
// step's file defines its tests when called here, and none runs on its own (playwright.config.ts: the journey
// project matches this file only). Who takes part, their devices and the state the steps hand on to each other:
// support/journey-world.ts.

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(420_000)
  facesDir() // fail clearly, first, when the photos are missing
  fs.rmSync(JOURNEY_DIR, { recursive: true, force: true })
  const started = Date.now()
  J.preparing = prepareFacesAside()
  J.preparing.catch(() => {}) // awaited (and reported) by the step that needs it
  const before = new Set(serverDataDirs('journey'))
  J.server = await startOwnServer('journey')
  const made = serverDataDirs('journey').filter((d) => !before.has(d))
  expect(made, 'the data directory of the journey server').toHaveLength(1)
  J.dataDir = made[0]!
  J.tabletProfile = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-kiosk-profile-'))
  J.base = J.server.url
  console.log(`journey server: ${J.base} on ${J.server.database}`)
  J.desktop = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: LAUNCH_ARGS })
  timings.server = Date.now() - started
})

test.afterAll(async () => {
  a11y.save()
  console.log('journey timings (ms):', { ...timings, accessibilityScans: a11y.ms })
  for (const api of Object.values(personApis)) await api.dispose().catch(() => {})
  for (const browser of launched) await browser.close().catch(() => {})
  await J.tablet?.close().catch(() => {})
  await J.desktop?.close().catch(() => {})
  await J.server?.stop()
  if (J.preparer && J.preparer.exitCode === null) J.preparer.kill()
  if (J.tabletProfile) fs.rmSync(J.tabletProfile, { recursive: true, force: true })
})

test.afterEach(() => {
  // A failed step shows what the server said meanwhile.
  if (J.server && test.info().status !== test.info().expectedStatus) console.log(`--- journey server log (end) ---\n${J.server.log().slice(-3000)}`)
})

setup()
phones()
kiosk()
review()
consent()
installable()

// Paths the lead may want to look at after a run.
test.afterAll(() => {
  console.log(`journey screenshots: ${path.resolve(JOURNEY_DIR)}; fake camera frames: ${VIDEO_DIR}`)
})
