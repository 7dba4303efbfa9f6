import { Hono } from 'hono'
import type { AppEnv } from '../../context'

/** Leave requests (sakit / cuti / izin): members ask, the dashboard decides (mounted at /api). */
export const leaveRoutes = new Hono<AppEnv>()
