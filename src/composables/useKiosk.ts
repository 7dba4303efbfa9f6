// The petugas tablet's shared state: which organization and place it records for, the capture context (rules,
// places, face threshold) and the organization's face gallery — both kept in the device's database so the kiosk
// works offline, refreshed whenever the server can be reached — and the one way a record is made.
import type { AttendanceKind } from '@shared/attendance/sync'
import { toLocal } from '@shared/attendance/rules'
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD, emptyGallery, type FaceGallery, type MatchOptions, prepareGallery } from '@shared/face/match'
import { liveQuery } from 'dexie'
import { computed, onBeforeUnmount, ref, shallowRef, type Ref, watch } from 'vue'
import { type CaptureContext, getCaptureContext, getFaceGallery, issueChallenge } from '~/api/attendance'
import { isApiError } from '~/api/client'
import type { CaptureChallenge, StoredEvidence } from '~/face/evidence-store'
import { ChallengeKeeper } from '~/kiosk/challenge'
import { galleryOfMembers, galleryRows, type MemberEntry, memberDescriptors, recognisedRows, splitRows } from '~/kiosk/gallery'
import type { KioskPosition } from '~/kiosk/record'
import { kioskCapture } from '~/kiosk/record'
import { readStation, saveStation, type KioskStation, validStation } from '~/kiosk/station'
import { type GalleryMeta, lastCaptureOf, loadContext, loadGallery, saveContext, saveGallery, saveGalleryMeta, wipeKioskData } from '~/kiosk/store'
import { type DescriptorEntry, hadirDb } from '~/offline/db'
import { nextKind } from '~/offline/outbox'
import { useDeviceStore } from '~/stores/device'
import { useMobileStore } from '~/stores/mobile'
import { useSyncStore } from '~/stores/sync'

/**
 * The gallery and context are fetched again when older than this and the server is reachable (and at once when the
 * tablet comes back online, or when a searched member is missing). The gallery is downloaded again only when it changed.
 */
const REFRESH_AFTER_MS = 5 * 60_000

// One copy for the whole page: every kiosk view reads the same gallery.
const organization = ref<number | null>(null)
const context = shallowRef<CaptureContext | null>(null)
/** The organization's members (without descriptors: those are in `everyone`, once). */
const rows = shallowRef<MemberEntry[]>([])
/** Every member's descriptors, packed: the gallery kiosk mode matches against when it recognises everyone. */
const everyone = shallowRef<FaceGallery>(emptyGallery())
const galleryMeta = shallowRef<GalleryMeta | null>(null)
const station = ref<KioskStation | null>(null)
const loading = ref(false)
const refreshing = ref(false)
/** The last refresh failed for another reason than the network (shown; the cached data stays in use). */
const refreshError = shallowRef<unknown>(null)
const position = shallowRef<KioskPosition | null>(null)
let lastRefresh = 0
let positionAt = 0
let preparing: Promise<void> | null = null
let warmed = false
/**
 * Whether kiosk mode can start without the network: 'ready' once the face models are in the service worker's cache,
 * 'preparing' while they are fetched, 'online-only' while they cannot be kept (no service worker in control yet, or
 * the fetch failed), so the petugas knows before taking the tablet somewhere without signal.
 */
const facesOffline = ref<'preparing' | 'ready' | 'online-only'>('online-only')
/** While the face runtime downloads: bytes read of the total. */
const facesDownload = shallowRef<{ loaded: number; total: number } | null>(null)

/**
 * The kiosk's face runtime and the petugas screens' code, downloaded once while the tablet is online and the service
 * worker controls the page (the petugas home opens right after enrolment): the worker, the models, the WASM build, the
 * recognition model with its runtime and every petugas screen. None of them is precached (src/sw.ts keeps what is
 * fetched), so a tablet set up online can start kiosk mode offline later. The home page shows the download in words
 * (facesDownload).
 */
async function warmFaceModels(): Promise<void> {
  if (warmed) return
  warmed = true
  const { downloadFaceRuntime, faceRuntimeKept } = await import('~/face/runtime')
  if (await faceRuntimeKept({ recognition: true, petugas: true })) {
    facesOffline.value = 'ready'
    return
  }
  if (!navigator.onLine || !navigator.serviceWorker?.controller) {
    warmed = false // tried again by the next prepare()
    facesOffline.value = 'online-only'
    return
  }
  facesOffline.value = 'preparing'
  try {
    await downloadFaceRuntime({ recognition: true, petugas: true, onProgress: (bytes) => (facesDownload.value = bytes.total > 0 ? bytes : null) })
    facesDownload.value = null
    const { loadFaceEngine } = await import('~/face/engine')
    await (await loadFaceEngine()).prepareRecognition()
    facesOffline.value = (await faceRuntimeKept({ recognition: true, petugas: true })) ? 'ready' : 'online-only'
  } catch (error) {
    warmed = false
    facesDownload.value = null
    facesOffline.value = 'online-only'
    console.warn('The kiosk could not fetch its face models yet:', error)
  }
}

