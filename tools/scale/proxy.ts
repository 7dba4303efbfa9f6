// A small round-robin HTTP load balancer on 127.0.0.1 for `npm run test:scale`: each request goes to the next instance
// in turn, streamed both ways (so Server-Sent Events pass through as they are written). An instance that refuses the
// connection (killed) answers 502 for that request only, as a load balancer without health checks would; the devices
// retry and the next request goes to the next instance.
import http from 'node:http'

export interface Backend {
  port: number
}

export class RoundRobinProxy {
  private server: http.Server | null = null
  private next = 0
  port = 0
  /** Requests forwarded to each backend (index), and 502s answered because a backend was down. */
  readonly served: number[]
  badGateway = 0
  inFlight = 0

  constructor(private readonly backends: Backend[]) {
    this.served = backends.map(() => 0)
  }

  async start(): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })
    this.server = http.createServer((req, res) => {
      const i = this.next++ % this.backends.length
      const backend = this.backends[i]!
      this.inFlight++
      let done = false
      const finish = () => {
        if (!done) {
          done = true
          this.inFlight--
        }
      }
      const up = http.request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
        this.served[i]!++
        res.writeHead(upRes.statusCode ?? 502, upRes.headers)
        upRes.pipe(res)
        upRes.on('end', finish)
        upRes.on('error', () => {
          finish()
          res.destroy()
        })
      })
      up.on('error', () => {
        finish()
        if (!res.headersSent) {
          this.badGateway++
          res.writeHead(502, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: 'the instance did not answer' } }))
        } else {
          res.destroy()
        }
      })
      // The client went away first (a stream closed, a device gave up): the upstream request goes too.
      res.on('close', () => {
        if (done) return
        finish()
        up.destroy()
      })
      req.pipe(up)
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
