import path from 'node:path'
import { z } from 'zod'
import { appRoot } from './lib/paths'

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
})

export type Env = z.infer<typeof schema>

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid environment:\n${lines.join('\n')}`)
  }
  return parsed.data
}
