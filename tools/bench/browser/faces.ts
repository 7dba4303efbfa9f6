// The browser's face work, in headless Debian Chromium with a fake camera (a Y4M video of a real photo):
// - the app's face pipeline (detector + landmarks + descriptor, in its face worker) per frame, on WASM and on WebGL,
//   inside the running kiosk (/p/kiosk), against raw @vladmandic/face-api on the same camera in a bare page;
// - the time from opening the kiosk route to the first recognised face (the first frame the kiosk identifies the
//   member), cold (a fresh browser profile) and warm (from the service worker), against the same bare page cold and
//   warm (from the HTTP cache).
// WebGL here is SwiftShader (no GPU on this machine): the app itself would never pick it (its self-test prefers WASM
// on a software renderer), so the WebGL rows force it on both sides to compare like with like.
import { FACE_MODEL } from '../../../shared/face/model'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { descriptorToBytes } from '../../../shared/face/descriptor'
import { selfieFrame } from '../../../e2e/support/fake-camera'
import { writeY4m } from '../../../e2e/support/y4m'
import type { RealFace } from '../generators'
import { chromiumPath, median, notMeasured, percentile, progress, ROOT, round, row, type Row } from '../lib'
import type { World } from '../world'
import { PIN } from '../world'

const require = createRequire(import.meta.url)
const CACHE = path.join(ROOT, 'test-results', 'bench')
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']
const TABLET = { width: 1024, height: 768 }

/** The person in front of the camera: people/p02 (p02-1.jpg framed like a selfie, held still). */
const PERSON = { identity: 'p02', video: 'p02-1.jpg', name: 'Siti Rahmawati' }

function launch(video: string, webgl: boolean): Promise<Browser> {
  const gpu = webgl ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] : ['--disable-gpu']
  return chromium.launch({ executablePath: chromiumPath(), args: [...BASE_ARGS, ...gpu, `--use-file-for-fake-video-capture=${video}`] })
}

// ---------------------------------------------------------------- the bare page's static server

/** Serves the bare page, face-api's browser bundle, the built app's models and wasm files, and the gallery, cacheable. */
async function bareServer(gallery: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const files: Record<string, string> = {
    '/bare.html': path.join(ROOT, 'tools', 'bench', 'browser', 'bare.html'),
    '/face-api.esm.js': require.resolve('@vladmandic/face-api/dist/face-api.esm.js'),
  }
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream' }
  const galleryJson = Buffer.from(JSON.stringify(gallery))
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    let file = files[url.pathname]
    if (!file && /^\/(models|wasm)\/[\w.-]+$/.test(url.pathname)) file = path.join(ROOT, 'dist', 'client', url.pathname)
    const body = url.pathname === '/gallery.json' ? galleryJson : file && fs.existsSync(file) ? fs.readFileSync(file) : null
    if (!body) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(url.pathname)] ?? 'application/octet-stream', 'Cache-Control': url.pathname === '/bare.html' ? 'no-cache' : 'public, max-age=3600' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

// ---------------------------------------------------------------- the app's side

interface BenchState {
  frames: { t: number; inferenceMs: number; descriptor: boolean; faces: number }[]
  firstMatch: number | null
  error?: string | null
}

/** Records, in the page, every face-worker answer (its own inference time) and the first frame the kiosk identified. */
async function instrument(context: BrowserContext, orgId: number, backend: 'wasm' | 'webgl' | null): Promise<void> {
  await context.addInitScript(
    ({ orgId, backend }) => {
      const w = window as unknown as { __bench: BenchState; Worker: typeof Worker }
      try {
        localStorage.setItem(`hadir.kiosk.station.${orgId}`, JSON.stringify({ location_id: null, department_id: null }))
        if (backend) localStorage.setItem('hadir.face.backend.v1', backend)
      } catch {
        // storage not ready on about:blank
      }
      const bench: BenchState = (w.__bench = { frames: [], firstMatch: null })
      const Original = w.Worker
      w.Worker = class extends Original {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options)
          this.addEventListener('message', (event: MessageEvent) => {
            const m = event.data as { type?: string; result?: { inferenceMs: number; descriptor: unknown; faces: unknown[] } }
            if (m?.type === 'result' && m.result) bench.frames.push({ t: performance.now(), inferenceMs: m.result.inferenceMs, descriptor: m.result.descriptor != null, faces: m.result.faces.length })
          })
        }
      }
      new MutationObserver(() => {
        if (bench.firstMatch !== null) return
        const tracker = document.querySelector('[data-testid="kiosk-mode"]')?.getAttribute('data-tracker')
        if (tracker === 'checking' || tracker === 'accepted') bench.firstMatch = performance.now()
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-tracker'] })
    },
    { orgId, backend },
  )
}

