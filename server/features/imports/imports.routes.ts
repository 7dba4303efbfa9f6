import { Hono } from 'hono'
import type { AppEnv } from '../../context'

/** Member import from Excel/CSV and member export (mounted at /api/organizations). */
export const importRoutes = new Hono<AppEnv>()
