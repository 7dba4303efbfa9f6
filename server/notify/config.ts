import fs from 'node:fs'
import path from 'node:path'
import webpush from 'web-push'
import type { Env } from '../env'

export interface VapidKeys {
  publicKey: string
  privateKey: string
  /** The contact a push service may reach the sender at (mailto: or https:). */
  subject: string
}

export interface SmtpConfig {
  host: string
  port: number
  secure: boolean
  user?: string
  pass?: string
  from: string
}

/** How the server reaches people: Web Push (always on) and email (only when SMTP is configured). */
export interface NotifyConfig {
  vapid: VapidKeys
  smtp: SmtpConfig | null
  /** The address links in emails start with (PUBLIC_URL), else the address the admin's request came to. */
  publicUrl?: string
}

/**
 * The VAPID key pair push services identify this server by: from VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, otherwise
 * generated at first start and kept in the data folder with owner-only permissions (like the session secret,
 * server/lib/secret.ts). A new pair would orphan every browser's subscription, so it is never regenerated.
 */
export function loadVapidKeys(env: Pick<Env, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'VAPID_SUBJECT'>, dataDir: string): VapidKeys {
  const subject = env.VAPID_SUBJECT
  if (env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY) return { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject }
  if (dataDir.startsWith('memory://')) return { ...webpush.generateVAPIDKeys(), subject }
  const file = path.join(dataDir, 'vapid.json')
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true })
    const keys = webpush.generateVAPIDKeys()
    try {
      fs.writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' })
    } catch (err) {
      // Another instance on the same folder wrote it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  const keys = JSON.parse(fs.readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string }
  return { publicKey: keys.publicKey, privateKey: keys.privateKey, subject }
}

/** SMTP from the environment; null (email off) when SMTP_HOST is unset. */
export function smtpFromEnv(env: Pick<Env, 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_USER' | 'SMTP_PASS' | 'SMTP_FROM' | 'SMTP_SECURE'>): SmtpConfig | null {
  if (!env.SMTP_HOST) return null
  return {
    host: env.SMTP_HOST,
    port: env.SMTP_PORT ?? (env.SMTP_SECURE ? 465 : 587),
    secure: env.SMTP_SECURE,
    user: env.SMTP_USER,
    pass: env.SMTP_PASS,
    from: env.SMTP_FROM ?? `Hadir <no-reply@${env.SMTP_HOST}>`,
  }
}

export function notifyConfigFromEnv(env: Env): NotifyConfig {
  return { vapid: loadVapidKeys(env, env.HADIR_DATA_DIR), smtp: smtpFromEnv(env), publicUrl: env.PUBLIC_URL }
}
