import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { publicRoute } from '../../auth/guard'
import { SYSTEM_ROLES, PERMISSIONS } from '../../../shared/permissions'

export const healthRoutes = new Hono<AppEnv>()
  .get('/health', publicRoute(), async (c) => {
    const { database, version } = c.get('deps')
    const reachable = await database.ping()
    return c.json(
      { success: reachable, data: { status: reachable ? 'ok' : 'degraded', database: { kind: database.kind, reachable }, version } },
      reachable ? 200 : 503,
    )
  })
  .get('/permissions', publicRoute(), (c) =>
    c.json({
      success: true,
      data: { permissions: [...PERMISSIONS], roles: SYSTEM_ROLES.map((r) => ({ key: r.key, surface: r.surface, permissions: [...r.permissions] })) },
    }),
  )
