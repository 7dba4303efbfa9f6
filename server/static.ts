import fs from 'node:fs'
import path from 'node:path'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { serveStatic } from '@hono/node-server/serve-static'
import type { AppEnv } from './context'

export const IMMUTABLE = 'public, max-age=31536000, immutable'
export const REVALIDATE = 'no-cache'

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
