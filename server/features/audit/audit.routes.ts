import { Hono } from 'hono'
import type { AppEnv } from '../../context'

/** Roles and permissions administration, sync logs and the audit log (mounted at /api/organizations). */
export const auditRoutes = new Hono<AppEnv>()
