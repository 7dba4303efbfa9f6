// Hadir's JSON API, typed from the server's own route table (`hc<AppType>`, server/app.ts): every path, parameter,
// query, body and answer is checked against the routes and their zod schemas, so the PWA and the server cannot drift.
// Answers are `{ success, data }` (`call` unwraps them); failures are `{ error: { code, message, details? } }` and
// become an ApiError the views translate (./errors.ts).
import { hc, type ClientResponse } from 'hono/client'
import type { AppType } from '../../server/app'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

/** status 0: the request never reached the server (offline, DNS, server down). */
export const NETWORK = 'NETWORK'

type UnauthorizedListener = (error: ApiError) => void
let onUnauthorized: UnauthorizedListener | null = null

/** One place decides what a lost session means (the router sends the person to the right login screen). */
export function setUnauthorizedListener(listener: UnauthorizedListener | null): void {
  onUnauthorized = listener
}

/** Options of one call. */
export interface CallOptions {
  /** A 401 here is an expected answer (probing a session, a wrong password), not a lost session. */
  expectUnauthorized?: boolean
}

/** Query values as the server reads them: empty strings, null and undefined are left out. */
function searchParams(query: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v))
    else if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  return params
}

/** fetch, with a failure to reach the server turned into ApiError(0, NETWORK); an abort stays an AbortError. */
async function send(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, { credentials: 'same-origin', ...init })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, NETWORK, 'The server could not be reached')
  }
}

/** The API's routes (`routes.organizations[':id'].members.$get(...)`); use them through `call`. */
export const routes = hc<AppType>('/', {
  fetch: send,
  headers: { Accept: 'application/json' },
  buildSearchParams: searchParams as (query: Record<string, string | string[]>) => URLSearchParams,
}).api

type BodyOf<R> = R extends ClientResponse<infer T, number, string> ? T : never
type DataOf<B> = B extends { success: true; data: infer D } ? D : never
/** What a route answers on success, without the `{ success, data }` envelope. */
export type Answer<R> = DataOf<BodyOf<R>>
/** The answer of one of this folder's API functions. */
export type AnswerOf<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>

/** Per-call request options: an AbortSignal. */
export const withSignal = (signal?: AbortSignal) => (signal ? { init: { signal } } : undefined)

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`
  const message = typeof error?.message === 'string' ? error.message : `Request failed with status ${status}`
  return new ApiError(status, code, message, error?.details)
}

function parse(text: string): unknown {
  if (!text) return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null // not JSON (a proxy's error page)
  }
}

/** An error answer's body as the server sends it, for the calls that do not go through `call` (uploads, streams). */
export function errorFromText(status: number, text: string): ApiError {
  return toApiError(status, parse(text))
}

/** Sends a typed request and answers its `data`; a failure is an ApiError. */
export async function call<R extends ClientResponse<unknown, number, string>>(pending: Promise<R>, options: CallOptions = {}): Promise<Answer<R>> {
  const response = (await pending) as unknown as Response
  const payload = parse(await response.text())
  if (!response.ok) {
    const error = toApiError(response.status, payload)
    if (response.status === 401 && !options.expectUnauthorized) onUnauthorized?.(error)
    throw error
  }
  return (payload as { data: Answer<R> } | null)?.data as Answer<R>
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code)
}