/** A fresh browser profile of an enrolled tablet with the petugas signed in (its own enrolment and invitation). */
async function tabletContext(browser: Browser, world: World, label: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: world.server.url, viewport: TABLET, locale: 'id-ID', timezoneId: 'Asia/Jakarta', permissions: ['camera'] })
  const petugas = await world.admin.post<{ id: number }>(`/api/organizations/${world.orgId}/members`, { name: `Petugas ${label}`, member_number: `PK-${label}-${Date.now() % 100000}`, role: 'petugas' })
  const invitation = await world.admin.post<{ code: string }>(`/api/organizations/${world.orgId}/members/${petugas.id}/invitations`, {})
  const device = await world.admin.post<{ enrol_code: string }>(`/api/organizations/${world.orgId}/devices`, { name: `Tablet ${label}` })
  for (const [p, body] of [
    ['/api/devices/enrol', { code: device.enrol_code }],
    ['/api/mobile/invitations/redeem', { code: invitation.code, pin: PIN }],
  ] as const) {
    const res = await context.request.post(p, { data: body })
    if (!res.ok()) throw new Error(`${p}: ${res.status()} ${await res.text()}`)
  }
  return context
}

async function waitFor<T>(page: Page, what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined) return value
    const state = (await page.evaluate(() => (window as unknown as { __bench?: BenchState }).__bench?.error ?? null).catch(() => null)) as string | null
    if (state) throw new Error(`${what}: ${state}`)
    if (Date.now() > until) throw new Error(`${what}: timed out after ${timeoutMs / 1000} s`)
    await page.waitForTimeout(200)
  }
}

const benchState = (page: Page) => page.evaluate(() => (window as unknown as { __bench: BenchState }).__bench)

/** Opens `url` and waits for the first identified face; answers ms since navigation start. */
async function timeToFirstMatch(page: Page, url: string, what: string): Promise<number> {
  await page.goto(url)
  return waitFor(page, what, 180_000, async () => (await benchState(page)).firstMatch)
}

/** Waits until `count` frames with a descriptor arrived after the first `skip`, answers their inference times. */
async function frameTimes(page: Page, what: string, skip: number, count: number): Promise<number[]> {
  const frames = await waitFor(page, what, 60_000 + count * 20_000, async () => {
    const f = (await benchState(page)).frames.filter((x) => x.descriptor)
    return f.length >= skip + count ? f : null
  })
  return frames.slice(skip, skip + count).map((f) => f.inferenceMs)
}

export interface FaceBrowserOptions {
  frames: number
  webglFrames: number
}

