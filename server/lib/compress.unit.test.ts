import zlib from 'node:zlib'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { describe, expect, it } from 'vitest'
import { chooseEncoding, compressBody, compressResponses, INLINE_COMPRESS_MAX } from './compress'

const big = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `Member ${i}`, status: i % 3 ? 'present' : 'late' })) }
const csv = `name,status\n${Array.from({ length: 200 }, (_, i) => `Member ${i},present`).join('\n')}\n`

function app() {
  const a = new Hono()
  a.use('*', compressResponses())
  a.get('/big', (c) => c.json(big))
  a.get('/small', (c) => c.json({ ok: true }))
  a.get('/csv', (c) => c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' }))
  a.get('/xlsx', (c) => c.body(new Uint8Array(4096).fill(7), 200, { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }))
  a.get('/jpeg', (c) => c.body(new Uint8Array(4096).fill(7), 200, { 'Content-Type': 'image/jpeg' }))
  a.get('/no-transform', (c) => c.json(big, 200, { 'Cache-Control': 'no-transform' }))
  a.get('/error', (c) => c.json({ error: { code: 'X', message: 'x'.repeat(2000) } }, 422))
  let release = () => {}
  const released = new Promise<void>((r) => (release = r))
  a.get('/sse', (c) =>
    streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'ready', data: 'x'.repeat(2000) })
      await released // the stream stays open until the test has read the first event
      await stream.writeSSE({ event: 'end', data: 'bye' })
    }),
  )
  return { a, release }
}

const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer())

describe('API response compression (server/lib/compress.ts)', () => {
  it('picks br, else gzip, as the Accept-Encoding header allows (q-values honoured)', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br')
    expect(chooseEncoding('gzip')).toBe('gzip')
    expect(chooseEncoding('br;q=0.5, gzip')).toBe('gzip')
    expect(chooseEncoding('br;q=0, gzip;q=0.2')).toBe('gzip')
    expect(chooseEncoding('*')).toBe('br')
    expect(chooseEncoding('*;q=0.5, br;q=0')).toBe('gzip')
    expect(chooseEncoding('identity')).toBeNull()
    expect(chooseEncoding('deflate')).toBeNull()
    expect(chooseEncoding(undefined)).toBeNull()
  })

  it('compresses JSON of 1 KB or more with br or gzip, with its length, to the same JSON', async () => {
    const { a } = app()
    const text = JSON.stringify(big)
    const br = await a.request('/big', { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('content-type')).toMatch(/^application\/json/)
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i)
    const brBody = await bytes(br)
    expect(br.headers.get('content-length')).toBe(String(brBody.length))
    expect(brBody.length).toBeLessThan(Buffer.byteLength(text) / 4)
    expect(JSON.parse(zlib.brotliDecompressSync(brBody).toString())).toEqual(big)

    const gz = await a.request('/big', { headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(JSON.parse(zlib.gunzipSync(await bytes(gz)).toString())).toEqual(big)

    const none = await a.request('/big')
    expect(none.headers.get('content-encoding')).toBeNull()
    expect(none.headers.get('vary')).toMatch(/accept-encoding/i)
    expect(await none.json()).toEqual(big)
  })

  it('sends small JSON as it is', async () => {
    const res = await (app().a).request('/small', { headers: { 'accept-encoding': 'br, gzip' } })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(await res.json()).toEqual({ ok: true })
  })

  it('compresses CSV exports and error bodies; never xlsx, images or no-transform answers', async () => {
    const { a } = app()
    const c = await a.request('/csv', { headers: { 'accept-encoding': 'br' } })
    expect(c.headers.get('content-encoding')).toBe('br')
    expect(zlib.brotliDecompressSync(await bytes(c)).toString()).toBe(csv)
    const e = await a.request('/error', { headers: { 'accept-encoding': 'gzip' } })
    expect(e.status).toBe(422)
    expect(JSON.parse(zlib.gunzipSync(await bytes(e)).toString()).error.code).toBe('X')
    for (const url of ['/xlsx', '/jpeg', '/no-transform']) {
      const res = await a.request(url, { headers: { 'accept-encoding': 'br, gzip' } })
      expect(res.headers.get('content-encoding'), url).toBeNull()
    }
  })

  it('leaves HEAD alone', async () => {
    const res = await (app().a).request('/big', { method: 'HEAD', headers: { 'accept-encoding': 'br' } })
    expect(res.headers.get('content-encoding')).toBeNull()
  })

  it('never holds back a Server-Sent Events stream: its first event arrives while the stream is open', async () => {
    const { a, release } = app()
    const res = await a.request('/sse', { headers: { 'accept-encoding': 'br, gzip', 'accept': 'text/event-stream' } })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read()
      expect(done).toBe(false) // the server has not ended the stream: it waits for `release`
      text += new TextDecoder().decode(value)
    }
    expect(text).toMatch(/^event: ready\n/)
    release()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    expect(text).toContain('event: end')
  })

  it('compresses a body at and past the inline limit to the same bytes, whichever thread does it', async () => {
    const text = (n: number) => Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, name: `Anggota ${i}`, status: i % 3 ? 'present' : 'late' }))))
    let small = text(1)
    for (let n = 1; small.length <= INLINE_COMPRESS_MAX; n *= 2) small = text(n)
    const sizes = [text(40), text(800).subarray(0, INLINE_COMPRESS_MAX), small, text(5_000)]
    expect(sizes.map((b) => b.length > INLINE_COMPRESS_MAX)).toEqual([false, false, true, true])
    for (const body of sizes) {
      const br = await compressBody(body, 'br')
      expect(zlib.brotliDecompressSync(br).equals(body)).toBe(true)
      expect(br.length).toBeLessThan(body.length / 3)
      expect(zlib.gunzipSync(await compressBody(body, 'gzip')).equals(body)).toBe(true)
    }
  })
})
