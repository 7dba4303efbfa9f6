// What each surface downloads on its first visit, on the wire: every byte the server sends through a counting proxy
// (e2e/support/counting-proxy.ts) to a fresh Chromium profile, headers and compressed bodies, the service worker and
// its precache included. Phone: /m until the service worker controls the page and the network is quiet. Face runtime:
// what the same phone then downloads at its first face screen (the files of /device-files.json it needs, fetched
// through the service worker as src/face/runtime.ts does). Tablet: /p, then the face runtime, the recognition model
// and the petugas screens, as a tablet does at enrolment. Dashboard: the sign-in page on a desktop. Absolute numbers.
import { chromium, type Page } from '@playwright/test'
import { countingProxy } from '../../../e2e/support/counting-proxy'
import { chromiumPath, progress, round, row, type Row } from '../lib'

const PHONE = { width: 390, height: 844 }

interface Files {
  worker: { url: string }[]
  wasm: { url: string }[]
  models: { url: string }[]
  recognition: { url: string }[]
  petugas: { url: string }[]
}

async function settled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
  await page.waitForFunction(() => !!navigator.serviceWorker.controller)
  await page.waitForLoadState('networkidle')
}

/** Fetches these paths in the page (through its service worker, which keeps them), reading every body. */
async function fetchAll(page: Page, paths: string[]): Promise<void> {
  await page.evaluate(async (list) => {
    for (const p of list) {
      const response = await fetch(p)
      if (!response.ok) throw new Error(`${p}: HTTP ${response.status}`)
      await response.arrayBuffer()
    }
  }, paths)
}

export async function benchFirstLoad(url: string): Promise<Row[]> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  const kb = (bytes: number) => round(bytes / 1000, 1)
  try {
    progress('bytes on the wire: /m on a fresh phone, then its first face screen')
    const phoneProxy = await countingProxy(url)
    const phone = await browser.newContext({ baseURL: phoneProxy.url, viewport: PHONE, isMobile: true, hasTouch: true, locale: 'id-ID' })
    const page = await phone.newPage()
    await page.goto('/m')
    await settled(page)
    const phoneBytes = phoneProxy.received()
    const phoneRequests = phoneProxy.requests.length
    const files = (await (await page.request.get('/device-files.json')).json()) as Files
    const simd = files.wasm.filter((f) => f.url.endsWith('/tfjs-backend-wasm-simd.wasm'))
    await fetchAll(page, [...files.worker, ...simd, ...files.models].map((f) => `/${f.url}`))
    const faceBytes = phoneProxy.received() - phoneBytes
    await phone.close()
    await phoneProxy.close()

    progress('bytes on the wire: /p on a fresh tablet, then what it keeps at enrolment')
    const tabletProxy = await countingProxy(url)
    const tablet = await browser.newContext({ baseURL: tabletProxy.url, viewport: { width: 1024, height: 768 }, locale: 'id-ID' })
    const tabletPage = await tablet.newPage()
    await tabletPage.goto('/p')
    await settled(tabletPage)
    const tabletOpen = tabletProxy.received()
    await fetchAll(tabletPage, [...files.worker, ...simd, ...files.models, ...files.recognition, ...files.petugas].map((f) => `/${f.url}`))
    const tabletBytes = tabletProxy.received()
    await tablet.close()
    await tabletProxy.close()

    progress('bytes on the wire: the dashboard sign-in on a fresh desktop')
    const deskProxy = await countingProxy(url)
    const desk = await browser.newContext({ baseURL: deskProxy.url, viewport: { width: 1366, height: 900 }, locale: 'id-ID' })
    const deskPage = await desk.newPage()
    await deskPage.goto('/admin/login')
    await settled(deskPage)
    const deskBytes = deskProxy.received()
    const deskFace = deskProxy.requests.filter((r) => /^GET \/(models|wasm)\//.test(r)).length
    await desk.close()
    await deskProxy.close()

    progress(`  phone /m ${kb(phoneBytes)} KB, its face runtime ${kb(faceBytes)} KB; tablet ${kb(tabletBytes)} KB; dashboard ${kb(deskBytes)} KB`)
    return [
      row({
        id: 'wire.phone',
        name: 'a phone opening /m for the first time, bytes on the wire (page, service worker, precache)',
        value: kb(phoneBytes),
        unit: 'KB',
        better: 'lower',
        target: '≤ 300 KB',
        note: `${phoneRequests} requests until the service worker controls the page and the network is quiet; no face runtime, petugas or dashboard code`,
      }),
      row({
        id: 'wire.face',
        name: 'the face runtime a phone downloads at its first face screen, bytes on the wire',
        value: kb(faceBytes),
        unit: 'KB',
        better: 'lower',
        note: 'face worker (face-api + tfjs), the SIMD WASM build, detector and landmarks weights; kept by the service worker for offline use',
      }),
      row({
        id: 'wire.tablet',
        name: 'a petugas tablet: /p and what it keeps at enrolment, bytes on the wire',
        value: kb(tabletBytes),
        unit: 'KB',
        better: 'lower',
        note: `opening /p: ${kb(tabletOpen)} KB; then the face runtime, the recognition model and ONNX runtime, the petugas screens`,
      }),
      row({
        id: 'wire.dashboard',
        name: 'a desktop opening the dashboard sign-in for the first time, bytes on the wire',
        value: kb(deskBytes),
        unit: 'KB',
        better: 'lower',
        note: `face model requests: ${deskFace}`,
      }),
    ]
  } finally {
    await browser.close()
  }
}
