import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, type TestApp, type TestResponse } from './harness'

/** An integrator: every request carries `Authorization: Bearer <token>` (and whatever cookies a test gives it). */
export class BearerAgent extends Agent {
  constructor(
    t: TestApp,
    readonly token: string,
  ) {
    super(t)
  }

  override request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> {
    return super.request<T>(method, path, body, { authorization: `Bearer ${this.token}`, ...headers })
  }
}

/** An API token of the admin's organization (its secret), with these permissions or the read-only default. */
export async function createApiToken(admin: Agent, organizationId: number, body: { name?: string; permissions?: string[]; expires_in_days?: number } = {}): Promise<string> {
  const res = await admin.post(`/api/organizations/${organizationId}/api-tokens`, { name: 'Payroll', ...body })
  if (res.status !== 201) throw new Error(`token not created: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data.token as string
}

/**
 * Waits until `check` answers something other than undefined/false (a condition, not a time); gives up after `limitMs`,
 * a limit against a hang: 5 minutes, since a job's round trip beside a loaded CI can take well over the 30 s it had.
 */
export async function until<T>(check: () => Promise<T | undefined | false | null>, what: string, limitMs = 300_000): Promise<T> {
  const give = Date.now() + limitMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false && v !== null) return v
    if (Date.now() > give) throw new Error(`gave up waiting for ${what}`)
    await sleep(25)
  }
}

/** Routes only a person may call, whatever a token's permissions: integrations are never managed by an integration. */
export const PEOPLE_ONLY_ROUTES = /\/(api-tokens|webhooks)\b/
