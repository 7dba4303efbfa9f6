import { notificationRoutes } from './features/notifications/notifications.routes'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import { bodyLimit } from 'hono/body-limit'
import type { AppDeps, AppEnv } from './context'
import { AppError, PayloadTooLargeError } from './errors'
import { loadPrincipal } from './auth/session'
import { loadDevice } from './auth/device'
import { sameOriginOnly } from './auth/csrf'
import { AttemptLimiter, ClientLockout } from './auth/rate-limit'
import { healthRoutes } from './features/health/health.routes'
import { setupRoutes } from './features/setup/setup.routes'
import { authRoutes } from './features/auth/auth.routes'
import { organizationRoutes } from './features/organizations/organizations.routes'
import { memberRoutes } from './features/members/members.routes'
import { staffRoutes } from './features/staff/staff.routes'
import { deviceAdminRoutes, deviceRoutes } from './features/devices/devices.routes'
import { mobileRoutes } from './features/mobile/mobile.routes'
import { faceRoutes, memberFaceRoutes, orgFaceRoutes } from './features/faces/faces.routes'
import { attendanceRoutes } from './features/attendance/attendance.routes'
import { captureContextRoutes } from './features/attendance/capture-context.routes'
import { attendanceAdminRoutes } from './features/attendance/admin/attendance-admin.routes'
import { departmentRoutes } from './features/departments/departments.routes'
import { positionRoutes } from './features/positions/positions.routes'
import { locationRoutes } from './features/locations/locations.routes'
import { scheduleRoutes } from './features/schedules/schedules.routes'
import { holidayRoutes } from './features/holidays/holidays.routes'
import { shiftRoutes } from './features/shifts/shifts.routes'
import { settingsRoutes } from './features/settings/settings.routes'
import { roleAdminRoutes } from './features/roles/roles.routes'
import { reportRoutes } from './features/reports/reports.routes'
import { importRoutes } from './features/imports/imports.routes'
import { leaveRoutes } from './features/leave/leave.routes'
import { correctionRoutes } from './features/corrections/corrections.routes'
import { auditRoutes } from './features/audit/audit.routes'
import { mobileInvitationRoutes, organizationInvitationRoutes, webInvitationRoutes } from './features/invitations/membership-invitations.routes'
import { auditTokenUse, bearerOf } from './features/tokens/tokens.auth'
import { tokenRoutes } from './features/tokens/tokens.routes'
import { webhookRoutes } from './features/webhooks/webhooks.routes'
import { mountClient, trimDocumentHeaders } from './static'
import { compressResponses } from './lib/compress'
import { openApiRoutes, referencePagePolicy } from './openapi/openapi.routes'

const JSON_BODY_LIMIT = 1024 * 1024
const PHOTO_BODY_LIMIT = 4 * 1024 * 1024
const SYNC_BODY_LIMIT = 16 * 1024 * 1024

// The PWA needs wasm (face models), workers and the camera; everything else stays same-origin.
const CSP = {
  defaultSrc: ['\'self\''],
  scriptSrc: ['\'self\'', '\'wasm-unsafe-eval\''],
  styleSrc: ['\'self\'', '\'unsafe-inline\''],
  imgSrc: ['\'self\'', 'data:', 'blob:'],
  mediaSrc: ['\'self\'', 'blob:'],
  connectSrc: ['\'self\''],
  workerSrc: ['\'self\'', 'blob:'],
  manifestSrc: ['\'self\''],
  fontSrc: ['\'self\'', 'data:'],
  objectSrc: ['\'none\''],
  baseUri: ['\'self\''],
  frameAncestors: ['\'none\''],
  formAction: ['\'self\''],
}

