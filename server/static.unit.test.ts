import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { precompress } from '../scripts/precompress.mjs'
import type { AppEnv } from './context'
import { secureHeaders } from 'hono/secure-headers'
import { IMMUTABLE, mountClient, REVALIDATE, trimDocumentHeaders } from './static'

// A small build output: hashed assets, the shell, the service worker, the manifest, a face model manifest and an icon.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-static-'))
const script = `export const rows = [${Array.from({ length: 400 }, (_, i) => `{ id: ${i}, name: "member ${i}" }`).join(', ')}]\n`
const files: Record<string, string | Buffer> = {
  'index.html': `<!doctype html><html><head><title>Hadir</title><script type="module" src="/assets/index-AbC123xy.js"></script></head><body><div id="app"></div>${'<!-- shell -->'.repeat(40)}</body></html>`,
  'assets/index-AbC123xy.js': script,
  'assets/index-Zz9Yy8Xx.css': `${Array.from({ length: 200 }, (_, i) => `.c${i} { color: #0f766e; margin: ${i}px }`).join('\n')}\n`,
  'sw.js': `self.__WB_MANIFEST = ${JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ url: `assets/f${i}.js`, revision: null })))}\n`,
  'manifest.webmanifest': JSON.stringify({ name: 'Hadir', short_name: 'Hadir', description: 'Absensi dengan pengenalan wajah untuk banyak organisasi.', icons: Array.from({ length: 6 }, (_, i) => ({ src: `/icons/icon-${i}.png`, sizes: '192x192', type: 'image/png' })) }),
  'models/tiny_face_detector_model-weights_manifest.json': JSON.stringify([{ weights: Array.from({ length: 60 }, (_, i) => ({ name: `conv${i}/filters`, shape: [3, 3, 16, 32], dtype: 'float32' })), paths: ['tiny_face_detector_model.bin'] }]),
  // Random bytes do not compress: no sibling is kept for them.
  'icons/icon-192.png': crypto.randomBytes(4000),
}

let app: Hono<AppEnv>
beforeAll(async () => {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), content)
  }
  await precompress(dir)
  app = new Hono<AppEnv>()
  app.get('/api/ping', (c) => c.json({ ok: true }))
  mountClient(app, dir)
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const read = (name: string) => fs.readFileSync(path.join(dir, name))
const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => app.request(url, { method, headers })
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer())

describe('precompressed build output (scripts/precompress.mjs)', () => {
  it('writes a smaller .br and .gz beside every compressible file, and none beside what does not compress', () => {
    for (const name of ['index.html', 'assets/index-AbC123xy.js', 'assets/index-Zz9Yy8Xx.css', 'sw.js', 'manifest.webmanifest', 'models/tiny_face_detector_model-weights_manifest.json']) {
      const original = read(name)
      expect(zlib.brotliDecompressSync(read(`${name}.br`)).equals(original)).toBe(true)
      expect(zlib.gunzipSync(read(`${name}.gz`)).equals(original)).toBe(true)
      expect(read(`${name}.br`).length).toBeLessThan(original.length)
    }
    expect(fs.existsSync(path.join(dir, 'icons/icon-192.png.br'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'icons/icon-192.png.gz'))).toBe(false)
  })

  it('removes siblings whose file is gone when run again', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-static-'))
    try {
      fs.writeFileSync(path.join(other, 'a.js'), script)
      await precompress(other)
      fs.rmSync(path.join(other, 'a.js'))
      fs.writeFileSync(path.join(other, 'b.js'), script)
      const rows = await precompress(other)
      expect(rows.map((r) => r.file)).toEqual(['b.js'])
      expect(fs.readdirSync(other).sort()).toEqual(['b.js', 'b.js.br', 'b.js.gz'])
    } finally {
      fs.rmSync(other, { recursive: true, force: true })
    }
  })

  it('keeps each compression by its file\'s content: the next build takes it from there, a changed file is compressed anew, unused entries go', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-precompress-cache-'))
    const builds = [0, 1, 2].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-static-')))
    const entries = () => fs.readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
    try {
      fs.writeFileSync(path.join(builds[0]!, 'a.js'), script)
      await precompress(builds[0]!, { cacheDir })
      expect(entries()).toHaveLength(2) // a.js's brotli and gzip
      const uncached = fs.readFileSync(path.join(builds[0]!, 'a.js.br'))
      // The same bytes in another build: the kept compression is what it gets (marked here to see it), not a new one.
      const brEntry = entries().find((f) => f.endsWith('.br'))!
      expect(fs.readFileSync(brEntry).equals(uncached)).toBe(true)
      const marked = Buffer.concat([uncached, Buffer.from('kept')])
      fs.writeFileSync(brEntry, marked)
      fs.writeFileSync(path.join(builds[1]!, 'a.js'), script)
      await precompress(builds[1]!, { cacheDir })
      expect(fs.readFileSync(path.join(builds[1]!, 'a.js.br')).equals(marked)).toBe(true)
      // Changed content: compressed anew, never an older file's answer.
      const changed = `${script}export const more = 1\n`
      fs.writeFileSync(path.join(builds[2]!, 'a.js'), changed)
      await precompress(builds[2]!, { cacheDir })
      expect(zlib.brotliDecompressSync(fs.readFileSync(path.join(builds[2]!, 'a.js.br'))).toString()).toBe(changed)
      expect(entries()).toHaveLength(4)
      // An entry unused for more than 14 days is dropped by the next build; the ones it used stay.
      const old = new Date(Date.now() - 15 * 86_400_000)
      fs.utimesSync(brEntry, old, old)
      await precompress(builds[2]!, { cacheDir })
      expect(entries()).toHaveLength(3)
      expect(fs.existsSync(brEntry)).toBe(false)
      // Without a cache: the same compression as with one.
      await precompress(builds[0]!, { cacheDir: null })
      expect(fs.readFileSync(path.join(builds[0]!, 'a.js.br')).equals(uncached)).toBe(true)
    } finally {
      for (const d of [cacheDir, ...builds]) fs.rmSync(d, { recursive: true, force: true })
    }
  })
})

