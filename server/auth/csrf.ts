import type { Context, MiddlewareHandler } from 'hono'
import { ForbiddenError } from '../errors'

/**
 * The hosts this server answers as: the Host header (or the URL's), and behind a proxy the X-Forwarded-Host it sets.
 * A cross-site page cannot set X-Forwarded-Host on a request that carries cookies without a CORS preflight, which this
 * server never grants. Compared by host (name and port), so a TLS-terminating proxy in front does not break it.
 */
function ownHosts(c: Context): string[] {
  const hosts = [c.req.header('host') ?? new URL(c.req.url).host]
  for (const h of (c.req.header('x-forwarded-host') ?? '').split(',')) if (h.trim()) hosts.push(h.trim())
  return hosts.map((h) => h.toLowerCase())
}

function sameHost(origin: string, c: Context): boolean {
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    return ownHosts(c).includes(url.host.toLowerCase())
  } catch {
    return false // "null" (an opaque origin: sandboxed frame, data: URL, file:) and anything unparsable
  }
}

/**
 * Refuses state-changing requests that a browser marks as coming from another site. Browsers send Sec-Fetch-Site
 * (or at least Origin) on every unsafe request; non-browser clients send neither and cannot carry a victim's cookies.
 * Two rules, both must hold:
 * - an `Origin` header, when present, must be this server's origin, whatever Sec-Fetch-Site says (a foreign Origin
 *   with `Sec-Fetch-Site: same-origin` is not a request of this app's pages);
 * - `Sec-Fetch-Site`, when present, must be `same-origin` or `none` (`same-site`, a sibling subdomain, is refused).
 * Requests with neither header (API clients sending JSON) pass as before.
 */
export function sameOriginOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (!/^(GET|HEAD|OPTIONS)$/.test(c.req.method)) {
      const site = c.req.header('sec-fetch-site')
      const origin = c.req.header('origin')
      let allowed = true
      if (origin !== undefined) allowed = sameHost(origin, c)
      if (allowed && site) allowed = site === 'same-origin' || site === 'none'
      if (!allowed) throw new ForbiddenError('Requests from other sites are not accepted', 'CROSS_SITE_REQUEST')
    }
    await next()
  }
}
