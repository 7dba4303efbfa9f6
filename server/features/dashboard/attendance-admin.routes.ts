import { Hono } from 'hono'
import type { AppEnv } from '../../context'

/** The dashboard's attendance: list, live stream, today at a glance, approvals, corrections, manual records (mounted at /api/organizations). */
export const attendanceAdminRoutes = new Hono<AppEnv>()
