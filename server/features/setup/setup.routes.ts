import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { publicRoute } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { clientIp, ok } from '../../lib/http'
import { setupInput } from './setup.schemas'
import { completeSetup, needsSetup } from './setup.service'

/** The first-run wizard: exactly once, while no organization exists. */
export const setupRoutes = new Hono<AppEnv>()
  .get('/status', publicRoute(), async (c) => {
    return ok(c, { needs_setup: await needsSetup(c.get('deps')) })
  })
  .post('/', publicRoute(), validate('json', setupInput), async (c) => {
    return ok(c, await completeSetup(c.get('deps'), c.req.valid('json'), clientIp(c)), 201)
  })
