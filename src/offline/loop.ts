// The page's sync loop: flushes at start, when the browser comes online, when the page becomes visible, every 60 s,
// and after a failure with exponential backoff (jitter, up to 5 minutes). The service worker's Background Sync is
// only an extra: Safari has none, and the outbox — not the worker — is the source of truth.
import type { HadirDb } from './db'
import { outboxCounts } from './outbox'
import { flushRollCalls, rollCallCounts, type RollCallTransport } from './roll-calls'
import { backoffMs, exclusively, flushOutbox, lastSyncAt, type SyncTransport } from './sync'

/** How soon to look again when another flush held the lock. */
const BUSY_RETRY_MS = 2_000

export interface SyncState {
  pending: number
  attention: number
  lastSyncAt: string | null
  syncing: boolean
  online: boolean
  /** The last failure in words for the screen, or null. */
  lastError: string | null
}

export interface SyncLoopOptions {
  db: HadirDb
  transport: SyncTransport
  /** Sends the roll-call queue too (src/offline/roll-calls.ts), after the outbox, under the same lock. */
  rollCalls?: RollCallTransport
  deviceId: string
  organizationId?: number
  intervalMs?: number
  onChange?: (state: SyncState) => void
  /** Test seams. */
  window?: Pick<Window, 'addEventListener' | 'removeEventListener'> & { navigator?: { onLine: boolean } }
  document?: Pick<Document, 'addEventListener' | 'removeEventListener' | 'visibilityState'>
}

export class SyncLoop {
  state: SyncState = { pending: 0, attention: 0, lastSyncAt: null, syncing: false, online: true, lastError: null }
  private failures = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private stopped = true
  private readonly cleanups: (() => void)[] = []
  /** The flush under way, and whether another was asked for meanwhile (then it runs right after). */
  private running: Promise<void> | null = null
  private again = false

  constructor(private readonly opts: SyncLoopOptions) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    const win = this.opts.window ?? (typeof window !== 'undefined' ? window : undefined)
    const doc = this.opts.document ?? (typeof document !== 'undefined' ? document : undefined)
    this.state.online = win?.navigator?.onLine ?? true
    const online = () => {
      this.state.online = true
      this.failures = 0
      void this.flush()
    }
    const offline = () => {
      this.state.online = false
      this.emit()
    }
    const visible = () => {
      if (doc?.visibilityState === 'visible') void this.flush()
    }
    win?.addEventListener('online', online)
    win?.addEventListener('offline', offline)
    doc?.addEventListener('visibilitychange', visible)
    this.cleanups.push(
      () => win?.removeEventListener('online', online),
      () => win?.removeEventListener('offline', offline),
      () => doc?.removeEventListener('visibilitychange', visible),
    )
    void this.flush()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const c of this.cleanups.splice(0)) c()
  }

  /**
   * Flush now (a new capture was queued, or the person tapped "sync"). Asked while a flush is under way, another
   * follows it: what was queued meanwhile may have come after the running one looked.
   */
  async flush(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.flushOnce().finally(() => (this.running = null))
    await this.running
    if (this.again && !this.stopped) {
      this.again = false
      await this.flush()
    }
  }

  private async flushOnce(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.state.syncing = true
    this.emit()
    let delay = this.opts.intervalMs ?? 60_000
    try {
      const ran = await exclusively(() => this.flushAll())
      if (ran !== null) {
        this.failures = 0
        this.state.lastError = null
        // Only an answer from the server shows it is reachable: a flush with nothing to send asked nobody, and must not
        // turn "offline" into "online" (the browser's own offline event said otherwise).
        if (ran.reached) this.state.online = true
      } else {
        // Another tab's or the service worker's flush holds the lock: what was just queued may have come after it
        // looked, so look again soon rather than at the next interval.
        delay = Math.min(delay, BUSY_RETRY_MS)
      }
    } catch (err) {
      this.failures++
      delay = backoffMs(this.failures)
      this.state.lastError = err instanceof Error ? err.message : String(err)
    } finally {
      this.state.syncing = false
      await this.refresh()
      if (this.timer) clearTimeout(this.timer)
      if (!this.stopped) this.timer = setTimeout(() => void this.flush(), delay)
    }
  }

  /** The outbox, then the roll-calls: a failure of one does not keep the other from being sent. */
  private async flushAll(): Promise<{ reached: boolean }> {
    const { db, organizationId } = this.opts
    let failure: unknown = null
    let sent = 0
    try {
      sent += (await flushOutbox(db, this.opts.transport, { deviceId: this.opts.deviceId, organizationId })).sent
    } catch (err) {
      failure = err
    }
    if (this.opts.rollCalls) {
      try {
        sent += (await flushRollCalls(db, this.opts.rollCalls, { organizationId })).sent
      } catch (err) {
        failure ??= err
      }
    }
    if (failure !== null) throw failure
    return { reached: sent > 0 }
  }

  /** Re-reads the counters (after a capture was queued). */
  async refresh(): Promise<void> {
    const counts = await outboxCounts(this.opts.db, this.opts.organizationId)
    const rollCalls = this.opts.rollCalls ? await rollCallCounts(this.opts.db, this.opts.organizationId) : { pending: 0, attention: 0 }
    this.state.pending = counts.pending + rollCalls.pending
    this.state.attention = counts.attention + rollCalls.attention
    this.state.lastSyncAt = await lastSyncAt(this.opts.db)
    this.emit()
  }

  private emit(): void {
    this.opts.onChange?.({ ...this.state })
  }
}
