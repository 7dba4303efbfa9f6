import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { MiddlewareHandler } from 'hono'
import { parseAccept } from 'hono/utils/accept'

const brotli = promisify(zlib.brotliCompress)
const gzip = promisify(zlib.gzip)

/** Below this many bytes a response goes as it is: compressing it saves less than the work costs. */
export const COMPRESS_THRESHOLD = 1024

/**
 * Up to this many bytes a body is compressed on the request's own thread: a sync batch's answer (19 KB) takes ~0.1 ms
 * there (brotli quality 4), while the hand-off to libuv's thread pool and back took 0.58 ms of the request. Larger
 * bodies (an export) go to the pool, so that compressing one does not hold up the other requests.
 */
export const INLINE_COMPRESS_MAX = 64 * 1024

// JSON, CSV and other text; never an event stream or the import's NDJSON progress (both must reach the client line by
// line, and a compressor holds bytes back), nor what is compressed already (images, xlsx, which is a zip).
const COMPRESSIBLE = /^\s*(?:application\/(?:json|[\w.-]+\+json|xml|javascript)|text\/(?!event-stream\b)[\w.+-]+)\s*(?:;|$)/i

export type Encoding = 'br' | 'gzip'

/** The encoding to answer an Accept-Encoding header with (q-values honoured; br when br and gzip tie), or null. */
export function chooseEncoding(header: string | undefined): Encoding | null {
  if (!header) return null
  const accepts = parseAccept(header)
  const q = (name: string) => accepts.find((a) => a.type.toLowerCase() === name)?.q ?? accepts.find((a) => a.type === '*')?.q ?? 0
  const br = q('br')
  const gz = q('gzip')
  if (br > 0 && br >= gz) return 'br'
  return gz > 0 ? 'gzip' : null
}

/** The options each encoding compresses with. */
// Brotli at quality 4, the usual choice for answers made per request: a sync batch's answer (19 KB) 0.09 ms and 2,639
// bytes, against 0.16 ms and 2,641 bytes at quality 5. (The app's static files are compressed once, at build time, at
// the highest quality: scripts/precompress.mjs.)
const brotliOptions = (size: number): zlib.BrotliOptions => ({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } })
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6 }

/** A body compressed in one go: inline up to INLINE_COMPRESS_MAX bytes, on libuv's thread pool above. */
export async function compressBody(body: Buffer, encoding: Encoding): Promise<Buffer> {
  if (body.length <= INLINE_COMPRESS_MAX) return encoding === 'br' ? zlib.brotliCompressSync(body, brotliOptions(body.length)) : zlib.gzipSync(body, GZIP_OPTIONS)
  return encoding === 'br' ? brotli(body, brotliOptions(body.length)) : gzip(body, GZIP_OPTIONS)
}

/**
 * Compresses the API's JSON and CSV responses of COMPRESS_THRESHOLD bytes or more with br or gzip, as the client's
 * Accept-Encoding allows. The body is complete in memory already (c.json, c.body): the compressed one is made in one go
 * (compressBody) and sent with its Content-Length: a millisecond or two for 100 KB of JSON.
 */
export function compressResponses(threshold = COMPRESS_THRESHOLD): MiddlewareHandler {
  return async (c, next) => {
    await next()
    const res = c.res
    if (c.req.method === 'HEAD' || !res.body || res.status < 200 || res.status === 204 || res.status === 206 || res.status === 304) return
    if (res.headers.has('Content-Encoding') || !COMPRESSIBLE.test(res.headers.get('Content-Type') ?? '')) return
    if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(res.headers.get('Cache-Control') ?? '')) return
    const vary = res.headers.get('Vary')
    if (vary !== '*' && !/(?:^|,)\s*accept-encoding\s*(?:,|$)/i.test(vary ?? '')) c.header('Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding')
    const encoding = chooseEncoding(c.req.header('Accept-Encoding'))
    const declared = res.headers.get('Content-Length')
    if (!encoding || (declared !== null && Number(declared) < threshold)) return
    const current = c.res
    const body = Buffer.from(await current.arrayBuffer())
    let sent: Buffer = body
    if (body.length >= threshold) sent = await compressBody(body, encoding)
    const headers = new Headers(current.headers)
    headers.set('Content-Length', String(sent.length))
    if (sent !== body) {
      headers.set('Content-Encoding', encoding)
      const etag = headers.get('ETag')
      if (etag && !etag.startsWith('W/')) headers.set('ETag', `W/${etag}`)
    }
    // Through `undefined` first: assigning over a response copies the old one's headers (its Content-Length) onto it.
    c.res = undefined
    c.res = new Response(new Uint8Array(sent), { status: current.status, statusText: current.statusText, headers })
  }
}
