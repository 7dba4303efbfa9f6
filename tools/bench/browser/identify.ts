// 1:N identification at 100k members in the kiosk's browser (issue 16): tools/bench/identify.ts measures it in Node;
// this measures the kiosk's own code (identify-page.ts: galleryOfRows, prepareGallery, identifyMatcher, on the main
// thread as kiosk mode runs it) in headless Debian Chromium, with three and five descriptors a member. The page is
// bundled here with esbuild (as scripts/build-server.mjs bundles the server) and served through Playwright's routing
// with the app's script policy ('wasm-unsafe-eval': the kernel must compile under it) and cross-origin isolation (5 µs
// timers instead of 100 µs). Baseline: the full scan in the same page, which is also the reference every answer is
// checked against (the page throws on any difference). Each size gets a fresh page, so memory is the gallery's own.
import path from 'node:path'
import os from 'node:os'
import { chromium, type BrowserContext } from '@playwright/test'
import { build } from 'esbuild'
import type { SyntheticFaces } from '../descriptors'
import { chromiumPath, median, percentile, progress, ROOT, round, row, type Row } from '../lib'
import type { IdentifyPage, PageBuild, PageParams } from './identify-page'

const ORIGIN = 'http://localhost:8016'
const MiB = 2 ** 20

/** The page's script: identify-page.ts and what it imports from src/ and shared/ (the tsconfig's paths), one ES module. */
export async function identifyPageScript(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(ROOT, 'tools', 'bench', 'browser', 'identify-page.ts')],
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  })
  return out.outputFiles[0]!.text
}

async function serve(context: BrowserContext, script: string): Promise<void> {
  const headers = {
    'Content-Security-Policy': 'script-src \'self\' \'wasm-unsafe-eval\'',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  }
  const html = '<!doctype html><meta charset="utf-8"><title>Hadir: 1:N identify</title><script type="module" src="/identify.js"></script>'
  await context.route(`${ORIGIN}/**`, (route) => {
    const js = new URL(route.request().url()).pathname === '/identify.js'
    return route.fulfill({ status: 200, headers, contentType: js ? 'text/javascript' : 'text/html', body: js ? script : html })
  })
}

/** The page's JS heap plus its ArrayBuffers' backing stores, after a full GC (WebAssembly memories are not counted). */
async function pageBytes(cdp: Awaited<ReturnType<BrowserContext['newCDPSession']>>): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage')
  const usage = await cdp.send('Runtime.getHeapUsage')
  return usage.usedSize + (usage.backingStorageSize ?? 0)
}

export interface BrowserIdentifyOptions {
  members: number
  /** Descriptors a member, one row each. */
  templates: number[]
  probes: number
}

export async function benchBrowserIdentify(faces: SyntheticFaces, options: BrowserIdentifyOptions): Promise<Row[]> {
  const script = await identifyPageScript()
  const model = { mean: Array.from(faces.model.mean), between: Array.from(faces.model.between), within: faces.model.within }
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  const rows: Row[] = []
  try {
    const version = browser.version()
    for (const templates of options.templates) {
      const label = `${options.members / 1000}k`
      progress(`1:N identify in Chromium ${version}: ${options.members.toLocaleString('en')} members × ${templates} drawn in the page, main thread`)
      const context = await browser.newContext()
      try {
        await serve(context, script)
        const page = await context.newPage()
        const errors: string[] = []
        page.on('pageerror', (err) => errors.push(err.message))
        await page.goto(`${ORIGIN}/`)
        await page.waitForFunction(() => 'hadirIdentify' in globalThis, null, { timeout: 30_000 }).catch(() => {
          throw new Error(`the bench page did not load: ${errors.join('; ') || 'no error reported'}`)
        })
        const cdp = await context.newCDPSession(page)
        const before = await pageBytes(cdp)
        const params: PageParams = { members: options.members, templates, probes: options.probes, seed: 1600 + templates, model }
        const built: PageBuild = await page.evaluate((p) => (globalThis as unknown as { hadirIdentify: IdentifyPage }).hadirIdentify.build(p), params)
        const held = (await pageBytes(cdp)) - before
        const load = os.loadavg()[0]!
        const times = await page.evaluate(() => (globalThis as unknown as { hadirIdentify: IdentifyPage }).hadirIdentify.measure())
        const kernel = !built.simd
          ? 'FELL BACK: no WebAssembly SIMD in this page, so no index (plain early-exit scans)'
          : built.kernels.length === 0
            ? 'FELL BACK: WebAssembly SIMD, but no index could be built (plain early-exit scans)'
            : built.kernels.every((k) => k === 'wasm-simd')
              ? `WebAssembly SIMD kernel in all ${built.kernels.length} index shards`
              : `FELL BACK in part: kernels ${built.kernels.join(', ')} (no WebAssembly memory for some shards)`
        const keptBytes = built.rowsBytes + built.galleryBytes + built.indexBytes
        const memory = `memory ${round(built.rowsBytes / MiB, 0)} MiB stored rows (the kiosk keeps them beside the gallery) + ${round(built.galleryBytes / MiB, 0)} MiB gallery (float32) + ` +
          `${round(built.indexBytes / MiB, 0)} MiB index = ${round(keptBytes / options.members, 0).toLocaleString('en')} bytes a member ` +
          `(${round((built.galleryBytes + built.indexBytes) / options.members, 0).toLocaleString('en')} without the rows); the page's JS heap and array buffers grew by ${round(held / MiB, 0)} MiB (Chromium's count, WebAssembly memories aside)`
        const n = times.identifyMs.length
        rows.push(
          row({
            id: templates === options.templates[0] ? `browser.identify.${label}` : `browser.identify.${label}.x${templates}`,
            name: `1:N identify in the kiosk's browser (Chromium), ${label} members × ${templates} (${(options.members * templates).toLocaleString('en')} descriptors), median`,
            value: round(median(times.identifyMs), 2),
            unit: 'ms',
            baseline: round(median(times.scanMs), 2),
            baseline_name: 'straight Float32Array scan in the same page (the full scan every answer is checked against)',
            better: 'lower',
            target: '< 20 ms',
            note:
              `exact: all ${n} answers (identify() and the kiosk's matcher) are the full scan's, to the last bit; p95 ${round(percentile(times.identifyMs, 95), 2)} ms (scan p95 ${round(percentile(times.scanMs, 95), 2)} ms); ` +
              `${n} probes after 3 warm-up, half enrolled (${Math.round((100 * times.recognised) / n)}% recognised); ${kernel}; ${memory}; ` +
              `the kiosk's code (galleryOfRows, prepareGallery, identifyMatcher) on the page's main thread as kiosk mode runs it, Chromium ${version} headless; ` +
              `members drawn in ${round(built.drawMs / 1000, 1)} s, gallery built in ${round(built.galleryMs / 1000, 1)} s, index in ${round(built.indexMs / 1000, 1)} s; ` +
              `timer ${built.crossOriginIsolated ? '5 µs (cross-origin isolated)' : '100 µs'}; load average ${round(load, 1)} before timing`,
          }),
        )
        progress(`  ${label} × ${templates}: identify ${rows.at(-1)!.value} ms median (p95 ${round(percentile(times.identifyMs, 95), 2)}), full scan ${rows.at(-1)!.baseline} ms; ${kernel}; ${memory}`)
      } finally {
        await context.close()
      }
    }
  } finally {
    await browser.close()
  }
  return rows
}