export async function benchBrowserFaces(world: World, real: readonly RealFace[], options: FaceBrowserOptions): Promise<Row[]> {
  // The member in front of the kiosk, registered with their other photos' descriptors (as their phone would have).
  const photo = path.join(ROOT, '..', 'shared', 'faces', 'people', PERSON.identity, PERSON.video)
  const member = await world.admin.post<{ id: number }>(`/api/organizations/${world.orgId}/members`, { name: PERSON.name, member_number: 'K-0001', role: 'member' })
  const own = real.filter((f) => f.identity === PERSON.identity && path.basename(f.file) !== PERSON.video)
  if (own.length < 2) throw new Error(`need photos of ${PERSON.identity} besides ${PERSON.video}`)
  await world.sql`insert into member_face_data ${world.sql(own.map((f) => ({ organization_id: world.orgId, organization_member_id: member.id, face_encoding: Buffer.from(descriptorToBytes(f.descriptor)), model: FACE_MODEL.id, face_verified: true })))}`

  progress('browser faces: fake camera video (a still selfie of a real photo)')
  const frame = await selfieFrame(photo)
  if (!frame) throw new Error(`${photo}: no clear face for the camera`)
  const video = writeY4m(path.join(CACHE, 'kiosk-still.y4m'), [frame])
  const gallery = await world.tablet.get('/api/face/gallery')
  const bare = await bareServer(gallery)
  const rows: Row[] = []
  const kioskUrl = `${world.server.url}/p/kiosk`
  const galleryNote = `kiosk gallery ${(gallery as { members: unknown[] }).members.length.toLocaleString('en')} members`
  try {
    // WASM: the app cold, warm and per frame; the bare page cold, warm and per frame.
    const browser = await launch(video, false)
    try {
      progress('  app kiosk, cold (fresh profile): open /p/kiosk until the member is identified')
      const context = await tabletContext(browser, world, 'wasm')
      await instrument(context, world.orgId, null)
      let page = await context.newPage()
      const appCold = await timeToFirstMatch(page, kioskUrl, 'app kiosk (cold)')
      const backendCold = await page.getAttribute('[data-testid="kiosk-mode"]', 'data-backend')
      progress(`    ${round(appCold / 1000, 1)} s (backend ${backendCold}); per-frame timings`)
      const appWasm = await frameTimes(page, 'app frames (wasm)', 2, options.frames)
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
      await page.close()
      progress('  app kiosk, warm (service worker)')
      page = await context.newPage()
      const appWarm = await timeToFirstMatch(page, kioskUrl, 'app kiosk (warm)')
      const fromSw = await page.evaluate(() => !!navigator.serviceWorker.controller)
      progress(`    ${round(appWarm / 1000, 1)} s (controlled by the service worker: ${fromSw})`)
      await context.close()

      progress('  bare page, cold')
      const bareContext = await browser.newContext({ viewport: TABLET, permissions: ['camera'] })
      let barePage = await bareContext.newPage()
      const bareCold = await timeToFirstMatch(barePage, `${bare.url}/bare.html?mode=kiosk&backend=wasm`, 'bare page (cold)')
      const bareWasm = await frameTimes(barePage, 'bare frames (wasm)', 2, options.frames)
      await barePage.close()
      progress('  bare page, warm (HTTP cache)')
      barePage = await bareContext.newPage()
      const bareWarm = await timeToFirstMatch(barePage, `${bare.url}/bare.html?mode=kiosk&backend=wasm`, 'bare page (warm)')
      await bareContext.close()

      rows.push(
        row({ id: 'browser.pipeline.wasm', name: 'browser face pipeline (detect + landmarks + descriptor) per frame, WASM, in the app', value: round(median(appWasm), 0), unit: 'ms', baseline: round(median(bareWasm), 0), baseline_name: 'raw face-api detection + landmarks only (no descriptor: face-api has not the app\'s model), bare page', better: 'lower', note: `median of ${appWasm.length} frames (p95 ${round(percentile(appWasm, 95), 0)} ms; bare p95 ${round(percentile(bareWasm, 95), 0)} ms); the app's time is its worker's (frame to pixels, inference, and the JPEG of the frame the kiosk keeps)` }),
        row({ id: 'browser.kiosk.cold', name: 'kiosk: open /p/kiosk to the first recognised face, cold', value: round(appCold, 0), unit: 'ms', baseline: round(bareCold, 0), baseline_name: 'bare page, cold, to the first face found (no identification)', better: 'lower', note: `fresh profile: app, gallery, models (${galleryNote}) and camera; "recognised" = the first frame the kiosk identifies the member (before its liveness movement check and the record)` }),
        row({ id: 'browser.kiosk.warm', name: 'kiosk: open /p/kiosk to the first recognised face, warm', value: round(appWarm, 0), unit: 'ms', baseline: round(bareWarm, 0), baseline_name: 'bare page, warm (HTTP cache), to the first face found', better: 'lower', note: `app from its service worker (controlling: ${fromSw}), gallery from IndexedDB, backend remembered` }),
      )
    } finally {
      await browser.close()
    }

    // WebGL (SwiftShader on this machine), forced on both sides.
    if (options.webglFrames === 0) {
      rows.push(notMeasured('browser.pipeline.webgl', 'browser face pipeline per frame, WebGL, in the app', 'ms', 'skipped by --quick (SwiftShader takes over a minute to compile the models for WebGL here); the full run measures it'))
      return rows
    }
    const gl = await launch(video, true)
    try {
      progress('  WebGL (SwiftShader): app kiosk')
      const context = await tabletContext(gl, world, 'webgl')
      await instrument(context, world.orgId, 'webgl')
      const page = await context.newPage()
      await timeToFirstMatch(page, kioskUrl, 'app kiosk (webgl)')
      const backend = await page.getAttribute('[data-testid="kiosk-mode"]', 'data-backend')
      const appGl = await frameTimes(page, 'app frames (webgl)', 1, options.webglFrames)
      await context.close()
      progress('  WebGL (SwiftShader): bare page')
      const bareContext = await gl.newContext({ viewport: TABLET, permissions: ['camera'] })
      const barePage = await bareContext.newPage()
      await barePage.goto(`${bare.url}/bare.html?mode=frames&backend=webgl`)
      const bareGl = await frameTimes(barePage, 'bare frames (webgl)', 1, options.webglFrames)
      const bareBackend = (await benchState(barePage)) as BenchState & { backend?: string }
      await bareContext.close()
      rows.push(
        row({ id: 'browser.pipeline.webgl', name: 'browser face pipeline per frame, WebGL (SwiftShader, no GPU here), in the app', value: round(median(appGl), 0), unit: 'ms', baseline: round(median(bareGl), 0), baseline_name: 'raw face-api detection + landmarks only (no descriptor: face-api has not the app\'s model), bare page', better: 'lower', note: `median of ${appGl.length} frames after the first; backends: app ${backend}, bare ${bareBackend.backend ?? '?'}; forced: the app's self-test keeps WASM on a software renderer` }),
      )
    } finally {
      await gl.close()
    }
  } finally {
    await bare.close()
  }
  return rows
}
