import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Agent, type TestApp } from '../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../tools/test-support/fixtures'

// The real app's routes through server/lib/compress.ts (the Agent sends no Accept-Encoding: these requests do).
describe('compressed API responses', () => {
  let t: TestApp
  let a: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'z')
  })
  afterAll(async () => {
    await t.close()
  })

  const cookie = (agent: Agent) => [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const get = (agent: Agent, url: string, headers: Record<string, string> = {}) => t.app.request(url, { headers: { cookie: cookie(agent), ...headers } })
  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer())

  it('sends JSON of 1 KB or more as br or gzip, as asked, decompressing to the same JSON', async () => {
    const url = `/api/organizations/${a.id}/roles`
    const plain = await get(a.admin, url)
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-encoding')).toBeNull()
    const text = await plain.text()
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024)

    const br = await get(a.admin, url, { 'accept-encoding': 'gzip, deflate, br, zstd' })
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('content-type')).toMatch(/^application\/json/)
    expect(br.headers.get('cache-control')).toBe('no-store')
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i)
    const brBody = await bytes(br)
    expect(br.headers.get('content-length')).toBe(String(brBody.length))
    expect(brBody.length).toBeLessThan(Buffer.byteLength(text))
    expect(JSON.parse(zlib.brotliDecompressSync(brBody).toString())).toEqual(JSON.parse(text))

    const gz = await get(a.admin, url, { 'accept-encoding': 'gzip' })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(JSON.parse(zlib.gunzipSync(await bytes(gz)).toString())).toEqual(JSON.parse(text))
  })

  it('sends a small answer as it is', async () => {
    const res = await t.app.request('/api/health', { headers: { 'accept-encoding': 'br, gzip' } })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(((await res.json()) as { data: { status: string } }).data.status).toBe('ok')
  })

  it('streams the dashboard\'s live attendance uncompressed: an event arrives while the stream is open', async () => {
    const res = await get(a.admin, `/api/organizations/${a.id}/attendance/stream`, { 'accept': 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBeNull()
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read()
      expect(done).toBe(false) // the server keeps the stream open: events come before any end
      text += new TextDecoder().decode(value)
    }
    expect(text).toMatch(/^event: ready\n/m)
    await reader.cancel()
  })
})