export function createApp(deps: AppDeps, clientDir?: string) {
  // In the database: every instance counts against the same allowances and lockouts.
  const limiter = new AttemptLimiter(deps.database.db, deps.options.signInPerMinute)
  const enrolLockout = new ClientLockout(deps.database.db, 'ENROL_LOCKED')
  const app = new Hono<AppEnv>()

  // Built files that are not documents nor workers do without the document-only headers (server/static.ts).
  app.use('*', trimDocumentHeaders())
  app.use('/api/docs', referencePagePolicy())
  app.use('*', secureHeaders({ contentSecurityPolicy: CSP, crossOriginEmbedderPolicy: false, permissionsPolicy: { camera: ['self'], geolocation: ['self'] } }))
  // JSON and CSV answers of 1 KB or more go compressed (br or gzip, as asked); the built app's files are compressed at
  // build time (server/static.ts).
  app.use('/api/*', compressResponses())
  app.use('*', async (c, next) => {
    c.set('deps', deps)
    c.set('principal', null)
    c.set('device', null)
    await next()
  })
  // Bearer calls (API tokens) carry no cookie a foreign page could ride on: the same-origin rule is for sessions.
  const sameOrigin = sameOriginOnly()
  app.use('/api/*', (c, next) => (bearerOf(c) === null ? sameOrigin(c, next) : next()))
  app.use('/api/*', async (c, next) => {
    const method = c.req.method
    if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      const type = c.req.header('content-type')
      if (type !== undefined && !/^application\/json\b/i.test(type) && !/^multipart\/form-data\b/i.test(type)) {
        throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON (Content-Type: application/json)')
      }
    }
    await next()
  })
  const tooLarge = () => {
    throw new PayloadTooLargeError()
  }
  // Routes that carry a photo take up to 4 MB of JSON (a 2 MB image in base64), a sync batch 16 MB, the rest 1 MB.
  const photoBody = bodyLimit({ maxSize: PHOTO_BODY_LIMIT, onError: tooLarge })
  const jsonBody = bodyLimit({ maxSize: JSON_BODY_LIMIT, onError: tooLarge })
  const syncBody = bodyLimit({ maxSize: SYNC_BODY_LIMIT, onError: tooLarge })
  app.use('/api/*', (c, next) => {
    if (c.req.path === '/api/attendance/sync' || /^\/api\/organizations\/\d+\/members\/import$/.test(c.req.path)) return syncBody(c, next) // import: its own 5 MB file cap
    if (/\/face\/(register|update)$|^\/api\/attendance\//.test(c.req.path)) return photoBody(c, next)
    return jsonBody(c, next)
  })
  app.use('/api/*', async (c, next) => {
    c.header('Cache-Control', 'no-store')
    c.set('device', await loadDevice(c))
    c.set('principal', await loadPrincipal(c))
    await next()
  })
  app.use('/api/*', auditTokenUse())

  const api = new Hono<AppEnv>()
    .route('/', healthRoutes)
    .route('/setup', setupRoutes)
    .route('/auth', authRoutes(limiter))
    .route('/organizations', organizationRoutes)
    .route('/organizations', memberRoutes)
    .route('/organizations', departmentRoutes)
    .route('/organizations', positionRoutes)
    .route('/organizations', staffRoutes)
    .route('/organizations', deviceAdminRoutes)
    .route('/organizations', settingsRoutes)
    .route('/organizations', orgFaceRoutes)
    .route('/members', memberFaceRoutes)
    .route('/face', faceRoutes)
    .route('/organizations', locationRoutes)
    .route('/organizations', scheduleRoutes)
    .route('/organizations', holidayRoutes)
    .route('/organizations', shiftRoutes)
    .route('/attendance', attendanceRoutes)
    .route('/attendance', captureContextRoutes)
    .route('/organizations', attendanceAdminRoutes)
    .route('/organizations', reportRoutes)
    .route('/organizations', importRoutes)
    .route('/organizations', roleAdminRoutes)
    .route('/organizations', auditRoutes)
    .route('/organizations', tokenRoutes)
    .route('/organizations', webhookRoutes)
    .route('/organizations', organizationInvitationRoutes)
    .route('/auth', webInvitationRoutes)
    .route('/mobile', mobileInvitationRoutes)
    .route('/', leaveRoutes)
    .route('/', correctionRoutes)
    .route('/notifications', notificationRoutes)
    .route('/devices', deviceRoutes(limiter, enrolLockout))
    .route('/mobile', mobileRoutes(limiter))
  const routes = app.route('/api', api)
  // The OpenAPI document and its reference read the app's route table when asked: every route above, and any added
  // later, is in it without being listed anywhere. Outside AppType (the typed client does not call them).
  app.route('/api', openApiRoutes(() => app.routes))

  app.all('/api/*', (c) => c.json({ error: { code: 'NOT_FOUND', message: 'No such API route' } }, 404))

  app.onError((err, c) => {
    if (err instanceof AppError) {
      const body: { code: string; message: string; details?: unknown } = { code: err.code, message: err.message }
      if (err.details !== undefined) body.details = err.details
      // A refused sign-in or code (rate limit, lockout) says when to try again, in the header too.
      const retry = (err.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds
      if ((err.status === 429 || err.status === 503) && typeof retry === 'number') c.header('Retry-After', String(retry))
      return c.json({ error: body }, err.status)
    }
    // A unique constraint hit by two identical requests at once (check-then-insert races): the loser gets 409, not 500.
    const pgCode = (err as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (err as { code?: unknown }).code
    if (pgCode === '23505') {
      return c.json({ error: { code: 'DUPLICATE', message: 'This already exists (it was just created by another request)' } }, 409)
    }
    if (err instanceof HTTPException) {
      const status = err.status
      const code = status === 400 ? 'MALFORMED_JSON' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'HTTP_ERROR'
      const message = status === 400 ? 'The request body is not valid JSON' : err.message || 'Request failed'
      return c.json({ error: { code, message } }, status)
    }
    console.error(`[hadir] ${c.req.method} ${c.req.path} failed:`, err)
    return c.json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again.' } }, 500)
  })

  if (clientDir) mountClient(app, clientDir)
  return routes
}

/** The whole API's route table with each route's input and answer types: the PWA's client is `hc<AppType>`. */
export type AppType = ReturnType<typeof createApp>
