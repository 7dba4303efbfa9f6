import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** One error hierarchy, mapped to `{ error: { code, message, details? } }` in app.onError. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'The request is malformed', code = 'BAD_REQUEST', details?: unknown) {
    super(400, code, message, details)
  }
}
/** A bad field of a 422 as the document's ValidationError schema has it: where, what, and a stable code for it. */
function withCode(detail: unknown, code: string): unknown {
  if (!detail || typeof detail !== 'object' || 'code' in detail) return detail
  return { ...detail, code: code.toLowerCase() }
}

export class ValidationError extends AppError {
  /** A field in `details` without a code of its own gets the error's code in lower case (`NOT_BASE64` -> `not_base64`). */
  constructor(message = 'Some fields are invalid', details?: unknown, code = 'VALIDATION_FAILED') {
    super(422, code, message, Array.isArray(details) ? details.map((d) => withCode(d, code)) : details)
  }
}
export class UnauthenticatedError extends AppError {
  constructor(message = 'Please sign in', code = 'UNAUTHENTICATED') {
    super(401, code, message)
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You do not have permission to do this', code = 'FORBIDDEN', details?: unknown) {
    super(403, code, message, details)
  }
}
export class NotFoundError extends AppError {
  constructor(what = 'Resource', code = 'NOT_FOUND') {
    super(404, code, `${what} not found`)
  }
}
export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT', details?: unknown) {
    super(409, code, message, details)
  }
}
export class TooManyRequestsError extends AppError {
  constructor(message: string, code = 'TOO_MANY_ATTEMPTS', retryAfterSeconds?: number) {
    super(429, code, message, retryAfterSeconds ? { retry_after_seconds: retryAfterSeconds } : undefined)
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large') {
    super(413, 'PAYLOAD_TOO_LARGE', message)
  }
}
/**
 * The photo store (an S3-compatible bucket) did not take or give an image: nothing was recorded, try again later.
 * 503 with Retry-After; a device's sync keeps the capture in its outbox and sends it again.
 */
export class StorageUnavailableError extends AppError {
  constructor(message = 'The photo store is unavailable. Nothing was saved: try again in a moment.', cause?: unknown) {
    super(503, 'STORAGE_UNAVAILABLE', message, { retry_after_seconds: 30 })
    this.cause = cause
  }
}
