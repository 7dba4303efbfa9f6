import crypto from 'node:crypto'

/**
 * The QR code a member's phone shows to a kiosk: organization, member and expiry, signed with the server's key so a
 * kiosk (online) can trust it. It only finds the member; the kiosk still checks the face.
 */
const PREFIX = 'HQ1'
export const QR_TTL_SECONDS = 10 * 60

function sign(secret: string, body: string): string {
  return crypto.createHmac('sha256', secret).update(`qr:${body}`).digest('base64url').slice(0, 22)
}

export function makeQrToken(secret: string, organizationId: number, memberId: number, now = Date.now()): { token: string; expiresAt: Date } {
  const exp = Math.floor(now / 1000) + QR_TTL_SECONDS
  const body = `${organizationId}.${memberId}.${exp}`
  return { token: `${PREFIX}.${body}.${sign(secret, body)}`, expiresAt: new Date(exp * 1000) }
}

export type QrCheck = { ok: true; organizationId: number; memberId: number } | { ok: false; code: 'QR_INVALID' | 'QR_EXPIRED' }

export function readQrToken(secret: string, token: string, now = Date.now()): QrCheck {
  const m = /^HQ1\.(\d{1,9})\.(\d{1,9})\.(\d{1,12})\.([\w-]{22})$/.exec(token.trim())
  if (!m) return { ok: false, code: 'QR_INVALID' }
  const body = `${m[1]}.${m[2]}.${m[3]}`
  const expected = Buffer.from(sign(secret, body))
  const given = Buffer.from(m[4]!)
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, code: 'QR_INVALID' }
  if (Number(m[3]) * 1000 < now) return { ok: false, code: 'QR_EXPIRED' }
  return { ok: true, organizationId: Number(m[1]), memberId: Number(m[2]) }
}