describe('serving the built app (server/static.ts)', () => {
  const js = '/assets/index-AbC123xy.js'

  it('sends the .br file to a browser that accepts br, with the original type, Vary and its length', async () => {
    const res = await get(js, { 'accept-encoding': 'gzip, deflate, br, zstd' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBe('br')
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i)
    expect(res.headers.get('content-length')).toBe(String(read(`${js.slice(1)}.br`).length))
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE)
    const body = await bytes(res)
    expect(body.equals(read(`${js.slice(1)}.br`))).toBe(true)
    expect(zlib.brotliDecompressSync(body).toString()).toBe(script)
  })

  it('sends the .gz file to one that accepts gzip only', async () => {
    const res = await get(js, { 'accept-encoding': 'gzip' })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(res.headers.get('content-length')).toBe(String(read(`${js.slice(1)}.gz`).length))
    const body = await bytes(res)
    expect(body.equals(read(`${js.slice(1)}.gz`))).toBe(true)
    expect(zlib.gunzipSync(body).toString()).toBe(script)
  })

  it('sends the file itself, still with Vary, to one that accepts neither', async () => {
    const asks: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }]
    for (const headers of asks) {
      const res = await get(js, headers)
      expect(res.headers.get('content-encoding')).toBeNull()
      expect(res.headers.get('vary')).toMatch(/accept-encoding/i)
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(script)))
      expect((await bytes(res)).toString()).toBe(script)
    }
  })

  it('caches hashed assets for a year and has the shell, service worker, manifest and models revalidated', async () => {
    expect((await get('/assets/index-Zz9Yy8Xx.css', { 'accept-encoding': 'br' })).headers.get('cache-control')).toBe(IMMUTABLE)
    for (const url of ['/', '/index.html', '/sw.js', '/manifest.webmanifest', '/models/tiny_face_detector_model-weights_manifest.json', '/icons/icon-192.png', '/admin/members']) {
      const res = await get(url, { 'accept-encoding': 'br, gzip' })
      expect(res.status, url).toBe(200)
      expect(res.headers.get('cache-control'), url).toBe(REVALIDATE)
    }
  })

  it('compresses the shell, the service worker, the manifest and the models JSON; never the PNG', async () => {
    const cases: [string, string, RegExp][] = [
      ['/', 'index.html', /^text\/html/],
      ['/admin/members', 'index.html', /^text\/html/], // a client-side route: the shell
      ['/sw.js', 'sw.js', /^text\/javascript/],
      ['/manifest.webmanifest', 'manifest.webmanifest', /^application\/manifest\+json/],
      ['/models/tiny_face_detector_model-weights_manifest.json', 'models/tiny_face_detector_model-weights_manifest.json', /^application\/json/],
      ['/assets/index-Zz9Yy8Xx.css', 'assets/index-Zz9Yy8Xx.css', /^text\/css/],
    ]
    for (const [url, file, type] of cases) {
      const res = await get(url, { 'accept-encoding': 'gzip, deflate, br' })
      expect(res.headers.get('content-encoding'), url).toBe('br')
      expect(res.headers.get('content-type'), url).toMatch(type)
      expect(zlib.brotliDecompressSync(await bytes(res)).equals(read(file)), url).toBe(true)
    }
    const png = await get('/icons/icon-192.png', { 'accept-encoding': 'br, gzip' })
    expect(png.headers.get('content-encoding')).toBeNull()
    expect(png.headers.get('vary')).toBeNull()
    expect((await bytes(png)).equals(read('icons/icon-192.png'))).toBe(true)
  })

  it('answers a Range request with bytes of the file itself, whatever the client accepts', async () => {
    const res = await get(js, { 'accept-encoding': 'br, gzip', 'range': 'bytes=7-19' })
    expect(res.status).toBe(206)
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('content-range')).toBe(`bytes 7-19/${Buffer.byteLength(script)}`)
    expect((await bytes(res)).toString()).toBe(script.slice(7, 20))
  })

  it('answers HEAD with the headers and length of what GET would send', async () => {
    const br = await get(js, { 'accept-encoding': 'br' }, 'HEAD')
    expect(br.status).toBe(200)
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('content-length')).toBe(String(read(`${js.slice(1)}.br`).length))
    expect((await bytes(br)).length).toBe(0)
    const plain = await get(js, {}, 'HEAD')
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('content-length')).toBe(String(Buffer.byteLength(script)))
  })

  it('answers 304 to a revalidation when the file has not changed, and the file when it has', async () => {
    const first = await get('/sw.js', { 'accept-encoding': 'br' })
    const lastModified = first.headers.get('last-modified')!
    expect(lastModified).toBeTruthy()
    const again = await get('/sw.js', { 'accept-encoding': 'br', 'if-modified-since': lastModified })
    expect(again.status).toBe(304)
    expect(again.headers.get('cache-control')).toBe(REVALIDATE)
    expect((await bytes(again)).length).toBe(0)
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString()
    const changed = await get('/sw.js', { 'accept-encoding': 'br', 'if-modified-since': older })
    expect(changed.status).toBe(200)
    expect(zlib.brotliDecompressSync(await bytes(changed)).equals(read('sw.js'))).toBe(true)
  })

  it('leaves the API alone and still answers 404 for a missing file', async () => {
    expect(await (await get('/api/ping', { 'accept-encoding': 'br' })).json()).toEqual({ ok: true })
    expect((await get('/assets/missing-123.js', { 'accept-encoding': 'br' })).status).toBe(404)
  })
})

