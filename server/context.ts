import type { Database } from './db/client'
import type { Permission } from '../shared/permissions'
import type { PhotoStorage } from './storage/storage'
import type { FaceIndexCache } from './face/index-cache'
import type { JobQueue } from './jobs/queue'
import type { NotifyConfig } from './notify/config'

export interface AppOptions {
  /** Cookies get Secure and the __Host- prefix (production behind HTTPS). */
  secureCookies: boolean
  /** Sign-in attempts allowed per client address per minute, across accounts. */
  signInPerMinute: number
}

export interface AppDeps {
  database: Database
  secret: string
  options: AppOptions
  version: string
  storage: PhotoStorage
  /** Per-organization 1:N face galleries, dropped whenever that organization's face data changes. */
  faceIndex: FaceIndexCache
  /** The durable background job queue (pg-boss on the same database); handlers register in server/jobs/registry.ts. */
  jobs: JobQueue
  /** Web Push keys and SMTP (issue 19); absent: nothing is pushed or emailed (tests that do not need it). */
  notify?: NotifyConfig
}

/** Who is calling: a signed-in person (dashboard or mobile), or an integrator's API token (`Authorization: Bearer`). */
export interface Principal {
  sessionId: number
  kind: 'web' | 'mobile' | 'token'
  /** The API token of a `token` caller (its userId is the admin who created it). */
  tokenId?: number
  userId: number
  userName: string
  organizationId: number | null
  memberId: number | null
  roleId: number | null
  roleKey: string | null
  deviceId: number | null
  permissions: Set<Permission>
}

/** An enrolled petugas tablet (the `hadir_device` cookie). */
export interface DevicePrincipal {
  id: number
  name: string
  organizationId: number
}

export interface AppEnv {
  Variables: {
    deps: AppDeps
    principal: Principal | null
    device: DevicePrincipal | null
  }
}
