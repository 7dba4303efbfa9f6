// What a kiosk keeps in the device's database besides the outbox: the organization's gallery and capture context
// (both needed offline), and the device's own captures of today (cooldown, check-in or check-out, the recent list).
import type { CaptureContext } from '~/api/attendance'
import { type CaptureEntry, type DescriptorEntry, getMeta, type HadirDb, setMeta } from '~/offline/db'
import { attentionEntries, discardAttention } from '~/offline/outbox'
import { latestCapture } from './cooldown'

export interface GalleryMeta {
  threshold: number
  margin: number
  generated_at: string
  /** When this device last downloaded it (ISO). */
  fetched_at: string
  members: number
  /** The server's name for this content (GET /api/face/gallery?known=...). */
  version?: string
}

const galleryKey = (organizationId: number) => `kiosk.gallery.${organizationId}`
const contextKey = (organizationId: number) => `kiosk.context.${organizationId}`

/** Replaces the organization's gallery in one transaction: a half-written gallery is never used. */
export async function saveGallery(db: HadirDb, organizationId: number, rows: DescriptorEntry[], meta: GalleryMeta): Promise<void> {
  await db.transaction('rw', db.descriptors, db.meta, async () => {
    await db.descriptors.where('organization_id').equals(organizationId).delete()
    await db.descriptors.bulkPut(rows)
    await setMeta(db, galleryKey(organizationId), meta)
  })
}

/** Records that the stored gallery was checked against the server and is still current. */
export async function saveGalleryMeta(db: HadirDb, organizationId: number, meta: GalleryMeta): Promise<void> {
  await setMeta(db, galleryKey(organizationId), meta)
}

export async function loadGallery(db: HadirDb, organizationId: number): Promise<{ rows: DescriptorEntry[]; meta: GalleryMeta | null }> {
  const [rows, meta] = await Promise.all([db.descriptors.where('organization_id').equals(organizationId).toArray(), getMeta<GalleryMeta>(db, galleryKey(organizationId))])
  return { rows, meta: meta ?? null }
}

export async function saveContext(db: HadirDb, organizationId: number, context: CaptureContext): Promise<void> {
  await setMeta(db, contextKey(organizationId), context)
}

export async function loadContext(db: HadirDb, organizationId: number): Promise<CaptureContext | null> {
  return (await getMeta<CaptureContext>(db, contextKey(organizationId))) ?? null
}

/**
 * Biometric data leaves the tablet when the petugas signs out or the tablet is deregistered: every gallery a kiosk
 * cached here (all organizations, in case the tablet changed hands) and the cached contexts. Unsent captures stay in
 * the outbox. A member's own descriptors on their phone (same table, no kiosk gallery) are not touched.
 */
export async function wipeKioskData(db: HadirDb): Promise<void> {
  await db.transaction('rw', db.descriptors, db.meta, async () => {
    const keys = (await db.meta.toArray()).map((m) => m.key).filter((k) => k.startsWith('kiosk.'))
    const organizations = keys.filter((k) => k.startsWith('kiosk.gallery.')).map((k) => Number(k.slice('kiosk.gallery.'.length)))
    if (organizations.length) await db.descriptors.where('organization_id').anyOf(organizations).delete()
    await db.meta.bulkDelete(keys)
  })
}

/** The device's last capture of this member on this (local) day, or null. */
export async function lastCaptureOf(db: HadirDb, memberId: number, date: string): Promise<CaptureEntry | null> {
  return latestCapture(await db.captures.where('[member_id+date]').equals([memberId, date]).toArray())
}

/** The device's captures of one organization on one day, newest first. */
export async function capturesOfDay(db: HadirDb, organizationId: number, date: string, limit = 50): Promise<CaptureEntry[]> {
  const all = await db.captures.where('organization_id').equals(organizationId).filter((c) => c.date === date).toArray()
  return all.sort((a, b) => b.captured_at.localeCompare(a.captured_at)).slice(0, limit)
}

export interface AttentionItem {
  client_id: string
  member_name: string
  kind: 'check_in' | 'check_out'
  captured_at: string
  code: string
  reason: string
}

/** The records the server refused, with who and when, for the "needs attention" list. */
export async function attentionItems(db: HadirDb, organizationId: number): Promise<AttentionItem[]> {
  return (await attentionEntries(db, organizationId))
    .map(({ entry: e, capture }) => ({
      client_id: e.client_id,
      member_name: capture?.member_name ?? `#${e.record.member_id}`,
      kind: e.record.kind,
      captured_at: e.record.captured_at,
      code: e.attention_code ?? '',
      reason: e.attention_reason ?? '',
    }))
    .sort((a, b) => b.captured_at.localeCompare(a.captured_at))
}

/** A refused record the petugas discards knowingly (see discardAttention). */
export const discardRecord = discardAttention
