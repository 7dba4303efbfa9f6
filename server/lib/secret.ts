import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * The server's secret key (keys token hashes). Read from SESSION_SECRET, otherwise generated at first start and kept
 * in the data folder with owner-only permissions, so nothing secret is ever committed.
 */
export function loadSecret(fromEnv: string | undefined, dataDir: string): string {
  if (fromEnv) return fromEnv
  if (dataDir.startsWith('memory://')) return crypto.randomBytes(32).toString('base64url')
  const file = path.join(dataDir, 'secret')
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim()
  fs.mkdirSync(dataDir, { recursive: true })
  const secret = crypto.randomBytes(48).toString('base64url')
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  return secret
}
