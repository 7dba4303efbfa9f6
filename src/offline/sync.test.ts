import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it } from 'vitest'
import { openHadirDb, type HadirDb } from './db'
import { enqueueCapture, nextKind, outboxCounts, retryAttention } from './outbox'
import { backoffMs, flushOutbox, lastSyncAt, type SyncTransport } from './sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { evidenceSchema } from '@shared/attendance/evidence'
import { syncRecordSchema, type SyncResult } from '@shared/attendance/sync'
import type { StoredEvidence } from '~/face/evidence-store'

let db: HadirDb
let n = 0
beforeEach(async () => {
  db = openHadirDb(`test-${++n}`)
  await db.open()
})

function capture(memberId = 1, kind: 'check_in' | 'check_out' = 'check_in', photo: ArrayBuffer | null = null) {
  return enqueueCapture(db, {
    organization_id: 7,
    member_name: 'Siti',
    date: '2026-11-23',
    time: '07:55',
    record: { client_id: uuidv7(), member_id: memberId, kind, captured_at: new Date().toISOString() },
    photo,
  })
}

/** A fake server: remembers what it stored, answers like the real one. */
function server(opts: { refuse?: (r: { member_id: number }) => boolean; failTimes?: number } = {}) {
  const stored = new Map<string, unknown>()
  let fails = opts.failTimes ?? 0
  const calls: number[] = []
  const transport: SyncTransport = async (batch) => {
    calls.push(batch.records.length)
    if (fails-- > 0) throw new Error('offline')
    const results: SyncResult[] = batch.records.map((r) => {
      const rec = r as { client_id: string; member_id: number }
      if (opts.refuse?.(rec)) return { client_id: rec.client_id, status: 'rejected', code: 'UNKNOWN_MEMBER', reason: 'No such member' }
      const seen = stored.has(rec.client_id)
      stored.set(rec.client_id, r)
      return { client_id: rec.client_id, status: seen ? 'duplicate' : 'applied' }
    })
    return { results }
  }
  return { transport, stored, calls }
}

describe('outbox', () => {
  it('writes the capture and its outbox entry together, and knows check-in from check-out', async () => {
    await capture(1)
    expect(await db.outbox.count()).toBe(1)
    expect(await db.captures.count()).toBe(1)
    expect(await nextKind(db, 1, '2026-11-23')).toBe('check_out')
    expect(await nextKind(db, 2, '2026-11-23')).toBe('check_in')
    // A failed transaction leaves neither: the same client id twice.
    const first = (await db.outbox.toArray())[0]!
    await expect(
      enqueueCapture(db, { organization_id: 7, member_name: 'X', date: '2026-11-23', time: '08:00', record: { ...first.record }, photo: null }),
    ).rejects.toThrow()
    expect(await db.captures.count()).toBe(1)
  })
})

describe('flushOutbox', () => {
  it('sends everything, deletes only what the server acknowledged, and records the time', async () => {
    for (let i = 0; i < 5; i++) await capture(i + 1, 'check_in', new Uint8Array([0xFF, 0xD8, i]).buffer)
    const s = server()
    const res = await flushOutbox(db, s.transport, { deviceId: 'd' })
    expect(res).toEqual({ sent: 5, acknowledged: 5, attention: 0, remaining: 0 })
    expect(s.stored.size).toBe(5)
    // Photos travel as base64 of their bytes (0xff 0xd8 0x00 -> "/9gA").
    expect([...s.stored.values()].map((r) => (r as { face_image: string }).face_image).sort()).toEqual(['/9gA', '/9gB', '/9gC', '/9gD', '/9gE'])
    expect(await db.outbox.count()).toBe(0)
    expect((await db.captures.toArray()).every((c) => c.synced === 1)).toBe(true)
    expect(await lastSyncAt(db)).not.toBeNull()
  })

  it('keeps everything when the network fails, and sends each record exactly once when it returns', async () => {
    for (let i = 0; i < 3; i++) await capture(i + 1)
    const s = server({ failTimes: 1 })
    await expect(flushOutbox(db, s.transport, { deviceId: 'd' })).rejects.toThrow('offline')
    expect((await outboxCounts(db)).pending).toBe(3)
    await flushOutbox(db, s.transport, { deviceId: 'd' })
    expect(s.stored.size).toBe(3)
    expect(await db.outbox.count()).toBe(0)
  })

  it('moves refused records to "needs attention" with the reason, never dropping them', async () => {
    await capture(1)
    await capture(99)
    const s = server({ refuse: (r) => r.member_id === 99 })
    const res = await flushOutbox(db, s.transport, { deviceId: 'd' })
    expect(res).toMatchObject({ acknowledged: 1, attention: 1, remaining: 0 })
    const [left] = await db.outbox.toArray()
    expect(left).toMatchObject({ state: 'attention', attention_code: 'UNKNOWN_MEMBER', attention_reason: 'No such member' })
    expect(await outboxCounts(db)).toEqual({ pending: 0, attention: 1 })
    await retryAttention(db, left!.client_id)
    expect((await outboxCounts(db)).pending).toBe(1)
  })

  it('splits a large outbox into batches of at most 100', async () => {
    for (let i = 0; i < 230; i++) await capture((i % 50) + 1)
    const s = server()
    await flushOutbox(db, s.transport, { deviceId: 'd' })
    expect(s.calls).toEqual([100, 100, 30])
    expect(await db.outbox.count()).toBe(0)
  })
})

