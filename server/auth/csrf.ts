import type { MiddlewareHandler } from 'hono'
import { ForbiddenError } from '../errors'

/**
 * Refuses state-changing requests that a browser marks as coming from another site. Browsers send Sec-Fetch-Site
 * (or at least Origin) on every unsafe request; non-browser clients send neither and cannot carry a victim's cookies.
 * Origin is compared by host, so a TLS-terminating proxy in front does not break it.
 */
export function sameOriginOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (!/^(GET|HEAD|OPTIONS)$/.test(c.req.method)) {
      const site = c.req.header('sec-fetch-site')
      const origin = c.req.header('origin')
      let allowed = true
      if (site) allowed = site === 'same-origin' || site === 'none'
      else if (origin) {
        try {
          allowed = new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host)
        } catch {
          allowed = false
        }
      }
      if (!allowed) throw new ForbiddenError('Requests from other sites are not accepted', 'CROSS_SITE_REQUEST')
    }
    await next()
  }
}
