// The member app's attendance data, online first and from this phone's memory when the network is gone:
// whether the member's face is registered, the capture context and the member's history (localStorage), this phone's
// unsent captures (Dexie `captures` + `outbox`). The check-in flow itself is ./useMemberCheckin.
import type { AttendanceKind } from '@shared/attendance/sync'
import { computed, ref, shallowRef, watch } from 'vue'
import { type CaptureContext, getCaptureContext, getMyAttendance, type OwnAttendance, toWorkSchedule } from '~/api/attendance'
import { isApiError } from '~/api/client'
import { getFaceStatus } from '~/api/face'
import type { MobileMe } from '~/api/types'
import { hadirDb } from '~/offline/db'
import { attentionEntries, discardAttention, retryAttention } from '~/offline/outbox'
import { useMobileStore } from '~/stores/mobile'
import { useSyncStore } from '~/stores/sync'
import type { UnsentCapture } from './useMemberAttendanceRules'

// ---------- small caches in localStorage (per organization and member) ----------

interface Cached<T> {
  value: T
  saved_at: string
}

const cacheKey = (what: 'context' | 'mine', organizationId: number, memberId: number) => `hadir.m.${what}.${organizationId}.${memberId}`

/** The member's last QR code (MyQr), kept for this browser session only. */
export const qrCacheKey = (organizationId: number, memberId: number) => `hadir.m.qr.${organizationId}.${memberId}`

function readCache<T>(key: string): Cached<T> | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(key) ?? 'null') as Cached<T> | null
    return parsed && typeof parsed === 'object' && 'value' in parsed ? parsed : null
  } catch {
    return null
  }
}

function writeCache<T>(key: string, value: T): void {
  try {
    localStorage.setItem(key, JSON.stringify({ value, saved_at: new Date().toISOString() } satisfies Cached<T>))
  } catch {
    // No storage: the phone needs the network for this next time.
  }
}

/** A failure that means "no network" (or no server), as opposed to an answer. */
export function isOffline(error: unknown): boolean {
  return isApiError(error) && error.status === 0
}

export interface Loaded<T> {
  value: T
  /** When the value came from this phone's memory, when it was saved. */
  cachedAt: string | null
}

/** The capture context (face threshold, schedule): from the server, else the last one this phone saw. */
export async function loadContext(me: MobileMe): Promise<Loaded<CaptureContext | null>> {
  const key = cacheKey('context', me.organization.id, me.member.id)
  try {
    const value = await getCaptureContext()
    writeCache(key, value)
    return { value, cachedAt: null }
  } catch (error) {
    const cached = readCache<CaptureContext>(key)
    if (cached && !isApiError(error, 'FORBIDDEN')) return { value: cached.value, cachedAt: cached.saved_at }
    if (isOffline(error)) return { value: null, cachedAt: null }
    throw error
  }
}

export function cachedMine(me: MobileMe): Cached<OwnAttendance[]> | null {
  return readCache<OwnAttendance[]>(cacheKey('mine', me.organization.id, me.member.id))
}

/** The member's own records: from the server, else the last list this phone saw (null when it never saw one). */
export async function loadMine(me: MobileMe): Promise<Loaded<OwnAttendance[] | null>> {
  const key = cacheKey('mine', me.organization.id, me.member.id)
  try {
    const { records } = await getMyAttendance(60)
    writeCache(key, records)
    return { value: records, cachedAt: null }
  } catch (error) {
    if (!isOffline(error)) throw error
    const cached = readCache<OwnAttendance[]>(key)
    return { value: cached?.value ?? null, cachedAt: cached?.saved_at ?? null }
  }
}

// ---------- whether the member has a face registered ----------

export interface OwnFace {
  /** null: unknown (offline, and this phone never asked). */
  registered: boolean | null
  fromCache: boolean
}

const faceKey = (organizationId: number, memberId: number) => `hadir.m.face.${organizationId}.${memberId}`

export function cachedFace(me: MobileMe): OwnFace {
  const cached = readCache<boolean>(faceKey(me.organization.id, me.member.id))
  return { registered: cached ? cached.value : null, fromCache: true }
}

/**
 * Deletes the member's own descriptors that an older version of the app kept on this phone for offline verification.
 * Phones receive none any more; the server verifies every capture from its evidence. A kiosk's gallery stays.
 */
async function forgetLegacyDescriptors(organizationId: number, memberId: number): Promise<void> {
  try {
    const db = hadirDb()
    if (await db.meta.get(`kiosk.gallery.${organizationId}`)) return
    await db.descriptors.where({ member_id: memberId, organization_id: organizationId }).delete()
  } catch {
    // no database
  }
}

/** Registered or not: the server's answer when online (remembered), else what this phone last heard. */
export async function loadOwnFace(me: MobileMe): Promise<OwnFace> {
  void forgetLegacyDescriptors(me.organization.id, me.member.id)
  let status
  try {
    status = await getFaceStatus(me.member.id)
  } catch (error) {
    if (isOffline(error)) return cachedFace(me)
    throw error
  }
  writeCache(faceKey(me.organization.id, me.member.id), status.registered)
  return { registered: status.registered, fromCache: false }
}

/** Signing out forgets what this phone kept about the member (never the unsent captures: they still go out). */
export async function forgetMemberData(organizationId: number, memberId: number): Promise<void> {
  for (const key of [cacheKey('context', organizationId, memberId), cacheKey('mine', organizationId, memberId), faceKey(organizationId, memberId)]) {
    try {
      localStorage.removeItem(key)
    } catch {
      // nothing to forget
    }
  }
  try {
    sessionStorage.removeItem(qrCacheKey(organizationId, memberId))
  } catch {
    // nothing to forget
  }
  await forgetLegacyDescriptors(organizationId, memberId)
}

