import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { rollCallFaceClientId, rollCallSchema, type RollCall, type RollCallResult } from '@shared/attendance/roll-call'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { openHadirDb, type HadirDb } from './db'
import { SyncLoop } from './loop'
import { nextKind } from './outbox'
import { discardRollCall, enqueueRollCall, flushRollCalls, refusedForGood, retryRollCall, rollCallCounts, rollCallsOf, rollCallTransport, type RollCallTransport } from './roll-calls'
import { SyncHttpError, type SyncTransport } from './sync'
import { CONDITION_WAIT_MS } from '../../tools/test-support/waits'

let db: HadirDb
let n = 0
beforeEach(async () => {
  db = openHadirDb(`roll-call-test-${++n}`)
  await db.open()
})

const PHOTO = 'A'.repeat(200)

function rollCall(organizationId = 7, members: (number | null)[] = [11, null, 12]) {
  const clientId = uuidv7()
  return enqueueRollCall(db, {
    client_id: clientId,
    organization_id: organizationId,
    names: members.map((m) => (m === null ? null : `Member ${m}`)),
    date: '2026-12-04',
    time: '07:31:00',
    body: {
      client_id: clientId,
      device_id: 'tablet-1',
      captured_at: '2026-12-04T00:31:00.000Z',
      kind: 'check_in',
      photo: PHOTO,
      faces: members.map((m, i) => ({ box: { x: i * 100, y: 10, width: 60, height: 60 }, member_id: m, ...(m === null ? {} : { named_by: 'recognised' as const, distance: 0.4 }) })),
    },
  })
}

/** A fake server: answers like the real one (per face applied / duplicate / rejected / unnamed), remembers roll-calls. */
function server(opts: { refuseMember?: number; fail?: () => Error | null } = {}) {
  const seen = new Map<string, RollCall>()
  const bodies: RollCall[] = []
  const transport: RollCallTransport = async (body) => {
    bodies.push(body)
    const failure = opts.fail?.()
    if (failure) throw failure
    expect(rollCallSchema.safeParse(body).success).toBe(true)
    const again = seen.has(body.client_id)
    seen.set(body.client_id, body)
    const faces = await Promise.all(
      body.faces.map(async (f, i) => {
        if (f.member_id === null) return { face: i, member_id: null, client_id: null, status: 'unnamed' as const }
        const clientId = await rollCallFaceClientId(body.client_id, i)
        if (f.member_id === opts.refuseMember) return { face: i, member_id: f.member_id, client_id: clientId, status: 'rejected' as const, code: 'MEMBER_INACTIVE', reason: 'Inactive' }
        return { face: i, member_id: f.member_id, client_id: clientId, status: again ? ('duplicate' as const) : ('applied' as const), record_id: 100 + i, approval_status: 'verifying' as const }
      }),
    )
    const result: RollCallResult = { roll_call_id: 1, client_id: body.client_id, status: again ? 'duplicate' : 'applied', faces }
    return result
  }
  return { transport, bodies }
}

