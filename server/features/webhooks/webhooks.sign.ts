import crypto from 'node:crypto'

/** A new signing secret, shown to the admin once. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64url')}`
}

/** `Hadir-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` (docs/api.md, "Webhooks"). */
export function signatureHeader(secret: string, body: string, at = new Date()): string {
  const t = Math.floor(at.getTime() / 1000)
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  return `t=${t},v1=${v1}`
}

/** What a receiver does (and the tests' receiver): recompute, compare in constant time, refuse stale timestamps. */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now / 1000 - t) > toleranceSeconds) return false
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest()
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
}

// A signing secret must be readable to sign, so it cannot be hashed like a token; it is kept encrypted with a key
// derived from the server's secret (SESSION_SECRET or data/secret), so a copy of the database alone forges nothing.
function keyOf(serverSecret: string): Buffer {
  return crypto.createHmac('sha256', serverSecret).update('hadir webhook signing secrets').digest()
}

/** `v1:<iv>:<tag>:<ciphertext>` (AES-256-GCM, base64url parts). */
export function sealSecret(serverSecret: string, secret: string): string {
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(serverSecret), iv)
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':')
}

export function openSecret(serverSecret: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split(':')
  if (version !== 'v1' || !iv || !tag || !body) throw new Error('webhook secret: not sealed by this server')
  const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(serverSecret), Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
}
