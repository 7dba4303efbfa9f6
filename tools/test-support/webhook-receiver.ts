import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifySignature } from '../../server/features/webhooks/webhooks.sign'

export interface Received {
  headers: http.IncomingHttpHeaders
  body: string
  json: any
  /** The Hadir-Signature header checked against the secret the receiver was given. */
  verified: boolean
  /** The sender's port: a connection reused from an earlier request has the same one. */
  port: number | undefined
}

/**
 * A webhook receiver on 127.0.0.1 for tests: answers as `mode` says (ok, fail with 500, hang without ever answering,
 * slow: answers after `slowMs`), and checks every request's signature with `secret`.
 */
export class WebhookReceiver {
  mode: 'ok' | 'fail' | 'hang' | 'slow' = 'ok'
  slowMs = 150
  secret = ''
  readonly received: Received[] = []
  private readonly hanging = new Set<http.ServerResponse>()
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: unknown = null
      try {
        json = JSON.parse(body)
      } catch {
        /* not JSON */
      }
      this.received.push({ headers: req.headers, body, json, verified: verifySignature(this.secret, body, String(req.headers['hadir-signature'] ?? '')), port: req.socket.remotePort })
      if (this.mode === 'hang') {
        this.hanging.add(res)
        return
      }
      const answer = () => {
        if (this.mode === 'fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down for maintenance')
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}')
      }
      if (this.mode === 'slow') setTimeout(answer, this.slowMs)
      else answer()
    })
  })

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/hadir`
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  of(type: string): Received[] {
    return this.received.filter((r) => r.json?.type === type)
  }
}
