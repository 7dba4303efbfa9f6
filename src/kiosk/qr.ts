// The signed QR code a member's phone shows to a kiosk: `HQ1.<organization>.<member>.<expiry seconds>.<signature>`
// (server/features/attendance/qr.ts makes it). Online the kiosk asks the server to resolve it (the signature is checked
// there); offline it can only read the member id and expiry — the face check against that member's cached
// descriptors is what makes the record trustworthy, and the server re-checks the face when the record arrives.

export interface QrToken {
  /** The token as scanned (trimmed): what POST /api/attendance/qr/resolve receives. */
  raw: string
  organizationId: number
  memberId: number
  expiresAt: Date
}

const TOKEN = /^HQ1\.(\d{1,9})\.(\d{1,9})\.(\d{1,12})\.([\w-]{22})$/

/** Reads a scanned text as a member QR token, or null when it is not one (any other QR code, a URL, noise). */
export function parseQrToken(text: string): QrToken | null {
  const raw = text.trim()
  const m = TOKEN.exec(raw)
  if (!m) return null
  const organizationId = Number(m[1])
  const memberId = Number(m[2])
  if (!(organizationId > 0) || !(memberId > 0)) return null
  return { raw, organizationId, memberId, expiresAt: new Date(Number(m[3]) * 1000) }
}

export type QrProblem = 'not_a_member_code' | 'other_organization' | 'expired'

/** Why a scanned token cannot be used on this kiosk without the server, or null when it can. */
export function offlineQrProblem(token: QrToken | null, organizationId: number, now: number = Date.now()): QrProblem | null {
  if (!token) return 'not_a_member_code'
  if (token.organizationId !== organizationId) return 'other_organization'
  if (token.expiresAt.getTime() < now) return 'expired'
  return null
}

// ---------------------------------------------------------------- the second factor of a confusable member

/**
 * What a member's QR code says to a kiosk that asked for it as a second factor (issue 14: a member whose face the
 * recognition can mix up with another's): 'ok' when it is this member's, of this organization and not expired;
 * otherwise why not. The server checks the signature again when the record arrives (the kiosk may be offline now).
 */
export type SecondFactorAnswer = 'ok' | 'other_member' | QrProblem

export function secondFactorAnswer(token: QrToken | null, organizationId: number, memberId: number, now: number = Date.now()): SecondFactorAnswer {
  const problem = offlineQrProblem(token, organizationId, now)
  if (problem) return problem
  return token!.memberId === memberId ? 'ok' : 'other_member'
}

/**
 * The QR code a member showed to the QR screen, kept for the record screen it leads to (in memory only, never stored):
 * the record then carries it as the member's second factor.
 */
const scanned = new Map<number, QrToken>()

export function rememberScannedQr(token: QrToken): void {
  scanned.clear()
  scanned.set(token.memberId, token)
}

/** The member's scanned code while it is still valid, else null. */
export function scannedQrOf(memberId: number, now: number = Date.now()): string | null {
  const token = scanned.get(memberId)
  if (!token) return null
  if (token.expiresAt.getTime() < now) {
    scanned.delete(memberId)
    return null
  }
  return token.raw
}
