import fs from 'node:fs'
import path from 'node:path'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { serveStatic } from '@hono/node-server/serve-static'
import type { AppEnv } from './context'

export const IMMUTABLE = 'public, max-age=31536000, immutable'
export const REVALIDATE = 'no-cache'

/**
 * Headers that only a document (or a worker's script, which gets its own policy) acts on: a stylesheet, an image or a
 * module imported by the page is governed by the page's. The app's ~40 files would otherwise carry ~0.7 KB each of
 * them, about 25 KB of a phone's first visit (issue 16: at most 300 KB). nosniff, CORP and HSTS stay on every file.
 */
const DOCUMENT_ONLY_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'permissions-policy',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]

/** Requests answered with a built file that is neither a document nor a worker script. */
const subresources = new WeakSet<Context>()

/**
 * Drops DOCUMENT_ONLY_HEADERS from the answers servedFrom marked as subresources. Mounted before secureHeaders (which
 * adds its headers once the answer is made), so it runs after it.
 */
export function trimDocumentHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next()
    if (subresources.has(c)) for (const name of DOCUMENT_ONLY_HEADERS) c.res.headers.delete(name)
  }
}

/** A file the browser may run as a document or a worker (the shell, the service worker, the face worker). */
function documentOrWorker(served: string): boolean {
  const name = path.basename(served).replace(/\.(br|gz)$/, '')
  return name.endsWith('.html') || name === 'sw.js' || /^face\.worker-[\w-]+\.js$/.test(name)
}

/**
 * Serves the built PWA from dist/client. The build writes FILE.br and FILE.gz beside every compressible file
 * (scripts/precompress.mjs): a browser that accepts br gets FILE.br, else one that accepts gzip gets FILE.gz, each with
 * Content-Encoding, the original Content-Type and Vary: Accept-Encoding (@hono/node-server's `precompressed`). A Range
 * request always gets bytes of the file itself. Hashed assets (assets/) are cached for a year; everything else (the
 * shell, the service worker, the manifest, the face models) is revalidated each time, answered 304 when unchanged.
 */
export function mountClient(app: Hono<AppEnv>, dir: string): void {
  const index = path.join(dir, 'index.html')
  if (!fs.existsSync(index)) {
    app.get('/', (c) =>
      c.text('Hadir API is running, but the app is not built. Run `npm run build` (npm start does it for you).', 503),
    )
    return
  }
  const root = path.relative(process.cwd(), dir) || '.'
  app.use('*', servedFrom(root))
  // Client-side routes (/admin/members, /m/invite/...) all load the shell.
  const shell = servedFrom(root, 'index.html')
  app.use('*', (c, next) => (path.extname(c.req.path) ? Promise.resolve(c.notFound()) : shell(c, next)))
}

/** serveStatic with precompressed files, cache headers and If-Modified-Since; `file`: always that file of `root`. */
function servedFrom(root: string, file?: string): MiddlewareHandler<AppEnv> {
  const found = new WeakMap<Context, string>()
  const onFound = (served: string, c: Context) => void found.set(c, served)
  const packed = serveStatic<AppEnv>({ root, path: file, precompressed: true, onFound })
  const plain = serveStatic<AppEnv>({ root, path: file, onFound })
  return async (c, next) => {
    const ranged = c.req.header('range') !== undefined
    const res = await (ranged ? plain : packed)(c, next)
    const served = found.get(c)
    if (!(res instanceof Response) || served === undefined) return res
    const headers = res.headers
    headers.set('Cache-Control', !file && c.req.path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE)
    if (!documentOrWorker(served)) subresources.add(c)
    if (!headers.has('Content-Encoding') && (fs.existsSync(`${served}.br`) || fs.existsSync(`${served}.gz`))) {
      headers.append('Vary', 'Accept-Encoding')
    }
    if (res.status === 200 && !ranged && notModified(c.req.header('if-modified-since'), headers.get('last-modified'))) {
      await res.body?.cancel()
      headers.delete('Content-Length')
      return new Response(null, { status: 304, headers })
    }
    return res
  }
}

function notModified(since: string | undefined, lastModified: string | null): boolean {
  if (!since || !lastModified) return false
  const client = Date.parse(since)
  const ours = Date.parse(lastModified)
  return Number.isFinite(client) && Number.isFinite(ours) && ours <= client
}
