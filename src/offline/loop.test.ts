import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openHadirDb } from './db'
import { enqueueCapture } from './outbox'
import { SyncLoop } from './loop'
import type { SyncTransport } from './sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { CONDITION_WAIT_MS } from '../../tools/test-support/waits'

class FakeTarget {
  listeners = new Map<string, (() => void)[]>()
  navigator = { onLine: false }
  visibilityState: DocumentVisibilityState = 'visible'
  addEventListener(type: string, fn: () => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
  }

  removeEventListener(type: string, fn: () => void) {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((f) => f !== fn))
  }

  fire(type: string) {
    for (const f of this.listeners.get(type) ?? []) f()
  }
}

afterEach(() => vi.useRealTimers())

describe('SyncLoop', () => {
  it('waits while offline, retries with backoff, and sends by itself when the network returns', async () => {
    const db = openHadirDb('loop-test')
    await db.open()
    await enqueueCapture(db, { organization_id: 1, member_name: 'A', date: '2026-11-23', time: '08:00', record: { client_id: uuidv7(), member_id: 1, kind: 'check_in', captured_at: new Date().toISOString() }, photo: null })
    let up = false
    const sent: string[] = []
    const transport: SyncTransport = async (batch) => {
      if (!up) throw new TypeError('Failed to fetch')
      return { results: batch.records.map((r) => { sent.push((r as { client_id: string }).client_id); return { client_id: (r as { client_id: string }).client_id, status: 'applied' as const } }) }
    }
    const win = new FakeTarget()
    const states: { pending: number; lastError: string | null }[] = []
    const loop = new SyncLoop({ db, transport, deviceId: 'd', window: win as never, document: win as never, intervalMs: 60_000, onChange: (s) => states.push(s) })
    loop.start()
    await vi.waitFor(() => expect(loop.state.lastError).toBe('Failed to fetch'), CONDITION_WAIT_MS)
    expect(loop.state.pending).toBe(1)

    up = true
    win.navigator.onLine = true
    win.fire('online')
    await vi.waitFor(() => expect(loop.state.pending).toBe(0), CONDITION_WAIT_MS)
    expect(sent).toHaveLength(1)
    expect(loop.state.lastSyncAt).not.toBeNull()
    expect(loop.state.lastError).toBeNull()
    loop.stop()
    expect(win.listeners.get('online')).toEqual([])
  })

  it('a flush with nothing to send does not turn "offline" into "online" (only the server answering does)', async () => {
    const db = openHadirDb('loop-offline-idle')
    await db.open()
    const transport: SyncTransport = async () => {
      throw new Error('nothing should be sent')
    }
    const win = new FakeTarget()
    win.navigator.onLine = true
    const loop = new SyncLoop({ db, transport, deviceId: 'd', window: win as never, document: win as never, intervalMs: 60_000 })
    loop.start()
    await vi.waitFor(() => expect(loop.state.syncing).toBe(false), CONDITION_WAIT_MS)
    win.navigator.onLine = false
    win.fire('offline')
    expect(loop.state.online).toBe(false)
    await loop.flush() // the timer's or a tap's flush while offline, with an empty queue
    expect(loop.state.online).toBe(false)
    expect(loop.state.lastError).toBeNull()
    loop.stop()
  })
})
