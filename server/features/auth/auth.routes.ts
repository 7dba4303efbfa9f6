import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Principal } from '../../context'
import { principalOf, publicRoute, signedIn } from '../../auth/guard'
import { createSession, destroySession, sessionTokenHash } from '../../auth/session'
import { verifySecret } from '../../auth/crypto'
import type { AttemptLimiter } from '../../auth/rate-limit'
import { validate } from '../../lib/validate'
import { pgText, rowId } from '../../../shared/validation'
import { clientIp, ok } from '../../lib/http'
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../errors'
import { findUserByEmail } from '../users/users.service'
import { claimAttempt, completeDashboardLogin, dashboardMemberships, describeMe, enterOrganization } from './auth.service'
import { myInvitations } from '../invitations/membership-invitations.service'
import { expandPermissions } from '../../../shared/permissions'
import { permissionsOfRole } from '../roles/roles.service'

const loginInput = z.object({ email: pgText(254, { trim: true }), password: pgText(200) })
const selectInput = z.object({ organization_id: rowId, role_id: rowId.optional() })

/** Dashboard sign-in: email + password, then organization, then role (spec "Website Authentication"). */
export function authRoutes(limiter: AttemptLimiter) {
  return new Hono<AppEnv>()
    .post('/login', publicRoute(), validate('json', loginInput), async (c) => {
      limiter.hit(`login:${clientIp(c)}`)
      const { email, password } = c.req.valid('json')
      const { db } = c.get('deps').database
      const user = email.includes('@') ? await findUserByEmail(db, email) : null
      // The attempt is counted before the password is checked, so parallel guesses cannot outrun the lock.
      const attempt = user ? await claimAttempt(db, { kind: 'user', id: user.id }) : null
      const valid = await verifySecret(password, user?.passwordHash)
      if (!user || !valid) {
        await attempt?.failed()
        throw new UnauthenticatedError('Wrong email or password', 'INVALID_CREDENTIALS')
      }
      await attempt?.succeeded()
      const memberships = await dashboardMemberships(db, user.id)
      // Someone invited to an organization signs in to answer the invitation, even with no dashboard role yet.
      if (memberships.length === 0 && (await myInvitations(db, user.id)).length === 0) {
        throw new ForbiddenError(
          'This account cannot use the dashboard. Members and petugas use the Hadir app.',
          'NO_DASHBOARD_ACCESS',
        )
      }
      await completeDashboardLogin(c.get('deps'), user.id, clientIp(c), (tx) => createSession(c, tx, { kind: 'web', userId: user.id }))
      const principal: Principal = {
        sessionId: 0,
        kind: 'web',
        userId: user.id,
        userName: user.name,
        organizationId: null,
        memberId: null,
        roleId: null,
        roleKey: null,
        deviceId: null,
        permissions: new Set(),
      }
      return ok(c, await describeMe(db, principal))
    })
    .get('/me', signedIn('web'), async (c) => ok(c, await describeMe(c.get('deps').database.db, principalOf(c))))
    .post('/select', signedIn('web'), validate('json', selectInput), async (c) => {
      const p = principalOf(c)
      const { organization_id, role_id } = c.req.valid('json')
      const { db } = c.get('deps').database
      const membership = (await dashboardMemberships(db, p.userId)).find((m) => m.id === organization_id)
      if (!membership) throw new NotFoundError('Organization')
      let role = membership.roles.find((r) => r.id === role_id)
      if (role_id === undefined) {
        if (membership.roles.length !== 1) {
          throw new ValidationError('Choose a role', { roles: membership.roles }, 'ROLE_REQUIRED')
        }
        role = membership.roles[0]
      }
      if (!role) throw new NotFoundError('Role')
      const hash = sessionTokenHash(c)!
      await enterOrganization(db, hash, organization_id, membership.member_id, role.id)
      const next: Principal = {
        ...p,
        organizationId: organization_id,
        memberId: membership.member_id,
        roleId: role.id,
        roleKey: role.key,
        permissions: expandPermissions(await permissionsOfRole(db, role.id)),
      }
      return ok(c, await describeMe(db, next))
    })
    .post('/logout', publicRoute(), async (c) => {
      await destroySession(c)
      return ok(c, {})
    })
}
