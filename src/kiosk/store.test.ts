import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import { openHadirDb, type HadirDb, setMeta } from '~/offline/db'
import { enqueueCapture, nextKind } from '~/offline/outbox'
import { cooldownLeft, KIOSK_COOLDOWN_MS } from './cooldown'
import { kioskCapture } from './record'
import { attentionItems, capturesOfDay, discardRecord, lastCaptureOf, loadGallery, saveGallery, wipeKioskData } from './store'

let db: HadirDb
let n = 0
beforeEach(async () => {
  db = openHadirDb(`kiosk-${++n}`)
  await db.open()
})

const probe = new Float32Array(FACE_DESCRIPTOR_LENGTH).fill(1 / Math.sqrt(FACE_DESCRIPTOR_LENGTH))
const evidence = { steps: ['turn_left' as const], mode: 'offline' as const, frames: [0, 1, 2].map((t) => ({ t, jpeg: new ArrayBuffer(8) })) }
function record(memberId: number, kind: 'check_in' | 'check_out', at: string, organizationId = 5) {
  return enqueueCapture(db, kioskCapture({ organizationId, timezone: 'Asia/Jakarta', member: { id: memberId, name: `M${memberId}` }, recordedBy: 3, kind, now: new Date(at), distance: 0.3, evidence, locationId: null, position: null }))
}
const row = (member_id: number, organization_id: number) => ({ member_id, organization_id, name: `M${member_id}`, member_number: null, descriptors: probe.slice().buffer })
const meta = { threshold: 0.5, margin: 0.05, generated_at: 'x', fetched_at: 'y', members: 1 }

describe('kiosk data on the device', () => {
  it('check-in first, then check-out; the cooldown comes from the device’s last capture of the member', async () => {
    const date = '2026-11-23'
    expect(await nextKind(db, 11, date)).toBe('check_in')
    await record(11, 'check_in', '2026-11-23T01:00:00Z')
    expect(await nextKind(db, 11, date)).toBe('check_out')
    expect(await nextKind(db, 12, date)).toBe('check_in')
    await record(11, 'check_out', '2026-11-23T09:00:00Z')
    const last = await lastCaptureOf(db, 11, date)
    expect(last?.kind).toBe('check_out')
    expect(cooldownLeft(last!.captured_at, Date.parse('2026-11-23T09:00:30Z'))).toBe(KIOSK_COOLDOWN_MS - 30_000) // captured 30 s before
    expect(await lastCaptureOf(db, 11, '2026-11-24')).toBeNull()
    expect((await capturesOfDay(db, 5, date)).map((c) => c.kind)).toEqual(['check_out', 'check_in'])
  })

  it('a gallery replaces the organization’s old one; wiping removes every gallery and cached context', async () => {
    await saveGallery(db, 5, [row(1, 5), row(2, 5)], meta)
    await saveGallery(db, 6, [row(3, 6)], meta)
    await saveGallery(db, 5, [row(2, 5)], { ...meta, members: 1 })
    expect((await loadGallery(db, 5)).rows.map((r) => r.member_id)).toEqual([2])
    expect((await loadGallery(db, 6)).rows.map((r) => r.member_id)).toEqual([3])
    await setMeta(db, 'kiosk.context.5', { any: 1 })
    await setMeta(db, 'device_id', 'keep-me')
    await db.descriptors.put(row(9, 7)) // a member's own descriptors on a phone: no kiosk gallery of organization 7
    await wipeKioskData(db)
    expect((await db.descriptors.toArray()).map((r) => r.member_id)).toEqual([9])
    expect((await loadGallery(db, 5)).meta).toBeNull()
    expect((await db.meta.toArray()).map((m) => m.key)).toEqual(['device_id'])
  })

  it('lists refused records with who and why; discarding one also forgets it as today’s check-in', async () => {
    const refused = await record(11, 'check_in', '2026-11-23T01:00:00Z')
    await record(12, 'check_in', '2026-11-23T01:01:00Z')
    await db.outbox.update(refused.client_id, { state: 'attention', attention_code: 'MEMBER_INACTIVE', attention_reason: 'This member is inactive' })
    expect(await attentionItems(db, 5)).toEqual([{ client_id: refused.client_id, member_name: 'M11', kind: 'check_in', captured_at: '2026-11-23T01:00:00.000Z', code: 'MEMBER_INACTIVE', reason: 'This member is inactive' }])
    expect(await attentionItems(db, 6)).toEqual([])
    await discardRecord(db, refused.client_id)
    expect(await db.outbox.count()).toBe(1)
    expect(await nextKind(db, 11, '2026-11-23')).toBe('check_in')
    // A pending record is never discarded this way.
    const pending = (await db.outbox.toArray())[0]!
    await discardRecord(db, pending.client_id)
    expect(await db.outbox.count()).toBe(1)
  })
})
