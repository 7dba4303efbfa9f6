import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, call, NETWORK, routes, setUnauthorizedListener } from './client'
import { listMemberPage } from './members-admin'
import { getMe } from './session'
import { listAuditLog } from './settings-admin'
import { getMyAttendance } from './attendance'

interface Sent { url: string; init: RequestInit }

function answer(status: number, body: unknown): { sent: Sent[] } {
  const sent: Sent[] = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, init })
    return new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  })
  return { sent }
}

afterEach(() => {
  vi.unstubAllGlobals()
  setUnauthorizedListener(null)
})

describe('the typed API client (hc<AppType>)', () => {
  it('builds the route path from its parameters and answers the envelope’s data', async () => {
    const { sent } = answer(200, { success: true, data: { members: [{ id: 7 }], total: 1 } })
    const page = await listMemberPage('3', { q: 'siti', status: '', department_id: 4, role: '', face: 'missing', limit: 25, offset: 50 })
    expect(page).toEqual({ members: [{ id: 7 }], total: 1 })
    const url = new URL(sent[0]!.url, 'http://hadir.test')
    expect(url.pathname).toBe('/api/organizations/3/members')
    // '' means "any": left out; numbers go as text.
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: 'siti', department_id: '4', face: 'missing', limit: '25', offset: '50' })
    expect(sent[0]!.init.method).toBe('GET')
    expect(sent[0]!.init.credentials).toBe('same-origin')
    expect(new Headers(sent[0]!.init.headers).get('accept')).toBe('application/json')
  })

  it('sends a JSON body with its content type', async () => {
    const { sent } = answer(201, { success: true, data: { id: 1 } })
    await call(routes.organizations[':id'].positions.$post({ param: { id: '9' }, json: { name: 'Guru' } }))
    expect(sent[0]!.url).toBe('/api/organizations/9/positions')
    expect(sent[0]!.init.method).toBe('POST')
    expect(new Headers(sent[0]!.init.headers).get('content-type')).toBe('application/json')
    expect(JSON.parse(String(sent[0]!.init.body))).toEqual({ name: 'Guru' })
  })

  it('turns an error answer into an ApiError with the server’s code and details', async () => {
    answer(422, { error: { code: 'VALIDATION_FAILED', message: 'Some fields are invalid', details: [{ path: 'name' }] } })
    const failure = await listAuditLog('1', { actor_user_id: 5 }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ status: 422, code: 'VALIDATION_FAILED', details: [{ path: 'name' }] })
  })

  it('an answer that is not JSON still becomes an ApiError by status', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>Bad gateway</html>', { status: 502 }))
    await expect(getMyAttendance(5)).rejects.toMatchObject({ status: 502, code: 'HTTP_502' })
  })

  it('an unreachable server is NETWORK (status 0); an abort stays an AbortError', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(getMyAttendance()).rejects.toMatchObject({ status: 0, code: NETWORK })
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('aborted', 'AbortError')
    })
    await expect(getMyAttendance()).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('a lost session (401) tells the listener, unless the call expects a 401', async () => {
    const lost: ApiError[] = []
    setUnauthorizedListener((e) => lost.push(e))
    answer(401, { error: { code: 'UNAUTHENTICATED', message: 'Sign in' } })
    await expect(listAuditLog('1')).rejects.toMatchObject({ status: 401 })
    expect(lost).toHaveLength(1)
    await expect(getMe()).rejects.toMatchObject({ status: 401 }) // probing a session
    expect(lost).toHaveLength(1)
  })

  it('passes an AbortSignal through', async () => {
    const { sent } = answer(200, { success: true, data: { records: [] } })
    const controller = new AbortController()
    await getMyAttendance(3, { signal: controller.signal })
    expect(sent[0]!.init.signal).toBe(controller.signal)
    expect(sent[0]!.url).toBe('/api/attendance/mine?limit=3')
  })
})

describe('the contract is checked at compile time (npm run typecheck)', () => {
  it('refuses a route, parameter or field the server does not have', () => {
    const typeOnly = () => {
      // @ts-expect-error no such route
      void routes.organizations[':id'].nonsense.$get({ param: { id: '1' } })
      // @ts-expect-error the organization parameter is required
      void routes.organizations[':id'].members.$get({ query: {} })
      // @ts-expect-error a position has a name, not a title
      void routes.organizations[':id'].positions.$post({ param: { id: '1' }, json: { title: 'x' } })
      // @ts-expect-error the answer has no such field
      void listMemberPage('1', { limit: 1, offset: 0 }).then((page) => page.nope)
    }
    expect(typeof typeOnly).toBe('function')
  })
})
