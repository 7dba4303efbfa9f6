import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LocalDiskStorage } from '../../server/storage/storage'
import { FaceIndexCache } from '../../server/face/index-cache'
import { subscribeFaceIndex } from '../../server/features/faces/faces.gallery'
import postgres from 'postgres'
import { hc } from 'hono/client'
import { createApp, type AppType } from '../../server/app'
import { openDatabase, type Database } from '../../server/db/client'
import { ensureSystemRoles } from '../../server/features/roles/roles.service'
import type { AppDeps } from '../../server/context'
import { openJobQueue } from '../../server/jobs/queue'
import { registerJobs } from '../../server/jobs/registry'
import { openApiDocumentOf } from '../../server/openapi/openapi.routes'
import { ResponseConformance } from './openapi-conformance'
import { guardOneConnection } from './one-connection'
import { pgliteTemplateBytes, TEST_PGLITE_SETTINGS } from './pglite-template'

export const TEST_PG_URL = process.env.HADIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export type Backend = 'postgres' | 'pglite'
export const backend: Backend = process.env.HADIR_TEST_DB === 'postgres' ? 'postgres' : 'pglite'

/**
 * A migrated, empty PGlite data folder (tools/test-support/pglite-template.ts; made before the workers start by
 * vitest.pglite-template.ts), read once per worker: starting from it skips PGlite's initdb and the migrations, which
 * took most of a test file's time.
 */
let template: Promise<Blob> | null = null

/**
 * The template's bytes as PGlite reads them (`arrayBuffer()`, once per database), held once per worker. A plain Blob
 * of the 43 MB dump copied it out chunk by chunk on every read: ~0.4 s of CPU for each test app, a quarter of its
 * start. PGlite only reads the bytes (it copies each file of the tar into its own file system), so one buffer serves
 * every database of the worker.
 */
class TemplateBytes extends Blob {
  // The Blob holds its own copy (made once), so that size, slice(), stream() and text() answer what a Blob would.
  constructor(private readonly template: ArrayBuffer) {
    super([template])
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.template
  }
}

function pgliteTemplate(): Promise<Blob> {
  template ??= pgliteTemplateBytes().then((buffer) => new TemplateBytes(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer))
  return template
}

/** A fresh, migrated database of the backend under test: its own PostgreSQL database, or an in-memory PGlite. */
async function freshDatabase(): Promise<{ database: Database; drop: () => Promise<void>; url?: string }> {
  if (backend === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://', loadDataDir: await pgliteTemplate(), settings: TEST_PGLITE_SETTINGS })
    return { database, drop: () => database.close() }
  }
  // A clone of the run's migrated template (vitest.postgres-template.ts) when there is one: the migrations then find
  // nothing to do (they took most of a test file's setup). Without it (bench, stress runs), an empty database migrated.
  const { url, drop } = await createPostgresDatabase(process.env.HADIR_TEST_PG_TEMPLATE)
  const database = await openDatabase({ databaseUrl: url, dataDir: 'memory://' })
  guardOneConnection(database)
  lastDatabaseUrl = url
  return {
    database,
    url,
    drop: async () => {
      await database.close()
      await drop()
    },
  }
}

/** The URL of the PostgreSQL database the last createTestApp made (to attach a second instance to it). */
// eslint-disable-next-line import/no-mutable-exports -- a live binding: tests read the URL createTestApp set last
export let lastDatabaseUrl: string | null = null

