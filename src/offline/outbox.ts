import type { StoredEvidence } from '~/face/evidence-store'
import type { CaptureEntry, HadirDb, OutboxEntry, OutboxRecord } from './db'
import { nextKind as decideNextKind } from '@shared/attendance/kind'

export interface NewCapture {
  organization_id: number
  member_name: string
  date: string
  time: string
  record: OutboxRecord
  /** Records made before evidence existed only; a new capture sends its evidence instead of a photo. */
  photo: ArrayBuffer | null
  evidence?: StoredEvidence | null
}

/** Saves a capture and its outbox entry (with its evidence) in one transaction: either both exist or neither. */
export async function enqueueCapture(db: HadirDb, capture: NewCapture, now = Date.now()): Promise<OutboxEntry> {
  const entry: OutboxEntry = {
    client_id: capture.record.client_id,
    organization_id: capture.organization_id,
    record: capture.record,
    photo: capture.photo,
    evidence: capture.evidence ?? null,
    created_at: now,
    attempts: 0,
    state: 'pending',
  }
  const local: CaptureEntry = {
    client_id: capture.record.client_id,
    organization_id: capture.organization_id,
    member_id: capture.record.member_id,
    member_name: capture.member_name,
    kind: capture.record.kind,
    date: capture.date,
    time: capture.time,
    captured_at: capture.record.captured_at,
    synced: 0,
  }
  await db.transaction('rw', db.outbox, db.captures, async () => {
    await db.outbox.add(entry)
    await db.captures.add(local)
  })
  return entry
}

/** What the next tap for this member on this day is: check-in first, then check-out. */
export async function nextKind(db: HadirDb, memberId: number, date: string, serverSaysCheckedIn = false): Promise<'check_in' | 'check_out'> {
  if (serverSaysCheckedIn) return 'check_out'
  const today = await db.captures.where('[member_id+date]').equals([memberId, date]).toArray()
  return decideNextKind({ serverCheckedIn: serverSaysCheckedIn, localKindsToday: today.map((c) => c.kind) })
}

export async function outboxCounts(db: HadirDb, organizationId?: number): Promise<{ pending: number; attention: number }> {
  const all = await db.outbox.toArray()
  const mine = organizationId === undefined ? all : all.filter((e) => e.organization_id === organizationId)
  return { pending: mine.filter((e) => e.state === 'pending').length, attention: mine.filter((e) => e.state === 'attention').length }
}

/** A person may send a refused record again (after fixing what was wrong) or discard it knowingly. */
export async function retryAttention(db: HadirDb, clientId: string): Promise<void> {
  await db.outbox.update(clientId, { state: 'pending', attention_code: undefined, attention_reason: undefined })
}
/**
 * A refused record discarded knowingly: gone from the outbox and from the device's captures, so it no longer counts
 * as this member's check-in today. A record that is not refused (pending, or already sent) is left alone.
 */
export async function discardAttention(db: HadirDb, clientId: string): Promise<void> {
  await db.transaction('rw', db.outbox, db.captures, async () => {
    if ((await db.outbox.get(clientId))?.state !== 'attention') return
    await db.outbox.delete(clientId)
    await db.captures.delete(clientId)
  })
}

/** The organization's refused records with the capture each belongs to (for the "needs attention" lists). */
export async function attentionEntries(db: HadirDb, organizationId: number): Promise<{ entry: OutboxEntry; capture: CaptureEntry | undefined }[]> {
  const entries = await db.outbox.where('state').equals('attention').filter((e) => e.organization_id === organizationId).toArray()
  const captures = await db.captures.bulkGet(entries.map((e) => e.client_id))
  return entries.map((entry, i) => ({ entry, capture: captures[i] }))
}