/** The members kiosk mode recognises: all, or the station's department when the organization narrows it. */
const recognisable = computed(() => recognisedRows(rows.value, context.value?.face.kiosk_gallery, station.value?.department_id))
const gallery = computed<FaceGallery>(() =>
  recognisable.value === rows.value ? everyone.value : galleryOfMembers(everyone.value, new Set(recognisable.value.map((m) => m.member_id))),
)

/** Keeps the stored rows in memory: the members, and their descriptors once (splitRows). */
function keep(stored: readonly DescriptorEntry[]): void {
  const { members, all } = splitRows(stored)
  everyone.value = all
  rows.value = members
}
// A large gallery's exact index (shared/face/match-index.ts: a few seconds of work at 100k members) is built while the
// tablet is idle after the gallery changes, not on the first face in front of the camera.
const whenIdle = (fn: () => void) => ('requestIdleCallback' in globalThis ? requestIdleCallback(() => fn(), { timeout: 5_000 }) : setTimeout(fn, 500))
watch(gallery, (g) => whenIdle(() => prepareGallery(g)))

/** One challenge kept ready for the next person in front of the tablet (src/kiosk/challenge.ts). */
let keeper: ChallengeKeeper | null = null
function challenges(): ChallengeKeeper {
  keeper ??= new ChallengeKeeper({ issue: () => issueChallenge('kiosk') })
  return keeper
}

async function loadCached(organizationId: number): Promise<void> {
  const db = hadirDb()
  const [cachedContext, cachedGallery] = await Promise.all([loadContext(db, organizationId), loadGallery(db, organizationId)])
  if (organization.value !== organizationId) return
  context.value = cachedContext
  keep(cachedGallery.rows)
  galleryMeta.value = cachedGallery.meta
  station.value = cachedContext ? validStation(readStation(organizationId), cachedContext) : readStation(organizationId)
}

async function refresh(organizationId: number): Promise<void> {
  if (refreshing.value) return
  refreshing.value = true
  try {
    const db = hadirDb()
    const cached = galleryMeta.value ?? (await loadGallery(db, organizationId)).meta
    const [freshContext, freshGallery] = await Promise.all([getCaptureContext(), getFaceGallery(cached?.version)])
    const meta: GalleryMeta = {
      threshold: freshGallery.threshold,
      margin: freshGallery.margin,
      generated_at: freshGallery.generated_at,
      fetched_at: new Date().toISOString(),
      members: freshGallery.unchanged ? (cached?.members ?? 0) : freshGallery.members.length,
      version: freshGallery.version,
    }
    // Unchanged since the last download: keep the stored rows, only note that they were checked.
    const freshRows = freshGallery.unchanged ? (rows.value.length ? null : (await loadGallery(db, organizationId)).rows) : galleryRows(freshGallery, organizationId)
    await Promise.all([saveContext(db, organizationId, freshContext), freshGallery.unchanged || !freshRows ? saveGalleryMeta(db, organizationId, meta) : saveGallery(db, organizationId, freshRows, meta)])
    lastRefresh = Date.now()
    refreshError.value = null
    if (organization.value !== organizationId) return
    context.value = freshContext
    if (freshRows) keep(freshRows)
    galleryMeta.value = meta
    station.value = validStation(readStation(organizationId), freshContext)
  } catch (error) {
    // Offline: the cached gallery and context carry on. Anything else is worth showing.
    if (!isApiError(error) || error.status !== 0) refreshError.value = error
  } finally {
    refreshing.value = false
  }
}

async function currentPosition(): Promise<void> {
  if (typeof navigator === 'undefined' || !navigator.geolocation || Date.now() - positionAt < 5 * 60_000) return
  positionAt = Date.now()
  await new Promise<void>((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => {
        position.value = { latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }
        resolve()
      },
      () => resolve(), // no permission or no fix: records go without a position
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 5 * 60_000 },
    )
  })
}

export interface RecordRequest {
  member: { id: number; name: string }
  /** The tablet's claim: the best frame's distance to the member. */
  distance: number
  /** The member's answer to the kiosk's challenge: the record's evidence. */
  challenge: CaptureChallenge
  evidence: StoredEvidence
  /** The member's own QR code when they showed it (the second factor of a confusable member), else null. */
  qrToken?: string | null
  /** The kind to record when the server's view of the day decided it (src/kiosk/already.ts); else this tablet's records do. */
  kind?: AttendanceKind
}

