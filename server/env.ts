import path from 'node:path'
import { z } from 'zod'
import { appRoot } from './lib/paths'

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v || undefined))

// The environment, validated once at start so a misconfiguration fails fast with a clear line.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** postgres://... to use an external PostgreSQL; unset for the embedded PGlite database in HADIR_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  HADIR_DATA_DIR: z.string().default(path.join(appRoot, 'data')),
  /** Optional; otherwise generated at first start and kept in HADIR_DATA_DIR/secret. */
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  /** Set to "true" behind HTTPS: cookies become Secure and __Host- prefixed. */
  COOKIE_SECURE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['silent', 'error', 'info', 'debug']).default('info'),
  /** Photos in an S3-compatible bucket instead of HADIR_DATA_DIR/photos (README, "Photo storage"). Unset: local disk. */
  S3_BUCKET: optionalText,
  /** http(s)://host:port of the S3-compatible server (MinIO, Ceph, Garage, R2...); unset for AWS S3. */
  S3_ENDPOINT: z
    .string()
    .regex(/^https?:\/\//, 'S3_ENDPOINT must start with http:// or https://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  /** "true" for http://host/bucket/key addressing (MinIO and most self-hosted servers). */
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  /** Server-side encryption of every photo: AES256 (SSE-S3, the default), aws:kms, or none for a store without it. */
  S3_SERVER_SIDE_ENCRYPTION: z.enum(['AES256', 'aws:kms', 'none']).default('AES256'),
  /** Email (invitations, the admins' daily digest) over SMTP; unset SMTP_HOST: email is off. */
  SMTP_HOST: optionalText,
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_USER: optionalText,
  SMTP_PASS: optionalText,
  /** The sender, e.g. "Hadir <hadir@example.org>". */
  SMTP_FROM: optionalText,
  /** "true" for SMTPS (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  /** Web Push's VAPID key pair; unset: generated at first start and kept in HADIR_DATA_DIR/vapid.json. */
  VAPID_PUBLIC_KEY: optionalText,
  VAPID_PRIVATE_KEY: optionalText,
  VAPID_SUBJECT: z.string().regex(/^(mailto:|https:)/, 'VAPID_SUBJECT must start with mailto: or https:').default('mailto:hadir@localhost'),
  /** The app's public address (https://hadir.example.org), for links in emails; unset: the address requests come to. */
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\//, 'PUBLIC_URL must start with http:// or https://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
})

export type Env = z.infer<typeof schema>

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid environment:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  if (env.S3_BUCKET && !env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
    throw new Error('Invalid environment:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or neither, for the default AWS credential chain)')
  }
  return env
}
