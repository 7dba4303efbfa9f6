import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { and, eq, gt } from 'drizzle-orm'
import type { AppDeps, AppEnv, Principal } from '../../../context'
import type { Database } from '../../../db/client'
import { memberRoles, organizationMembers, sessions } from '../../../db/schema'
import { AppError } from '../../../errors'
import { permissionsOfRole } from '../../roles/roles.service'
import { expandPermissions } from '../../../../shared/permissions'

/**
 * Live attendance for the dashboard. Every change to a record is published with PostgreSQL NOTIFY on one channel;
 * each server instance LISTENs once and fans the notifications out to its own Server-Sent Events streams, so a
 * dashboard connected to any instance hears what any instance wrote. Events carry only ids and kinds: the page
 * fetches what changed through the ordinary, permission-checked list route.
 */
export const ATTENDANCE_CHANNEL = 'hadir_attendance'

/** Heartbeat period; the session is re-checked at every heartbeat. Tests shorten it. */
export const liveSettings = { heartbeatMs: 20_000 }

/** created: a new record; updated: a person changed it; changed: a capture was applied (new or folded in). */
export type ChangeKind = 'created' | 'updated' | 'changed'

export interface AttendanceChange {
  kind: 'record'
  id: number
  change: ChangeKind
}

type Listener = (event: AttendanceChange) => void

class AttendanceHub {
  private readonly listeners = new Map<number, Set<Listener>>()
  private listening: Promise<void> | null = null

  constructor(private readonly database: Database) {}

  private start(): Promise<void> {
    this.listening ??= this.database.listen(ATTENDANCE_CHANNEL, (payload) => this.dispatch(payload)).catch((err: unknown) => {
      this.listening = null
      throw err
    })
    return this.listening
  }

  private dispatch(payload: string): void {
    let message: { o?: unknown; ids?: unknown; c?: unknown }
    try {
      message = JSON.parse(payload) as typeof message
    } catch {
      return
    }
    const { o, ids, c } = message
    if (typeof o !== 'number' || !Array.isArray(ids) || (c !== 'created' && c !== 'updated' && c !== 'changed')) return
    // Only the streams of the records' own organization hear of them.
    const listeners = this.listeners.get(o)
    if (!listeners) return
    for (const id of ids) {
      if (typeof id !== 'number') continue
      for (const listener of listeners) listener({ kind: 'record', id, change: c })
    }
  }

  async subscribe(organizationId: number, listener: Listener): Promise<() => void> {
    await this.start()
    const set = this.listeners.get(organizationId) ?? new Set<Listener>()
    set.add(listener)
    this.listeners.set(organizationId, set)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(organizationId)
    }
  }

  /** Open streams in this instance (for tests and diagnostics). */
  size(): number {
    let n = 0
    for (const set of this.listeners.values()) n += set.size
    return n
  }
}

const hubs = new WeakMap<Database, AttendanceHub>()

export function attendanceHub(database: Database): AttendanceHub {
  let hub = hubs.get(database)
  if (!hub) {
    hub = new AttendanceHub(database)
    hubs.set(database, hub)
  }
  return hub
}

/** Ids per notification: a NOTIFY payload must stay under 8000 bytes. */
const IDS_PER_NOTIFY = 500

/**
 * Tells every instance's dashboards that records of the organization changed. Call it after the change committed.
 * Never throws: a lost notification only delays a dashboard until its next refresh.
 */
export async function publishAttendanceChanges(deps: Pick<AppDeps, 'database'>, organizationId: number, recordIds: readonly number[], change: ChangeKind = 'changed'): Promise<void> {
  const ids = [...new Set(recordIds)]
  try {
    for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
      await deps.database.notify(ATTENDANCE_CHANNEL, JSON.stringify({ o: organizationId, ids: ids.slice(i, i + IDS_PER_NOTIFY), c: change }))
    }
  } catch (err) {
    console.error('[hadir] attendance notify failed:', err instanceof Error ? err.message : err)
  }
}

export function publishAttendanceChange(deps: Pick<AppDeps, 'database'>, organizationId: number, recordId: number, change: ChangeKind): Promise<void> {
  return publishAttendanceChanges(deps, organizationId, [recordId], change)
}

/** Whether the stream's session still stands as it was: not signed out or expired, same organization and role, still allowed. */
async function sessionStillValid(deps: AppDeps, p: Principal & { organizationId: number }): Promise<boolean> {
  const { db } = deps.database
  const [row] = await db
    .select({ organizationId: sessions.organizationId, roleId: sessions.roleId, memberStatus: organizationMembers.status, held: memberRoles.roleId })
    .from(sessions)
    .leftJoin(organizationMembers, eq(organizationMembers.id, sessions.organizationMemberId))
    .leftJoin(memberRoles, and(eq(memberRoles.organizationMemberId, sessions.organizationMemberId), eq(memberRoles.roleId, sessions.roleId)))
    .where(and(eq(sessions.id, p.sessionId), gt(sessions.expiresAt, new Date())))
  if (!row || row.organizationId !== p.organizationId || row.roleId !== p.roleId || row.roleId === null) return false
  if (row.memberStatus !== null && row.memberStatus !== 'active') return false
  if (row.held === null) return false
  return expandPermissions(await permissionsOfRole(db, row.roleId)).has('attendance:record:view')
}

/** GET /api/organizations/:id/attendance/stream (the guard has checked attendance:record:view for this organization). */
export async function attendanceStream(c: Context<AppEnv>, p: Principal & { organizationId: number }): Promise<Response> {
  if (!/\btext\/event-stream\b/i.test(c.req.header('accept') ?? '')) {
    throw new AppError(406, 'NOT_ACCEPTABLE', 'This is a Server-Sent Events stream: send Accept: text/event-stream (EventSource does).')
  }
  const deps = c.get('deps')
  const hub = attendanceHub(deps.database)
  const queue: AttendanceChange[] = []
  let wake: (() => void) | null = null
  const unsubscribe = await hub.subscribe(p.organizationId, (event) => {
    queue.push(event)
    wake?.()
  })
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(c, async (stream) => {
    let open = true
    stream.onAbort(() => {
      open = false
      wake?.()
    })
    try {
      const heartbeat = liveSettings.heartbeatMs
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ organization_id: p.organizationId, heartbeat_ms: heartbeat }), retry: 3000 })
      let nextBeat = Date.now() + heartbeat
      while (open && !stream.aborted) {
        const event = queue.shift()
        if (event) {
          await stream.writeSSE({ event: 'attendance', data: JSON.stringify(event) })
          continue
        }
        const wait = nextBeat - Date.now()
        if (wait <= 0) {
          if (!(await sessionStillValid(deps, p))) {
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason: 'session_ended' }) })
            break
          }
          await stream.writeSSE({ event: 'heartbeat', data: new Date().toISOString() })
          nextBeat = Date.now() + heartbeat
          continue
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        wake = null
      }
    } catch {
      // The client went away mid-write: nothing to tell anyone.
    } finally {
      unsubscribe()
    }
  })
}
