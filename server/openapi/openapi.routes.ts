import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import zlib from 'node:zlib'
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context'
import { publicRoute } from '../auth/guard'
import { chooseEncoding } from '../lib/compress'
import type { RouteEntry } from '../lib/route-table'
import { buildOpenApiDocument, type ErrorCodes, type OpenApiDocument, type ResponseTypes } from './document'
import errorCodes from './errors.generated.json'
import responseTypes from './responses.generated.json'

/** The document of an app, built once from its route table (routes are fixed once the app answers). */
const documents = new WeakMap<object, OpenApiDocument>()
export function openApiDocumentOf(routes: RouteEntry[], version: string): OpenApiDocument {
  let doc = documents.get(routes)
  if (!doc) {
    doc = buildOpenApiDocument(routes, { version, responseTypes: responseTypes as ResponseTypes, errorCodes: errorCodes as ErrorCodes })
    documents.set(routes, doc)
  }
  return doc
}

// The interactive reference: Scalar's standalone build, served from node_modules (no CDN; the page works offline and
// under the app's CSP: no inline script, no outside fonts). 4.8 MB: compressed once, then revalidated by its version.
interface Script { raw: Uint8Array<ArrayBuffer>; br: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer>; etag: string }
let scalarScript: Script | null = null
function scalar(): Script {
  if (!scalarScript) {
    const entry = createRequire(import.meta.url).resolve('@scalar/api-reference')
    const dir = path.dirname(entry)
    const raw = fs.readFileSync(path.join(dir, 'browser', 'standalone.js'))
    const version = (JSON.parse(fs.readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version
    scalarScript = {
      raw: new Uint8Array(raw),
      br: new Uint8Array(zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })),
      gzip: new Uint8Array(zlib.gzipSync(raw)),
      etag: `"scalar-${version}"`,
    }
  }
  return scalarScript
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hadir API reference</title>
</head>
<body>
<div id="app"></div>
<script src="/api/docs/scalar.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`

const INIT = `Scalar.createApiReference('#app', {
  url: '/api/openapi.json',
  withDefaultFonts: false,
  showDeveloperTools: 'never',
  telemetry: false,
})
`

/**
 * The reference page's policy: the app's CSP plus 'unsafe-eval' in script-src, which Scalar's bundle uses (the browser
 * test saw it refused under the app's policy). Only this page: mounted before secureHeaders, so it runs after it.
 */
export function referencePagePolicy(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next()
    const csp = c.res.headers.get('content-security-policy')
    if (csp) c.res.headers.set('content-security-policy', csp.replace(/script-src ([^;]*)/, 'script-src $1 \'unsafe-eval\''))
  }
}

/**
 * GET /api/openapi.json (the OpenAPI 3.1 document, generated from the app's own route table) and /api/docs (an
 * interactive reference of it), both public. Mounted outside AppType: the typed client has no use for them.
 */
export function openApiRoutes(routesOf: () => RouteEntry[]) {
  return new Hono<AppEnv>()
    .get('/openapi.json', publicRoute(), (c) => {
      c.header('Cache-Control', 'no-cache')
      return c.json(openApiDocumentOf(routesOf(), c.get('deps').version))
    })
    .get('/docs', publicRoute(), (c) => {
      c.header('Cache-Control', 'no-cache')
      return c.html(PAGE)
    })
    .get('/docs/scalar.js', publicRoute(), (c) => {
      const script = scalar()
      c.header('Content-Type', 'text/javascript; charset=utf-8')
      c.header('Cache-Control', 'no-cache')
      c.header('ETag', script.etag)
      c.header('Vary', 'Accept-Encoding')
      if (c.req.header('if-none-match') === script.etag) return c.body(null, 304)
      const encoding = chooseEncoding(c.req.header('accept-encoding'))
      if (encoding) c.header('Content-Encoding', encoding)
      return c.body(encoding ? script[encoding] : script.raw)
    })
    .get('/docs/init.js', publicRoute(), (c) => {
      c.header('Content-Type', 'text/javascript; charset=utf-8')
      c.header('Cache-Control', 'no-cache')
      return c.body(INIT)
    })
}
