import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { syncLogRoutes } from './sync-logs.routes'
import { auditLogRoutes } from './audit-log.routes'

/** Sync logs and the audit log (mounted at /api/organizations). */
export const auditRoutes = new Hono<AppEnv>().route('/', syncLogRoutes).route('/', auditLogRoutes)