describe('roll-call queue', () => {
  it('keeps a confirmed roll-call with its named faces as the day\'s captures, counted as waiting records', async () => {
    const entry = await rollCall()
    expect(entry.state).toBe('pending')
    expect(await db.captures.count()).toBe(2)
    const capture = await db.captures.get(await rollCallFaceClientId(entry.client_id, 2))
    expect(capture).toMatchObject({ member_id: 12, member_name: 'Member 12', kind: 'check_in', date: '2026-12-04', synced: 0 })
    // Kiosk mode knows they checked in: the next record of theirs there is a check-out.
    expect(await nextKind(db, 11, '2026-12-04')).toBe('check_out')
    expect(await rollCallCounts(db, 7)).toEqual({ pending: 2, attention: 0 })
    expect(await rollCallCounts(db, 8)).toEqual({ pending: 0, attention: 0 })
  })

  it('sends it once with sent_at, keeps the answer without the photo, marks recorded faces sent and drops refused ones', async () => {
    const entry = await rollCall(7, [11, null, 12])
    const { transport, bodies } = server({ refuseMember: 12 })
    const now = new Date('2026-12-04T00:32:00Z')
    expect(await flushRollCalls(db, transport, { organizationId: 7, now: () => now })).toEqual({ sent: 1, attention: 0 })
    expect(bodies).toHaveLength(1)
    expect(bodies[0]!.sent_at).toBe(now.toISOString())
    expect(bodies[0]!.photo).toBe(PHOTO)
    const stored = (await db.rollCalls.get(entry.client_id))!
    expect(stored.state).toBe('sent')
    expect(stored.body.photo).toBe('')
    expect(stored.result?.faces.map((f) => f.status)).toEqual(['applied', 'unnamed', 'rejected'])
    expect((await db.captures.get(await rollCallFaceClientId(entry.client_id, 0)))?.synced).toBe(1)
    expect(await db.captures.get(await rollCallFaceClientId(entry.client_id, 2))).toBeUndefined()
    expect(await rollCallCounts(db, 7)).toEqual({ pending: 0, attention: 0 })
    // Nothing more to send.
    expect(await flushRollCalls(db, transport, { organizationId: 7 })).toEqual({ sent: 0, attention: 0 })
    expect(bodies).toHaveLength(1)
  })

  it('waits through network and server failures (nothing lost), and sends when the server answers', async () => {
    const entry = await rollCall()
    let failure: Error | null = new TypeError('Failed to fetch')
    const { transport, bodies } = server({ fail: () => failure })
    await expect(flushRollCalls(db, transport)).rejects.toThrow('Failed to fetch')
    failure = new SyncHttpError(503, 'UNAVAILABLE', 'Busy')
    await expect(flushRollCalls(db, transport)).rejects.toThrow('Busy')
    expect((await db.rollCalls.get(entry.client_id))).toMatchObject({ state: 'pending', attempts: 2 })
    failure = null
    await flushRollCalls(db, transport)
    expect((await db.rollCalls.get(entry.client_id))?.state).toBe('sent')
    // The same client id every time: a resend the server had already stored answers "duplicate".
    expect(new Set(bodies.map((b) => b.client_id)).size).toBe(1)
  })

  it('moves a roll-call the server refuses to attention; sent again or discarded knowingly', async () => {
    const entry = await rollCall()
    let failure: Error | null = new SyncHttpError(422, 'BOX_OUTSIDE_PHOTO', 'Face 1\'s box lies outside the photo')
    const { transport } = server({ fail: () => failure })
    expect(await flushRollCalls(db, transport)).toEqual({ sent: 0, attention: 1 })
    expect(await db.rollCalls.get(entry.client_id)).toMatchObject({ state: 'attention', attention_code: 'BOX_OUTSIDE_PHOTO' })
    expect(await rollCallCounts(db, 7)).toEqual({ pending: 0, attention: 1 })

    await retryRollCall(db, entry.client_id)
    expect((await db.rollCalls.get(entry.client_id))?.state).toBe('pending')
    await flushRollCalls(db, transport)
    await discardRollCall(db, entry.client_id)
    expect(await db.rollCalls.count()).toBe(0)
    expect(await db.captures.count()).toBe(0)

    // A pending or answered roll-call is never discarded.
    const other = await rollCall()
    await discardRollCall(db, other.client_id)
    expect(await db.rollCalls.count()).toBe(1)
    failure = null
  })

  it('tells a refusal for good from a failure worth retrying', () => {
    expect(refusedForGood(new SyncHttpError(422, 'VALIDATION_FAILED', 'x'))).toBe(true)
    expect(refusedForGood(new SyncHttpError(409, 'CONFLICT', 'x'))).toBe(true)
    expect(refusedForGood(new SyncHttpError(403, 'NOT_ALLOWED', 'x'))).toBe(true)
    for (const status of [401, 408, 429, 500, 503]) expect(refusedForGood(new SyncHttpError(status, 'X', 'x')), String(status)).toBe(false)
    expect(refusedForGood(new TypeError('Failed to fetch'))).toBe(false)
  })

  it('lists the organization\'s roll-calls newest first', async () => {
    const first = await rollCall(7)
    await new Promise((resolve) => setTimeout(resolve, 2))
    const second = await rollCall(7)
    await rollCall(8)
    expect((await rollCallsOf(db, 7)).map((e) => e.client_id)).toEqual([second.client_id, first.client_id])
  })

  it('speaks the API: POST /api/attendance/roll-call, its data on success, its error code otherwise', async () => {
    const calls: { url: string; body: unknown }[] = []
    const answer = { roll_call_id: 3, client_id: 'x', status: 'applied', faces: [] }
    let reply: Response = new Response(JSON.stringify({ data: answer }), { status: 201 })
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body)) })
      return reply
    }) as unknown as typeof fetch
    const send = rollCallTransport(fetchImpl)
    expect(await send({ client_id: 'x' } as RollCall)).toEqual(answer)
    expect(calls[0]!.url).toBe('/api/attendance/roll-call')
    reply = new Response(JSON.stringify({ error: { code: 'PHOTO_TOO_LARGE', message: 'Too large' } }), { status: 413 })
    await expect(send({ client_id: 'x' } as RollCall)).rejects.toMatchObject({ status: 413, code: 'PHOTO_TOO_LARGE' })
  })
})

describe('SyncLoop with roll-calls', () => {
  it('sends the outbox and the roll-calls, counts both, and a failing outbox does not hold back the roll-calls', async () => {
    await rollCall(7, [11, 12])
    const { transport: rollCalls, bodies } = server()
    const outbox: SyncTransport = async () => {
      throw new TypeError('Failed to fetch')
    }
    const states: { pending: number }[] = []
    const loop = new SyncLoop({ db, transport: outbox, rollCalls, deviceId: 'd', organizationId: 7, intervalMs: 60_000, window: { addEventListener() {}, removeEventListener() {}, navigator: { onLine: true } }, document: { addEventListener() {}, removeEventListener() {}, visibilityState: 'visible' }, onChange: (s) => states.push(s) })
    await loop.refresh()
    expect(loop.state.pending).toBe(2)
    loop.start()
    await vi.waitFor(() => expect(bodies).toHaveLength(1), CONDITION_WAIT_MS)
    await vi.waitFor(() => expect(loop.state.pending).toBe(0), CONDITION_WAIT_MS)
    loop.stop()
  })

  it('a roll-call queued while a flush is under way is sent right after it, not at the next interval', async () => {
    const first = await rollCall(7, [11])
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { transport: answer } = server()
    const sent: string[] = []
    const rollCalls: RollCallTransport = async (body) => {
      if (sent.length === 0) await gate
      sent.push(body.client_id)
      return answer(body)
    }
    const outbox: SyncTransport = async () => ({ results: [] })
    const loop = new SyncLoop({ db, transport: outbox, rollCalls, deviceId: 'd', organizationId: 7, intervalMs: 60_000, window: { addEventListener() {}, removeEventListener() {}, navigator: { onLine: true } }, document: { addEventListener() {}, removeEventListener() {}, visibilityState: 'visible' } })
    loop.start()
    await vi.waitFor(() => expect(loop.state.syncing).toBe(true), CONDITION_WAIT_MS)
    const second = await rollCall(7, [12])
    const asked = loop.flush()
    release()
    await asked
    await vi.waitFor(() => expect(sent).toEqual([first.client_id, second.client_id]), CONDITION_WAIT_MS)
    expect(loop.state.pending).toBe(0)
    loop.stop()
  })
})
