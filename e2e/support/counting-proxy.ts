import net from 'node:net'

// A TCP proxy on 127.0.0.1 in front of a Hadir server that counts every byte the server sends (headers, compressed
// bodies, the service worker and what it fetches) and remembers the request lines: what a device downloads on the wire.
// Used by e2e/bytes.spec.ts and by the bench (tools/bench/browser/firstload.ts).

export interface CountingProxy {
  /** The proxy's origin: open pages here. */
  url: string
  /** Bytes the server has sent so far, through this proxy. */
  received: () => number
  /** Request lines seen so far ("GET /path?query"), in order. */
  requests: string[]
  close: () => Promise<void>
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target)
  let received = 0
  const requests: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(to.port || 80), to.hostname)
    sockets.add(client).add(upstream)
    client.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('latin1').split('\r\n')) {
        if (/^(GET|HEAD|POST|PUT|PATCH|DELETE) \//.test(line)) requests.push(line.split(' ').slice(0, 2).join(' '))
      }
    })
    upstream.on('data', (chunk: Buffer) => void (received += chunk.length))
    client.pipe(upstream).pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
