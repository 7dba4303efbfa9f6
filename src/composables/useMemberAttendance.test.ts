import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { hadirDb } from '~/offline/db'
import { enqueueCapture, nextKind } from '~/offline/outbox'
import type { MobileMe } from '~/api/types'
import { useMobileStore } from '~/stores/mobile'
import { attentionItems, deliveryOf, discardCapture, unsentCaptures, useOwnFace } from './useMemberAttendance'
import { CONDITION_WAIT_MS } from '../../tools/test-support/waits'

// The member screens read this phone's captures and outbox: what is still unsent, what the server refused, and what
// happens when a refused record is discarded. (Dexie on fake-indexeddb; no sync loop is running.)

const ORG = 7
const MEMBER = 42

async function capture(kind: 'check_in' | 'check_out', time: string, memberId = MEMBER, organizationId = ORG): Promise<string> {
  const id = uuidv7()
  await enqueueCapture(hadirDb(), {
    organization_id: organizationId,
    member_name: 'Rina',
    date: '2026-11-24',
    time,
    record: { client_id: id, member_id: memberId, kind, captured_at: new Date().toISOString() },
    photo: null,
  })
  return id
}

async function refuse(clientId: string, code: string): Promise<void> {
  await hadirDb().outbox.update(clientId, { state: 'attention', attention_code: code, attention_reason: 'refused' })
}

async function acknowledge(clientId: string): Promise<void> {
  await hadirDb().outbox.delete(clientId)
  await hadirDb().captures.update(clientId, { synced: 1 })
}

beforeEach(async () => {
  setActivePinia(createPinia())
  const db = hadirDb()
  await Promise.all([db.outbox.clear(), db.captures.clear()])
})

describe('this phone\'s captures', () => {
  it('lists the member\'s unsent captures, pending or refused, and nothing already acknowledged or someone else\'s', async () => {
    const sent = await capture('check_in', '07:55:00')
    const waiting = await capture('check_out', '16:02:00')
    const refused = await capture('check_out', '16:30:00')
    await capture('check_in', '08:00:00', 99)
    await capture('check_in', '08:00:00', MEMBER, 8)
    await acknowledge(sent)
    await refuse(refused, 'OUTSIDE_GEOFENCE')

    const unsent = await unsentCaptures(ORG, MEMBER)
    expect(unsent.map((c) => [c.client_id, c.state]).sort()).toEqual([
      [refused, 'attention'],
      [waiting, 'pending'],
    ].sort())
    expect(await deliveryOf(sent, true)).toBe('sent')
    expect(await deliveryOf(waiting, true)).toBe('sending')
    expect(await deliveryOf(waiting, false)).toBe('waiting')
    expect(await deliveryOf(refused, true)).toBe('attention')
  })

  it('shows refused records with the server\'s code, in the order they were made', async () => {
    const first = await capture('check_in', '07:55:00')
    const second = await capture('check_out', '16:30:00')
    await refuse(second, 'MEMBER_INACTIVE')
    await refuse(first, 'OUTSIDE_GEOFENCE')
    const items = await attentionItems(ORG)
    expect(items.map((i) => [i.client_id, i.kind, i.time, i.code])).toEqual([
      [first, 'check_in', '07:55:00', 'OUTSIDE_GEOFENCE'],
      [second, 'check_out', '16:30:00', 'MEMBER_INACTIVE'],
    ])
    expect(await attentionItems(ORG + 1)).toEqual([])
  })

  it('forgets a discarded check-in entirely, so the next tap is a check-in again', async () => {
    const id = await capture('check_in', '07:55:00')
    expect(await nextKind(hadirDb(), MEMBER, '2026-11-24')).toBe('check_out')
    await refuse(id, 'OUTSIDE_GEOFENCE')
    await discardCapture(id)
    expect(await hadirDb().outbox.get(id)).toBeUndefined()
    expect(await hadirDb().captures.get(id)).toBeUndefined()
    expect(await nextKind(hadirDb(), MEMBER, '2026-11-24')).toBe('check_in')
  })

  it('never discards a record that is still waiting to be sent', async () => {
    const id = await capture('check_in', '07:55:00')
    await discardCapture(id)
    expect(await hadirDb().outbox.get(id)).toBeDefined()
    expect(await hadirDb().captures.get(id)).toBeDefined()
  })
})

describe('the member\'s own face status on the home screen', () => {
  let answer: (registered: boolean) => void
  const stored = new Map<string, string>()
  beforeEach(() => {
    stored.clear()
    vi.stubGlobal('localStorage', { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v), removeItem: (k: string) => stored.delete(k) })
    useMobileStore().me = { member: { id: MEMBER, name: 'Rina' }, organization: { id: ORG, name: 'Sekolah' }, permissions: [] } as unknown as MobileMe
    // The server's answer waits until the test gives it.
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((resolve) => {
      answer = (registered) => resolve(new Response(JSON.stringify({ data: { registered } }), { headers: { 'content-type': 'application/json' } }))
    })))
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('shows what this phone last knew while the server is asked, then the server\'s answer', async () => {
    localStorage.setItem(`hadir.m.face.${ORG}.${MEMBER}`, JSON.stringify({ value: true, saved_at: '2026-11-24T00:00:00.000Z' }))
    const own = useOwnFace()
    expect(own.face.value).toEqual({ registered: true, fromCache: true })
    expect(own.loading.value).toBe(true)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled(), CONDITION_WAIT_MS)
    answer(false)
    await vi.waitFor(() => expect(own.loading.value).toBe(false), CONDITION_WAIT_MS)
    expect(own.face.value).toEqual({ registered: false, fromCache: false })
  })

  it('has nothing to show on a first visit until the server answers', async () => {
    const own = useOwnFace()
    expect(own.face.value).toBeNull()
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled(), CONDITION_WAIT_MS)
    answer(true)
    await vi.waitFor(() => expect(own.face.value).toEqual({ registered: true, fromCache: false }), CONDITION_WAIT_MS)
  })
})
