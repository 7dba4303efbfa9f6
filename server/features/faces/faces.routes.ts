import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { allow, scoped } from '../../auth/guard'
import { validate } from '../../lib/validate'
import { pgText } from '../../../shared/validation'
import { ok } from '../../lib/http'
import { NotFoundError } from '../../errors'
import { serviceContext } from '../../lib/service-context'
import { idParam } from '../organizations/organizations.schemas'
import { memberParams } from '../members/members.schemas'
import { consentInput, faceRegisterInput, memberIdParam, verifyInput } from './faces.schemas'
import { confusableReport, identifyAtKiosk, kioskGallery } from './faces.gallery'
import { registerFace } from './faces.registration'
import { acceptConsent, faceStatus, referencePhoto, withdrawFace, withdrawFaceByAdmin } from './faces.service'

/** A member acts on their own face data only; anyone else's id is "not found". */
function ownMember(c: Context<AppEnv>, memberId: number) {
  if (scoped(c).memberId !== memberId) throw new NotFoundError('Member')
  return serviceContext(c)
}

/** The member's own face: consent, registration, re-registration, withdrawal (spec "Face Data Endpoints"). */
export const memberFaceRoutes = new Hono<AppEnv>()
  .post('/:memberId/face/consent', allow('member:face:register'), validate('param', memberIdParam), validate('json', consentInput), async (c) => {
    const { memberId } = c.req.valid('param')
    return ok(c, await acceptConsent(ownMember(c, memberId), memberId, c.req.valid('json'), c.req.header('user-agent')), 201)
  })
  .get('/:memberId/face', allow('member:face:register'), validate('param', memberIdParam), async (c) => {
    const { memberId } = c.req.valid('param')
    return ok(c, await faceStatus(ownMember(c, memberId), memberId))
  })
  .post('/:memberId/face/register', allow('member:face:register'), validate('param', memberIdParam), validate('json', faceRegisterInput), async (c) => {
    const { memberId } = c.req.valid('param')
    const saved = await registerFace(ownMember(c, memberId), memberId, c.req.valid('json'), false)
    return ok(c, { id: saved.id, face_registered_at: saved.at.toISOString(), face_verified: saved.faceVerified, templates: saved.templates }, 201)
  })
  .put('/:memberId/face/update', allow('member:face:update'), validate('param', memberIdParam), validate('json', faceRegisterInput), async (c) => {
    const { memberId } = c.req.valid('param')
    const saved = await registerFace(ownMember(c, memberId), memberId, c.req.valid('json'), true)
    return ok(c, { id: saved.id, updated_at: saved.at.toISOString(), face_verified: saved.faceVerified, templates: saved.templates })
  })
  .delete('/:memberId/face', allow('member:face:update'), validate('param', memberIdParam), async (c) => {
    const { memberId } = c.req.valid('param')
    return ok(c, await withdrawFace(ownMember(c, memberId), memberId, false))
  })

const galleryQuery = z.object({ known: pgText(64).optional() })

/** Petugas side: 1:N identification and the gallery a kiosk caches for offline use. */
export const faceRoutes = new Hono<AppEnv>()
  .post('/verify', allow('attendance:record:capture'), validate('json', verifyInput), async (c) => {
    return ok(c, await identifyAtKiosk(serviceContext(c), c.req.valid('json')))
  })
  .get('/gallery', allow('member:face:view'), validate('query', galleryQuery), async (c) => {
    return ok(c, await kioskGallery(serviceContext(c), c.req.valid('query').known))
  })

/** Dashboard side: the confusable faces, withdrawal on a member's request, and the audited photo view. */
export const orgFaceRoutes = new Hono<AppEnv>()
  .get('/:id/faces/confusable', allow('member:manage'), validate('param', idParam), async (c) => {
    const ctx = serviceContext(c)
    return ok(c, await confusableReport(ctx.deps, ctx.organizationId))
  })
  .delete('/:id/members/:memberId/face', allow('member:manage'), validate('param', memberParams), async (c) => {
    return ok(c, await withdrawFaceByAdmin(serviceContext(c), c.req.valid('param').memberId))
  })
  .get('/:id/members/:memberId/face/photo', allow('member:manage'), validate('param', memberParams), async (c) => {
    const photo = await referencePhoto(serviceContext(c), c.req.valid('param').memberId)
    return c.body(photo, 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store', 'Content-Disposition': 'inline' })
  })
