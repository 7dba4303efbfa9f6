import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { roleAdminRoutes } from '../roles/roles.routes'
import { syncLogRoutes } from './sync-logs.routes'
import { auditLogRoutes } from './audit-log.routes'

/** Roles and permissions administration, sync logs and the audit log (mounted at /api/organizations). */
export const auditRoutes = new Hono<AppEnv>().route('/', roleAdminRoutes).route('/', syncLogRoutes).route('/', auditLogRoutes)