/** Evidence of an issued two-turn challenge: five crops of ~`size` bytes of JPEG each. */
function evidence(size = 200, frames = 5): StoredEvidence {
  const jpeg = (i: number) => {
    const bytes = new Uint8Array(size)
    bytes.set([0xFF, 0xD8, 0xFF, i])
    return bytes.buffer
  }
  return {
    challenge_id: '0190f0a6-5a6e-7b3c-8d2e-1f2a3b4c5d6e',
    steps: ['turn_left', 'turn_right'],
    mode: 'online',
    frames: Array.from({ length: frames }, (_, i) => ({ t: i * 400, jpeg: jpeg(i) })),
  }
}

function captureWithEvidence(memberId: number, stored: StoredEvidence) {
  return enqueueCapture(db, {
    organization_id: 7,
    member_name: 'Siti',
    date: '2026-11-23',
    time: '07:55',
    record: { client_id: uuidv7(), member_id: memberId, kind: 'check_in', captured_at: new Date().toISOString() },
    photo: null,
    evidence: stored,
  })
}

describe('outbox with evidence', () => {
  it('keeps the crops as bytes until the server has the record, and sends them as JPEG data URLs, without a photo', async () => {
    const stored = evidence()
    const entry = await captureWithEvidence(3, stored)
    const kept = await db.outbox.get(entry.client_id)
    expect(kept!.evidence!.frames.map((f) => f.jpeg.byteLength)).toEqual([200, 200, 200, 200, 200])
    expect(kept!.evidence!.frames[2]!.jpeg).toBeInstanceOf(ArrayBuffer)

    const s = server()
    await flushOutbox(db, s.transport, { deviceId: 'd' })
    const sent = s.stored.get(entry.client_id) as Record<string, unknown>
    expect(sent).not.toHaveProperty('face_image')
    const wire = evidenceSchema.parse(sent.evidence)
    expect(wire).toMatchObject({ challenge_id: stored.challenge_id, steps: ['turn_left', 'turn_right'], mode: 'online' })
    expect(wire.frames.map((f) => f.t)).toEqual([0, 400, 800, 1200, 1600])
    const bytes = Buffer.from(wire.frames[3]!.image.slice('data:image/jpeg;base64,'.length), 'base64')
    expect([...bytes.subarray(0, 4)]).toEqual([0xFF, 0xD8, 0xFF, 3])
    expect(syncRecordSchema.safeParse(sent).success).toBe(true)
    expect(await db.outbox.count()).toBe(0)
  })

  it('keeps a refused record with its evidence, so "send again" sends the same frames', async () => {
    const entry = await captureWithEvidence(99, evidence())
    await flushOutbox(db, server({ refuse: () => true }).transport, { deviceId: 'd' })
    expect((await db.outbox.get(entry.client_id))!.evidence!.frames).toHaveLength(5)
    await retryAttention(db, entry.client_id)
    const s = server()
    await flushOutbox(db, s.transport, { deviceId: 'd' })
    expect(evidenceSchema.parse((s.stored.get(entry.client_id) as { evidence: unknown }).evidence).frames).toHaveLength(5)
  })

  it('counts the evidence in the batch size: heavy records go in several requests', async () => {
    // 12 crops of 3 KB: ~48 KB of base64 per record, so a 200 KB limit fits 4 records a request (8 MB in the app).
    for (let i = 0; i < 10; i++) await captureWithEvidence(i + 1, evidence(3000, 12))
    const s = server()
    await flushOutbox(db, s.transport, { deviceId: 'd', maxBatchBytes: 200_000 })
    expect(s.calls).toEqual([4, 4, 2])
    expect(await db.outbox.count()).toBe(0)
  })

  it('still sends a record queued before evidence existed, with its photo', async () => {
    await capture(5, 'check_in', new Uint8Array([0xFF, 0xD8, 7]).buffer)
    const s = server()
    await flushOutbox(db, s.transport, { deviceId: 'd' })
    const [sent] = [...s.stored.values()] as Record<string, unknown>[]
    expect(sent).toMatchObject({ face_image: '/9gH' })
    expect(sent).not.toHaveProperty('evidence')
  })
})

describe('backoff', () => {
  it('doubles from 2 s with jitter and never exceeds 5 minutes', () => {
    expect(backoffMs(1, () => 0)).toBe(1000)
    expect(backoffMs(1, () => 1)).toBe(2000)
    expect(backoffMs(3, () => 1)).toBe(8000)
    expect(backoffMs(30, () => 1)).toBe(300_000)
  })
})
