import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { principalOf, publicRoute, signedIn } from '../../auth/guard'
import { createSession, destroySession, sessionTokenHash } from '../../auth/session'
import type { AttemptLimiter } from '../../auth/rate-limit'
import { validate } from '../../lib/validate'
import { callerContext } from '../../lib/service-context'
import { pgText, rowId } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { chooseOrganization, describeMe, signInToDashboard } from './auth.service'

const loginInput = z.object({ email: pgText(254, { trim: true }), password: pgText(200) })
const selectInput = z.object({ organization_id: rowId, role_id: rowId.optional() })

/** Dashboard sign-in: email + password, then organization, then role (spec "Website Authentication"). */
export function authRoutes(limiter: AttemptLimiter) {
  return new Hono<AppEnv>()
    .post('/login', publicRoute(), validate('json', loginInput), async (c) => {
      await limiter.hit(`login:${clientIp(c)}`)
      const me = await signInToDashboard(callerContext(c), c.req.valid('json'), (tx, userId) => createSession(c, tx, { kind: 'web', userId }))
      return ok(c, me)
    })
    .get('/me', signedIn('web'), async (c) => ok(c, await describeMe(c.get('deps').database.db, principalOf(c))))
    .post('/select', signedIn('web'), validate('json', selectInput), async (c) => {
      return ok(c, await chooseOrganization(callerContext(c), principalOf(c), sessionTokenHash(c)!, c.req.valid('json')))
    })
    .post('/logout', publicRoute(), async (c) => {
      await destroySession(c)
      return ok(c, {})
    })
}