// ---------- this phone's captures ----------

/** The member's captures still waiting on this phone (pending or refused). */
export async function unsentCaptures(organizationId: number, memberId: number): Promise<UnsentCapture[]> {
  const db = hadirDb()
  const [captures, outbox] = await Promise.all([
    db.captures.where('organization_id').equals(organizationId).filter((c) => c.member_id === memberId && c.synced === 0).toArray(),
    db.outbox.where('organization_id').equals(organizationId).toArray(),
  ])
  const state = new Map(outbox.map((e) => [e.client_id, e.state]))
  return captures.flatMap((c) => {
    const s = state.get(c.client_id)
    return s ? [{ client_id: c.client_id, kind: c.kind, date: c.date, time: c.time, state: s }] : []
  })
}

export interface AttentionItem {
  client_id: string
  kind: AttendanceKind
  date: string
  time: string
  code: string
  reason: string
}

/** Captures the server refused, with its reason, for "send again" / "discard"; oldest capture first. */
export async function attentionItems(organizationId: number): Promise<AttentionItem[]> {
  return (await attentionEntries(hadirDb(), organizationId))
    .map(({ entry: e, capture: c }) => {
      const local = c ?? { date: e.record.captured_at.slice(0, 10), time: e.record.captured_at.slice(11, 19) }
      return { client_id: e.client_id, kind: e.record.kind, date: local.date, time: local.time, code: e.attention_code ?? '', reason: e.attention_reason ?? '' }
    })
    .sort((a, b) => (a.date + a.time).localeCompare(b.date + b.time))
}

export async function sendAgain(clientId: string): Promise<void> {
  await retryAttention(hadirDb(), clientId)
  await useSyncStore().flush()
}

/** Discarded knowingly: gone from the outbox and from this phone's own list (so the next tap decides afresh). */
export async function discardCapture(clientId: string): Promise<void> {
  await discardAttention(hadirDb(), clientId)
  await useSyncStore().flush()
}

/** The delivery of one capture, as the confirmation screen shows it. */
export type Delivery = 'sent' | 'sending' | 'waiting' | 'attention'

export async function deliveryOf(clientId: string, online: boolean): Promise<Delivery> {
  const db = hadirDb()
  const entry = await db.outbox.get(clientId)
  // Out of the outbox means acknowledged by the server (the outbox deletes nothing else on its own).
  if (!entry) return 'sent'
  if (entry.state === 'attention') return 'attention'
  return online ? 'sending' : 'waiting'
}

// ---------- the member's days (home "today" card and history) ----------

/**
 * The member's own records merged with this phone's unsent captures, from the server when online and from this phone's
 * memory otherwise; reloaded after every sync so a record that just went out shows as the server has it.
 */
export function useMemberDays() {
  const mobile = useMobileStore()
  const sync = useSyncStore()
  const me = mobile.me!

  const server = shallowRef<OwnAttendance[] | null>(cachedMine(me)?.value ?? null)
  const cachedAt = ref<string | null>(null)
  const unsent = shallowRef<UnsentCapture[]>([])
  const context = shallowRef<CaptureContext | null>(readCache<CaptureContext>(cacheKey('context', me.organization.id, me.member.id))?.value ?? null)
  const loading = ref(true)
  const failure = ref<unknown>(null)

  async function loadLocal(): Promise<void> {
    try {
      unsent.value = await unsentCaptures(me.organization.id, me.member.id)
    } catch {
      unsent.value = []
    }
  }

  async function reload(): Promise<void> {
    loading.value = true
    failure.value = null
    try {
      const [mine, ctx] = await Promise.all([loadMine(me), loadContext(me).catch(() => null), loadLocal()])
      server.value = mine.value
      cachedAt.value = mine.cachedAt
      if (ctx?.value) context.value = ctx.value
    } catch (error) {
      failure.value = error
    } finally {
      loading.value = false
    }
  }
  void reload()

  // After a sync: the local part changes at once; the server's part once something was acknowledged.
  watch(
    () => [sync.state.pending, sync.state.attention] as const,
    ([pending], [pendingBefore]) => {
      if (pending < pendingBefore && navigator.onLine) void reload()
      else void loadLocal()
    },
  )

  const timezone = computed(() => context.value?.organization.timezone ?? me.organization.timezone)
  const schedule = computed(() => (context.value ? toWorkSchedule(context.value.schedule) : null))
  return { me, server, cachedAt, unsent, context, timezone, schedule, loading, failure, reload }
}

/**
 * What a member who has sent nothing yet should do next, for the line always in view at the top of the phone (instead
 * of "nothing to send"): register their face, or make their first check-in. Set from the member's own face status.
 */
export const memberNextStep = ref<'register-face' | 'first-check-in' | null>(null)

/** The member's registered face for the home screen: online answer, else this phone's copy (offline). */
export function useOwnFace() {
  const mobile = useMobileStore()
  const me = mobile.me!
  // What this phone last knew shows at once while the server is asked (a returning member's home does not start from a
  // loading card); a first visit has nothing to show until the answer.
  const known = cachedFace(me)
  const face = shallowRef<OwnFace | null>(known.registered === null ? null : known)
  const loading = ref(true)
  const failure = ref<unknown>(null)
  async function reload(): Promise<void> {
    loading.value = true
    failure.value = null
    try {
      face.value = await loadOwnFace(me)
      memberNextStep.value = face.value.registered === false ? 'register-face' : face.value.registered === true ? 'first-check-in' : null
    } catch (error) {
      failure.value = error
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { face, loading, failure, reload }
}
