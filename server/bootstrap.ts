import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Env } from './env'
import { oneInstanceAtATime, openDatabase, type Database } from './db/client'
import { ensureSystemRoles } from './features/roles/roles.service'
import { loadSecret } from './lib/secret'
import { appRoot } from './lib/paths'
import type { AppDeps } from './context'
import { openStorage } from './storage/open'
import { FaceIndexCache } from './face/index-cache'
import { subscribeFaceIndex } from './features/faces/faces.gallery'
import { openJobQueue } from './jobs/queue'
import { registerJobs } from './jobs/registry'
import { notifyConfigFromEnv } from './notify/config'

export function appVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')).version as string
  } catch {
    return 'unknown'
  }
}

/** Opens and migrates the database, makes sure the system roles exist, and gathers what the app needs. */
export async function bootstrap(env: Env, overrides: Partial<AppDeps['options']> = {}): Promise<AppDeps & { database: Database }> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.HADIR_DATA_DIR })
  // Replicas starting together take turns for what writes shared definitions (roles, pg-boss's schema and queues).
  const jobs = await oneInstanceAtATime(database, 'hadir:start', async () => {
    await ensureSystemRoles(database.db)
    return openJobQueue(database, { databaseUrl: env.DATABASE_URL })
  })
  const deps: AppDeps & { database: Database } = {
    database,
    secret: loadSecret(env.SESSION_SECRET, env.HADIR_DATA_DIR),
    version: appVersion(),
    storage: await openStorage(env),
    faceIndex: new FaceIndexCache(),
    jobs,
    notify: notifyConfigFromEnv(env),
    options: { secureCookies: env.COOKIE_SECURE, signInPerMinute: 30, ...overrides },
  }
  await subscribeFaceIndex(deps)
  await oneInstanceAtATime(database, 'hadir:start', () => registerJobs(deps))
  return deps
}