describe('security headers on the built files', () => {
  it('keeps the document-only headers on the shell and the worker scripts, and drops them from other files', async () => {
    fs.writeFileSync(path.join(dir, 'assets/face.worker-Ab12Cd34.js'), 'self.onmessage = () => {}\n')
    const secured = new Hono<AppEnv>()
    secured.use('*', trimDocumentHeaders())
    secured.use('*', secureHeaders({ contentSecurityPolicy: { defaultSrc: ['\'self\''] } }))
    secured.get('/api/ping', (c) => c.json({ ok: true }))
    mountClient(secured, dir)
    const headersOf = async (url: string) => (await secured.request(url, { headers: { 'accept-encoding': 'br' } })).headers
    for (const url of ['/', '/m/login', '/index.html', '/sw.js', '/assets/face.worker-Ab12Cd34.js', '/api/ping']) {
      const h = await headersOf(url)
      expect(h.get('content-security-policy'), url).toContain('default-src \'self\'')
      expect(h.get('x-frame-options'), url).toBe('SAMEORIGIN')
      expect(h.get('referrer-policy'), url).toBe('no-referrer')
    }
    for (const url of ['/assets/index-AbC123xy.js', '/assets/index-Zz9Yy8Xx.css', '/manifest.webmanifest', '/icons/icon-192.png', '/models/tiny_face_detector_model-weights_manifest.json']) {
      const h = await headersOf(url)
      expect(h.get('content-security-policy'), url).toBeNull()
      expect(h.get('x-frame-options'), url).toBeNull()
      expect(h.get('permissions-policy'), url).toBeNull()
      expect(h.get('x-content-type-options'), url).toBe('nosniff')
      expect(h.get('cross-origin-resource-policy'), url).toBe('same-origin')
      expect(h.get('strict-transport-security'), url).toMatch(/max-age=/)
    }
  })
})
