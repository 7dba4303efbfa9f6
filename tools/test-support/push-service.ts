// A push service for tests, on 127.0.0.1: it checks each push's VAPID JWT (RFC 8292: ES256 over the header and claims,
// signed by the key the `k=` parameter names, audience = this service's origin, expiry within 24 hours) and decrypts
// its aes128gcm payload (RFC 8291 + RFC 8188) with the subscription's private key, written here from the RFCs with
// node:crypto only, so the library that encrypts is not also the one that checks.
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

const b64u = (b: Buffer | Uint8Array) => Buffer.from(b).toString('base64url')

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
export interface TestSubscriber {
  ecdh: crypto.ECDH
  publicKey: Buffer
  auth: Buffer
  /** As PushSubscription.toJSON() gives it. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } }
}

export interface ReceivedPush {
  path: string
  /** The VAPID public key (k=) that signed it. */
  vapidKey: string
  claims: { aud: string; exp: number; sub: string }
  ttl: string | undefined
  payload: { title: string; body: string; url: string; tag: string }
}

export interface PushService {
  origin: string
  received: ReceivedPush[]
  /** Pushes refused (bad signature, undecryptable): a test expects none. */
  refused: string[]
  /** Status the next pushes to a path answer with (default 201). */
  answer: Map<string, number>
  subscriber: (path: string) => TestSubscriber
  close: () => Promise<void>
}

function verifyVapid(authorization: string | undefined, origin: string): { vapidKey: string; claims: ReceivedPush['claims'] } {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? '')
  if (!m) throw new Error(`no vapid authorization: ${authorization}`)
  const [header, claims, signature] = m[1]!.split('.') as [string, string, string]
  const k = Buffer.from(m[2]!, 'base64url')
  if (k.length !== 65 || k[0] !== 4) throw new Error('k is not an uncompressed P-256 point')
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(k.subarray(1, 33)), y: b64u(k.subarray(33)) }, format: 'jwk' })
  const ok = crypto.verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))
  if (!ok) throw new Error('vapid signature does not verify')
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') throw new Error('vapid alg is not ES256')
  const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as ReceivedPush['claims']
  const now = Date.now() / 1000
  if (c.aud !== origin) throw new Error(`vapid aud ${c.aud} is not ${origin}`)
  if (!(c.exp > now && c.exp <= now + 24 * 3600 + 60)) throw new Error(`vapid exp ${c.exp} out of range`)
  if (!/^(mailto:|https:)/.test(c.sub)) throw new Error(`vapid sub ${c.sub}`)
  return { vapidKey: m[2]!, claims: c }
}

/** RFC 8291 section 3.4 + RFC 8188: one aes128gcm record, decrypted with the user agent's key pair and auth secret. */
export function decryptAes128gcm(body: Buffer, sub: Pick<TestSubscriber, 'ecdh' | 'publicKey' | 'auth'>): Buffer {
  const salt = body.subarray(0, 16)
  const rs = body.readUInt32BE(16)
  const idlen = body[20]!
  const asPublic = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not an uncompressed P-256 key`)
  if (ciphertext.length > rs) throw new Error('more than one record')
  const ecdhSecret = sub.ecdh.computeSecret(asPublic)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.publicKey, asPublic])
  const ikm = Buffer.from(crypto.hkdfSync('sha256', ecdhSecret, sub.auth, keyInfo, 32))
  const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
  const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()])
  // The last record: content, then the delimiter 0x02, then zero padding.
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end--
  if (padded[end] !== 2) throw new Error('no last-record delimiter')
  return padded.subarray(0, end)
}

export async function startPushService(): Promise<PushService> {
  const received: ReceivedPush[] = []
  const refused: string[] = []
  const answer = new Map<string, number>()
  const subscribers = new Map<string, TestSubscriber>()
  let origin = ''
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      try {
        const sub = subscribers.get(path)
        if (!sub) throw new Error(`no subscriber at ${path}`)
        if (req.method !== 'POST' || req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`${req.method} ${req.headers['content-encoding']}`)
        const { vapidKey, claims } = verifyVapid(req.headers.authorization, origin)
        const payload = JSON.parse(decryptAes128gcm(Buffer.concat(chunks), sub).toString('utf8')) as ReceivedPush['payload']
        const status = answer.get(path) ?? 201
        if (status < 300) received.push({ path, vapidKey, claims, ttl: req.headers.ttl as string | undefined, payload })
        res.writeHead(status).end()
      } catch (err) {
        refused.push(err instanceof Error ? err.message : String(err))
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    received,
    refused,
    answer,
    subscriber(path) {
      const ecdh = crypto.createECDH('prime256v1')
      ecdh.generateKeys()
      const publicKey = ecdh.getPublicKey()
      const auth = crypto.randomBytes(16)
      const s: TestSubscriber = { ecdh, publicKey, auth, json: { endpoint: `${origin}${path}`, keys: { p256dh: b64u(publicKey), auth: b64u(auth) } } }
      subscribers.set(path, s)
      return s
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
