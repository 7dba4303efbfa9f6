// The browser and the flags of every Chromium the browser tests launch (playwright.config.ts's own pages, the camera
// browsers, the journey's desktop and tablet), in one place.
//
// The browser: CHROMIUM_PATH (scripts/test.mjs sets it to what scripts/test-env.mjs findChromium finds), else Debian's
// headless shell when installed (package chromium-headless-shell, as Playwright's own headless runs use), else Debian's
// full build.
//
// Chromium 156's full build in new headless mode (`--headless`; the headless shell has no browser UI at all) opens two
// WebUI renderers for every window it creates: the omnibox popup and its AI-mode variant (chrome://omnibox-popup.top-chrome),
// preloaded though nothing ever shows them. Each one loads and lays out a web page: measured on this machine, 10
// contexts opened one after another cost 8.3 CPU-s with them and 6.4 without. The browser tests open hundreds of
// contexts beside each other on two cores, so they are switched off here. Nothing the app does goes through them.
//
// Chromium keeps only the last --disable-features it is given, and Playwright passes its own list before ours, so ours
// repeats Playwright's (PLAYWRIGHT_DISABLED_FEATURES; tools/e2e-args.unit.test.ts fails when Playwright's list changes).

import fs from 'node:fs'
import { findChromium } from '../../scripts/test-env.mjs'

/** The Chromium every browser test launches. */
export const CHROMIUM_EXECUTABLE = findChromium() ?? '/usr/bin/chromium'

/**
 * Debian's full build, where installed, for what only a full browser has: its camera prompt, refused (e2e/face.spec.ts:
 * the headless shell has no prompt, and its getUserMedia fails with NotSupportedError whatever the flags, where a
 * refused browser says NotAllowedError), and a notification permission not yet asked (e2e/notifications.spec.ts: the
 * shell answers 'denied' before anyone asks).
 */
export const FULL_CHROMIUM = fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : CHROMIUM_EXECUTABLE

/** The features Playwright 1.6x disables in every Chromium it launches (playwright-core's chromiumSwitches). */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
]

/** The browser's own UI pages that headless tests never show. */
export const UNSHOWN_BROWSER_UI = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup']

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...UNSHOWN_BROWSER_UI].join(',')}`,
]

/** Chromium's flags for a camera (a fake device, allowed without asking); what it shows is the paced camera's. */
export const CAMERA_ARGS = [...LAUNCH_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']