export function useKiosk() {
  const device = useDeviceStore()
  const mobile = useMobileStore()
  const sync = useSyncStore()
  const organizationId = computed(() => device.enrolled?.organization.id ?? mobile.me?.organization.id ?? null)
  const timezone = computed(() => context.value?.organization.timezone ?? mobile.me?.organization.timezone ?? device.enrolled?.organization.timezone ?? 'Asia/Jakarta')
  const matchOptions = computed<MatchOptions>(() => ({
    threshold: context.value?.face.threshold ?? galleryMeta.value?.threshold ?? DEFAULT_FACE_THRESHOLD,
    margin: context.value?.face.margin ?? galleryMeta.value?.margin ?? DEFAULT_FACE_MARGIN,
  }))
  const location = computed(() => context.value?.locations.find((l) => l.id === station.value?.location_id) ?? null)
  const department = computed(() => context.value?.departments.find((d) => d.id === station.value?.department_id) ?? null)

  /** Cached data at once, then the server's when it answers. Safe to call from every view. */
  function prepare(force = false): Promise<void> {
    const id = organizationId.value
    if (id === null) return Promise.resolve()
    preparing ??= (async () => {
      if (organization.value !== id) {
        organization.value = id
        loading.value = true
        lastRefresh = 0
        try {
          await loadCached(id)
        } finally {
          loading.value = false
        }
      }
      if (force || Date.now() - lastRefresh > REFRESH_AFTER_MS) await refresh(id)
      void warmFaceModels()
    })().finally(() => (preparing = null))
    return preparing
  }

  function chooseStation(choice: KioskStation): void {
    if (organizationId.value === null) return
    saveStation(organizationId.value, choice)
    station.value = choice
  }

  function member(memberId: number): MemberEntry | null {
    return rows.value.find((r) => r.member_id === memberId) ?? null
  }

  function descriptorsOf(memberId: number): Float32Array[] {
    return memberDescriptors(everyone.value, memberId)
  }

  function today(now = new Date()): string {
    return toLocal(now, timezone.value).date
  }

  /** The organization's wall clock now, "07:12:05". */
  function clock(now = new Date()): string {
    return toLocal(now, timezone.value).time
  }

  /** What this tablet's own records say comes next for the member today. */
  function localKind(memberId: number, now = new Date()) {
    return nextKind(hadirDb(), memberId, today(now))
  }

  /** When this device recorded the member last today (for the kiosk's cooldown), or null. */
  async function lastRecordOf(memberId: number, now = new Date()) {
    return lastCaptureOf(hadirDb(), memberId, today(now))
  }

  /** Saves one record (check-in, or check-out when this device saw a check-in today) and starts sending it. */
  async function record(request: RecordRequest, now = new Date()) {
    if (organizationId.value === null) throw new Error('the tablet is not signed in')
    const kind = request.kind ?? (await nextKind(hadirDb(), request.member.id, today(now)))
    const capture = kioskCapture({
      organizationId: organizationId.value,
      timezone: timezone.value,
      member: request.member,
      recordedBy: mobile.me?.member.id ?? null,
      kind,
      now,
      distance: request.distance,
      evidence: request.evidence,
      locationId: station.value?.location_id ?? null,
      position: position.value,
      qrToken: request.qrToken ?? null,
    })
    // Answered: the next person gets a new challenge.
    challenges().consume(request.challenge)
    await sync.capture(capture)
    return capture
  }

  /** The challenge for the next person (null for a moment while the first one is fetched). */
  function challenge(): CaptureChallenge | null {
    return organizationId.value === null ? null : challenges().current()
  }

  return {
    organizationId,
    context,
    rows,
    gallery,
    recognisable,
    facesOffline,
    facesDownload,
    galleryMeta,
    station,
    location,
    department,
    loading,
    refreshing,
    refreshError,
    timezone,
    matchOptions,
    position,
    prepare,
    refresh: () => prepare(true),
    chooseStation,
    member,
    descriptorsOf,
    today,
    clock,
    localKind,
    lastRecordOf,
    record,
    challenge,
    locate: currentPosition,
  }
}

/** Forgets the kiosk's biometric data and cached context (sign-out, deregistration). */
export async function forgetKiosk(): Promise<void> {
  organization.value = null
  context.value = null
  rows.value = []
  everyone.value = emptyGallery()
  galleryMeta.value = null
  station.value = null
  lastRefresh = 0
  keeper = null
  await wipeKioskData(hadirDb()).catch(() => undefined)
}

/** A Dexie query kept up to date in a ref while the component lives (the outbox and captures change underneath). */
export function useLiveQuery<T>(query: () => Promise<T>, initial: T): Readonly<Ref<T>> {
  const value = shallowRef(initial) as Ref<T>
  const subscription = liveQuery(query).subscribe({ next: (result) => (value.value = result), error: (error: unknown) => console.error('Live query failed:', error) })
  onBeforeUnmount(() => subscription.unsubscribe())
  return value
}
