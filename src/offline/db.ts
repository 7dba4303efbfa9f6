// The device's own database (IndexedDB through Dexie). The outbox is the only source of truth for unsent captures:
// a record leaves it only when the server has acknowledged it.
import Dexie, { type EntityTable } from 'dexie'
import type { RollCall, RollCallResult } from '@shared/attendance/roll-call'
import type { SyncRecord } from '@shared/attendance/sync'
import type { StoredEvidence } from '~/face/evidence-store'

/** A record as the outbox keeps it: the images travel beside it, as bytes, and are encoded when sent. */
export type OutboxRecord = Omit<SyncRecord, 'face_image' | 'evidence'>

export interface OutboxEntry {
  client_id: string
  organization_id: number
  /** What POST /api/attendance/sync receives, without the images. */
  record: OutboxRecord
  /** A capture photo (JPEG bytes) of records made before evidence existed; new records carry none. */
  photo: ArrayBuffer | null
  /** The capture's evidence (its challenge and the key frames' face crops as JPEG bytes), until acknowledged. */
  evidence?: StoredEvidence | null
  created_at: number
  attempts: number
  /** pending: waits to be sent; attention: the server refused it, a person must look (never dropped silently). */
  state: 'pending' | 'attention'
  attention_code?: string
  attention_reason?: string
}

/** Every capture this device made (kept after sync, for "already checked in today" and the device's own history). */
export interface CaptureEntry {
  client_id: string
  organization_id: number
  member_id: number
  member_name: string
  kind: 'check_in' | 'check_out'
  /** Local date (YYYY-MM-DD, organization zone) and time of the capture, as shown to the person. */
  date: string
  time: string
  captured_at: string
  synced: 0 | 1
}

/**
 * A kiosk's offline 1:N gallery: scoped to one organization, wiped on sign-out. (Phones once kept the member's own
 * descriptors here; they no longer receive any, and what an older version left is deleted.)
 */
export interface DescriptorEntry {
  member_id: number
  organization_id: number
  name: string
  member_number: string | null
  /** The member's department (kiosk galleries only), for searching within the station's department offline. */
  department_id?: number | null
  /** The member's face sits close to another member's: kiosk mode asks them for their QR code too (issue 14). */
  confusable?: boolean
  /** n x 512 Float32 values (FACE_DESCRIPTOR_LENGTH). */
  descriptors: ArrayBuffer
}

/**
 * A confirmed roll-call (one photo, a name per face: shared/attendance/roll-call.ts), kept until the server answered
 * it: sent by the same sync loop as the outbox, offline-first. After the answer the entry stays (without its photo)
 * with the server's per-face results, for the screen.
 */
export interface RollCallEntry {
  client_id: string
  organization_id: number
  /** What POST /api/attendance/roll-call receives, without sent_at (set when sent). The photo is emptied once answered. */
  body: Omit<RollCall, 'sent_at'>
  /** The name shown for each face when it was confirmed (null: unknown), for the results offline. */
  names: (string | null)[]
  /** Local date and time of the photo (organization zone). */
  date: string
  time: string
  created_at: number
  attempts: number
  /** pending: waits to be sent; sent: the server answered (results in `result`); attention: the server refused it. */
  state: 'pending' | 'sent' | 'attention'
  result?: RollCallResult
  sent_at?: number
  attention_code?: string
  attention_reason?: string
}

export interface MetaEntry {
  key: string
  value: unknown
}

export type HadirDb = Dexie & {
  outbox: EntityTable<OutboxEntry, 'client_id'>
  captures: EntityTable<CaptureEntry, 'client_id'>
  descriptors: EntityTable<DescriptorEntry, 'member_id'>
  meta: EntityTable<MetaEntry, 'key'>
  rollCalls: EntityTable<RollCallEntry, 'client_id'>
}

export function openHadirDb(name = 'hadir'): HadirDb {
  const db = new Dexie(name) as HadirDb
  db.version(1).stores({
    outbox: '&client_id, state, created_at, organization_id',
    captures: '&client_id, [member_id+date], organization_id, synced',
    descriptors: '&member_id, organization_id',
    meta: '&key',
  })
  // Roll-call from one photo (issue 14 item 5): the confirmed roll-calls, until the server answered them.
  db.version(2).stores({ rollCalls: '&client_id, organization_id, state, created_at' })
  return db
}

let shared: HadirDb | null = null
/** The app's database (one per origin). */
export function hadirDb(): HadirDb {
  shared ??= openHadirDb()
  return shared
}

export async function getMeta<T>(db: HadirDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined
}
export async function setMeta(db: HadirDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value })
}
