import crypto from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>

// scrypt is memory-hard and ships with Node: no native addon to build. N=2^15, r=8 uses 32 MiB per hash.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
const KEYLEN = 32

/** Hashes a password or PIN as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = crypto.randomBytes(16)
  const key = await scrypt(secret.normalize('NFKC'), salt, KEYLEN, PARAMS)
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifySecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) {
    // Spend the same time as a real check so a missing account is not revealed by timing.
    await scrypt(secret, 'no-account-salt', KEYLEN, PARAMS)
    return false
  }
  const [alg, n, r, p, saltB64, keyB64] = stored.split('$')
  if (alg !== 'scrypt' || !n || !r || !p || !saltB64 || !keyB64) return false
  const expected = Buffer.from(keyB64, 'base64url')
  const key = await scrypt(secret.normalize('NFKC'), Buffer.from(saltB64, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  })
  return crypto.timingSafeEqual(key, expected)
}

/** An opaque bearer token (session, device): 256 random bits. */
export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url')
}

// No 0/O/1/I/L: codes are read aloud and typed on tablets.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

/** A short human-typable one-time code, e.g. for device enrolment or invitations. */
export function randomCode(length = 8): string {
  let out = ''
  for (const byte of crypto.randomBytes(length)) out += CODE_ALPHABET[byte % CODE_ALPHABET.length]
  return out
}

/** Normalises what a person typed for a code: case, spaces and dashes do not matter. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '')
}

/** Tokens and codes are stored only as a keyed hash, so a database leak yields no usable credential. */
export function hashToken(secret: string, token: string): string {
  return crypto.createHmac('sha256', secret).update(token).digest('base64url')
}
