import { Hono } from 'hono'
import type { AppEnv } from '../../context'

/** Reports and their exports (mounted at /api/organizations). */
export const reportRoutes = new Hono<AppEnv>()
