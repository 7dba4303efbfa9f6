import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'

/** The client's address as the socket sees it (a proxy's forwarded headers are not trusted by default). */
export function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export function ok<T>(c: Context, data: T, status: 200 | 201 = 200) {
  return c.json({ success: true as const, data }, status)
}
