// What a member's phone downloads on its first visit: the JavaScript the page loads to show /m (gzip-compressed as a
// server or proxy would send it; the built server itself sends files as they are), and, apart, the face models the
// service worker then saves for offline use. Absolute numbers, no baseline.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { chromium } from '@playwright/test'
import { chromiumPath, progress, ROOT, round, row, type Row } from '../lib'

const PHONE = { width: 390, height: 844 }

export async function benchFirstLoad(url: string): Promise<Row[]> {
  progress('member first load: /m in a fresh phone profile')
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const scripts = new Map<string, { raw: number; gzip: number }>()
  let precached = 0
  try {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'id-ID' })
    const page = await context.newPage()
    const pending: Promise<void>[] = []
    page.on('response', (response) => {
      const type = response.request().resourceType()
      const u = new URL(response.url())
      if (u.origin !== new URL(url).origin || !(type === 'script' || u.pathname.endsWith('.js'))) return
      pending.push(
        response.body().then(
          (body) => {
            scripts.set(u.pathname, { raw: body.length, gzip: zlib.gzipSync(body, { level: 6 }).length })
          },
          () => {},
        ),
      )
    })
    // What the service worker saves in the background (the precache), counted apart.
    context.on('response', (response) => {
      if (response.request().serviceWorker()) pending.push(response.body().then((b) => void (precached += b.length), () => {}))
    })
    await page.goto(`${url}/m`, { waitUntil: 'networkidle' })
    await page.waitForTimeout(1500)
    await Promise.all(pending)
    await context.close()
  } finally {
    await browser.close()
  }
  const gzip = [...scripts.values()].reduce((s, x) => s + x.gzip, 0)
  const raw = [...scripts.values()].reduce((s, x) => s + x.raw, 0)
  const dir = path.join(ROOT, 'dist', 'client')
  const size = (sub: string) => fs.readdirSync(path.join(dir, sub)).reduce((s, f) => s + fs.statSync(path.join(dir, sub, f)).size, 0)
  const models = size('models')
  const wasm = fs.statSync(path.join(dir, 'wasm', 'tfjs-backend-wasm-simd.wasm')).size
  const faceJs = fs.readdirSync(path.join(dir, 'assets')).filter((f) => /^face\.worker.*\.js$/.test(f)).reduce((s, f) => s + zlib.gzipSync(fs.readFileSync(path.join(dir, 'assets', f))).length, 0)
  progress(`  ${scripts.size} scripts, ${round(gzip / 1024, 1)} KB gzip (${round(raw / 1024, 0)} KB raw); face models ${round(models / 2 ** 20, 2)} MB`)
  return [
    row({
      id: 'phone.js',
      name: 'JS shipped to a member\'s phone on first load (gzip)',
      value: round(gzip / 1024, 1),
      unit: 'KB',
      better: 'lower',
      target: '< 200 KB',
      note: `${scripts.size} files the page loads to show /m (${round(raw / 1024, 0)} KB uncompressed, gzip level 6): ${[...scripts.keys()].map((k) => path.basename(k)).join(', ')}; the face worker (face-api + tfjs, ${round(faceJs / 1024, 0)} KB gzip) loads only when the camera opens`,
    }),
    row({
      id: 'phone.models',
      name: 'face model bytes (TinyFaceDetector + 68 landmarks + recognition)',
      value: round(models / 2 ** 20, 2),
      unit: 'MB',
      better: 'lower',
      note: `plus the WASM runtime ${round(wasm / 1024, 0)} KB (SIMD build); saved by the service worker after the first visit${precached ? ` (it precached ${round(precached / 2 ** 20, 1)} MB in all during the first visit)` : ''}`,
    }),
  ]
}