/** An empty PostgreSQL database of its own for one test file (or a copy of `template`); `drop` removes it. */
export async function createPostgresDatabase(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hadir_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  const admin = postgres(TEST_PG_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`)
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}

export interface TestResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

/** A browser-like client: keeps cookies between requests. */
export class Agent {
  readonly cookies = new Map<string, string>()

  constructor(private readonly app: TestApp) {}

  /**
   * The PWA's own typed client (src/api/client.ts: hc<AppType>) over this agent, keeping its cookies:
   * `const page = await call(agent.api.organizations[':id'].members.$get({ param: { id: '1' }, query: {} }))`.
   */
  readonly api = hc<AppType>('http://hadir.test/', { fetch: (input: RequestInfo | URL, init?: RequestInit) => this.fetch(input, init) }).api

  /** A fetch into the app with this agent's cookies (what the typed client sends through). */
  async fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : String(input), 'http://hadir.test')
    const headers = new Headers(init.headers)
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await this.app.app.request(url.pathname + url.search, { ...init, headers })
    this.keepCookies(res)
    if (this.app.conformance && res.headers.get('content-type')?.includes('application/json')) {
      this.app.conformance.check(init.method ?? 'GET', url.pathname, res.status, res.headers.get('content-type'), await res.clone().json().catch(() => null))
    }
    return res
  }

  private keepCookies(res: Response): void {
    for (const set of res.headers.getSetCookie()) {
      const [pair, ...attrs] = set.split(';')
      const [k, ...v] = pair!.split('=')
      const value = v.join('=')
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim())) || value === ''
      if (expired) this.cookies.delete(k!.trim())
      else this.cookies.set(k!.trim(), value)
    }
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> {
    const init: RequestInit = { method, headers: { ...headers } }
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
      ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
    }
    if (this.cookies.size) {
      ;(init.headers as Record<string, string>).cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    }
    const res = await this.app.app.request(path, init)
    this.keepCookies(res)
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* not JSON */
    }
    this.app.conformance?.check(method, path, res.status, res.headers.get('content-type'), parsed)
    return { status: res.status, body: parsed as T, headers: res.headers }
  }

  get = <T = any>(path: string) => this.request<T>('GET', path)
  post = <T = any>(path: string, body?: unknown) => this.request<T>('POST', path, body ?? {})
  patch = <T = any>(path: string, body?: unknown) => this.request<T>('PATCH', path, body ?? {})
  put = <T = any>(path: string, body?: unknown) => this.request<T>('PUT', path, body ?? {})
  delete = <T = any>(path: string) => this.request<T>('DELETE', path)
}

export interface TestApp {
  app: ReturnType<typeof createApp>
  deps: AppDeps
  db: Database['db']
  /** Where this app's photo storage writes (a temporary folder). */
  photoDir: string
  agent: () => Agent
  close: () => Promise<void>
  /**
   * When set, every JSON answer an agent receives is checked against the app's OpenAPI document (its mismatches
   * collect there). Set for every test app (HADIR_OPENAPI_CHECK=0: not), whose close fails on a mismatch.
   */
  conformance?: ResponseConformance
}

/** The process's one response checker (createTestApp). */
let shared: { conformance: ResponseConformance } | undefined

export async function createTestApp(options: Partial<AppDeps['options']> = {}, attach?: { databaseUrl: string; secret: string }): Promise<TestApp> {
  // `attach` opens a second app (a second server instance) on another app's PostgreSQL database.
  const { database, drop, url } = attach
    ? await openDatabase({ databaseUrl: attach.databaseUrl, dataDir: 'memory://' }).then((d) => ({ database: d, drop: () => d.close(), url: attach.databaseUrl }))
    : await freshDatabase()
  await ensureSystemRoles(database.db)
  const photoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-photos-'))
  const deps: AppDeps = {
    database,
    storage: new LocalDiskStorage(photoDir),
    faceIndex: new FaceIndexCache(),
    secret: attach?.secret ?? crypto.randomBytes(32).toString('base64url'),
    version: 'test',
    options: { secureCookies: false, signInPerMinute: 10_000, ...options },
    jobs: await openJobQueue(database, { databaseUrl: url, pollingIntervalSeconds: 0.5 }),
  }
  await subscribeFaceIndex(deps)
  await registerJobs(deps)
  const app = createApp(deps)
  const t: TestApp = {
    app,
    deps,
    db: database.db,
    agent: () => new Agent(t),
    photoDir,
    close: async () => {
      const differ = t.conformance === shared?.conformance ? (shared?.conformance.mismatches.slice(mismatchesBefore) ?? []) : []
      await deps.jobs.stop()
      await drop()
      fs.rmSync(photoDir, { recursive: true, force: true })
      // The answers this app gave that the OpenAPI document does not describe (a status, an error code, a field): the
      // document or the route is wrong, and the test file fails here.
      if (differ.length > 0) throw new Error(`answers differ from the OpenAPI document (/api/openapi.json):\n${[...new Set(differ)].join('\n')}`)
    },
  }
  // Every JSON answer of every API test is checked against the document (one checker per test process: the apps'
  // documents are the same, and its compiled schemas are reused). HADIR_OPENAPI_CHECK=0 turns it off.
  let mismatchesBefore = 0
  if (process.env.HADIR_OPENAPI_CHECK !== '0') {
    shared ??= { conformance: new ResponseConformance(openApiDocumentOf(app.routes, deps.version)) }
    t.conformance = shared.conformance
    mismatchesBefore = shared.conformance.mismatches.length
  }
  return t
}
