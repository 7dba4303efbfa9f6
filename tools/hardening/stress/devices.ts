// Simulated phones: the PWA's own offline modules (src/offline: Dexie outbox, flushOutbox) running in Node on
// fake-indexeddb, talking HTTP to the real server (directly or through the fault proxy).
import 'fake-indexeddb/auto'
import http from 'node:http'
import { openHadirDb, type HadirDb } from '../../../src/offline/db'
import { enqueueCapture } from '../../../src/offline/outbox'
import { fetchTransport, flushOutbox, type SyncTransport } from '../../../src/offline/sync'
import { uuidv7 } from '../../../shared/attendance/uuidv7'
import { sleep } from './server-process'

let dbCounter = 0

export interface DeviceOptions {
  organizationId: number
  memberId: number
  memberName: string
  cookie: string
  /** Where the device sends its sync requests (the server, or the proxy in front of it). */
  baseUrl: () => string
  /** The device's clock is this far off (ms). */
  skewMs?: number
  /** Every batch is sent twice at the same time (a retry racing the original). */
  doubleSend?: boolean
  /** Records each HTTP round trip (ms, status or 0 for a network failure). */
  onRequest?: (ms: number, status: number) => void
}

export class Device {
  readonly db: HadirDb
  readonly created: string[] = []
  failures = 0
  private kindToggle = 0

  constructor(readonly opts: DeviceOptions) {
    this.db = openHadirDb(`stress-device-${process.pid}-${++dbCounter}`)
  }

  now(): Date {
    return new Date(Date.now() + (this.opts.skewMs ?? 0))
  }

  /** A capture as the app makes it: UUIDv7 from the device's clock, record + outbox entry in one transaction. */
  async capture(daysAgo = 0): Promise<string> {
    const at = new Date(this.now().getTime() - daysAgo * 86_400_000)
    const clientId = uuidv7(at.getTime())
    const kind = this.kindToggle++ % 2 === 0 ? 'check_in' : 'check_out'
    await enqueueCapture(
      this.db,
      {
        organization_id: this.opts.organizationId,
        member_name: this.opts.memberName,
        date: at.toISOString().slice(0, 10),
        time: at.toISOString().slice(11, 16),
        record: { client_id: clientId, member_id: this.opts.memberId, kind, captured_at: at.toISOString() },
        photo: null,
      },
      at.getTime(),
    )
    this.created.push(clientId)
    return clientId
  }

  private transport(): SyncTransport {
    const { cookie, onRequest } = this.opts
    const timedFetch: typeof fetch = async (input, init) => {
      const started = performance.now()
      try {
        const res = await fetch(`${this.opts.baseUrl()}${String(input)}`, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), cookie },
          signal: AbortSignal.timeout(60_000),
        })
        const body = await res.arrayBuffer()
        onRequest?.(performance.now() - started, res.status)
        return new Response(body, { status: res.status, headers: res.headers })
      } catch (err) {
        onRequest?.(performance.now() - started, 0)
        throw err
      }
    }
    const send = fetchTransport(timedFetch, '/api/attendance/sync')
    if (!this.opts.doubleSend) return send
    return async (batch) => {
      const [first, second] = await Promise.allSettled([send(batch), send(batch)])
      if (first.status === 'fulfilled') return first.value
      if (second.status === 'fulfilled') return second.value
      throw first.reason
    }
  }

  /** Flushes until the outbox is empty (backing off briefly after a failure) or the deadline passes. */
  async syncUntilEmpty(deadline: number): Promise<boolean> {
    const transport = this.transport()
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        const r = await flushOutbox(this.db, transport, { deviceId: `stress-${this.opts.memberId}`, organizationId: this.opts.organizationId, now: () => this.now() })
        if (r.remaining === 0) return true
      } catch {
        this.failures++
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random() / 2))
      }
    }
    return (await this.db.outbox.where('state').equals('pending').count()) === 0
  }

  async attention(): Promise<{ client_id: string; code?: string; reason?: string }[]> {
    return (await this.db.outbox.where('state').equals('attention').toArray()).map((e) => ({ client_id: e.client_id, code: e.attention_code, reason: e.attention_reason }))
  }

  async close(): Promise<void> {
    this.db.close()
    await this.db.delete().catch(() => {})
  }
}

export interface ProxyStats {
  forwarded: number
  dropped: number
  inFlight: number
}

/**
 * A small HTTP proxy in front of the server. With `dropRate`, a sync response is read whole from the server (so the
 * server has committed) and then the client's connection is destroyed: the device never hears the answer.
 */
export class FaultProxy {
  dropRate = 0
  private dropCredit = 0.5
  readonly stats: ProxyStats = { forwarded: 0, dropped: 0, inFlight: 0 }
  private server: http.Server | null = null
  port = 0

  constructor(private readonly target: () => { host: string; port: number }) {}

  async start(): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        this.stats.inFlight++
        const { host, port } = this.target()
        const up = http.request({ host, port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
          const body: Buffer[] = []
          upRes.on('data', (c) => body.push(c))
          upRes.on('end', () => {
            this.stats.inFlight--
            this.stats.forwarded++
            // Deterministic share: every 1/dropRate-th sync answer is dropped.
            if (req.url?.startsWith('/api/attendance/sync') && this.dropRate > 0 && (this.dropCredit += this.dropRate) >= 1) {
              this.dropCredit -= 1
              this.stats.dropped++
              req.socket.destroy()
              return
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers)
            res.end(Buffer.concat(body))
          })
          upRes.on('error', () => req.socket.destroy())
        })
        up.on('error', () => {
          this.stats.inFlight--
          req.socket.destroy()
        })
        up.end(Buffer.concat(chunks))
      })
    })
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()))
    this.port = (this.server!.address() as { port: number }).port
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((r) => this.server?.close(r))
  }
}
