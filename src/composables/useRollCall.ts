// Roll-call from one photo (issue 14 item 5), the screen's state and actions (src/views/petugas/RollCall.vue draws
// them): the camera while the petugas frames the class, the photo (taken or chosen from a file), the face engine that
// finds and names every face (src/kiosk/roll-call.ts), the petugas's fixes, the confirmed roll-call queued on the
// tablet and sent, and the earlier roll-calls with their answers. Phases: camera -> finding -> review -> saved.
import { computed, onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ROLL_CALL_MAX_FACES } from '@shared/attendance/roll-call'
import { toLocal } from '@shared/attendance/rules'
import type { AttendanceKind } from '@shared/attendance/sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { useKiosk, useLiveQuery } from '~/composables/useKiosk'
import { useKioskCamera } from '~/composables/useKioskCamera'
import { deviceId } from '~/face/device'
import type { FaceEngine } from '~/face/engine'
import type { GroupProgress } from '~/face/protocol'
import { chooseMember, confirmFace, defaultKind, markOf, nameFaces, type PhotoBox, removeFace, rollCallBody, type RollCallFace, summarise } from '~/kiosk/roll-call'
import { blobToBase64, takePhoto } from '~/kiosk/roll-call-photo'
import { hadirDb, type RollCallEntry } from '~/offline/db'
import { rollCallsOf } from '~/offline/roll-calls'
import { useMobileStore } from '~/stores/mobile'
import { useSyncStore } from '~/stores/sync'

export type RollCallPhase = 'camera' | 'finding' | 'review' | 'saved'

export interface RollCallShot {
  url: string
  jpeg: Blob
  width: number
  height: number
  takenAt: Date
}

/** The gallery and context are fetched again this often while the screen is open. */
const REFRESH_MS = 5 * 60_000

/** How far the finding is, 0..1: the detector's passes are the first 40%, describing the faces the rest. */
export function findingFraction(p: GroupProgress | null): number {
  if (!p || p.total === 0) return 0
  return p.stage === 'detect' ? (0.4 * p.done) / p.total : 0.4 + (0.6 * p.done) / p.total
}

/** The screen's state machine; `video` is the camera preview's element (while the camera phase shows it). */
export function useRollCall(video: Readonly<Ref<HTMLVideoElement | null>>) {
  const { t } = useI18n()
  const kiosk = useKiosk()
  const mobile = useMobileStore()
  const sync = useSyncStore()

  const phase = ref<RollCallPhase>('camera')
  const facing = ref<'environment' | 'user'>('environment')
  const preview = useKioskCamera(video, {}, { camera: () => ({ facing: facing.value, width: 1920, height: 1080 }) })

  // The face engine and the recognition model load while the petugas frames the photo.
  const engineProgress = ref(0)
  const engineFailed = ref(false)
  let engine: Promise<FaceEngine> | null = null
  function loadEngine(): Promise<FaceEngine> {
    engineFailed.value = false
    engine ??= (async () => {
      const { loadFaceEngine } = await import('~/face/engine')
      const loaded = await loadFaceEngine((p) => (engineProgress.value = p.fraction * 0.7))
      await loaded.prepareRecognition()
      engineProgress.value = 1
      return loaded
    })().catch((error: unknown) => {
      engine = null
      engineFailed.value = true
      throw error
    })
    return engine
  }
  const engineReady = computed(() => engineProgress.value >= 1)

  const photo = shallowRef<RollCallShot | null>(null)
  const faces = shallowRef<RollCallFace[]>([])
  const progress = shallowRef<GroupProgress | null>(null)
  const problem = ref<'engine' | 'photo' | null>(null)
  const tooMany = ref(false)
  const picking = ref<number | null>(null)
  const notice = ref<string | null>(null)
  const kind = ref<AttendanceKind>('check_in')
  const saving = ref(false)
  const savedId = ref<string | null>(null)
  const shownPhotoUrl = ref<string | null>(null)

  const summary = computed(() => summarise(faces.value))
  const nameOf = (memberId: number) => kiosk.member(memberId)?.name ?? `#${memberId}`
  const boxes = computed<PhotoBox[]>(() =>
    faces.value.map((f) => ({ box: f.box, tone: markOf(f), label: f.memberId === null ? null : nameOf(f.memberId), memberId: f.memberId })),
  )
  const organizationId = computed(() => kiosk.organizationId.value)
  const history = useLiveQuery<RollCallEntry[]>(async () => (kiosk.organizationId.value === null ? [] : rollCallsOf(hadirDb(), kiosk.organizationId.value, 10)), [])
  const saved = computed(() => history.value.find((e) => e.client_id === savedId.value) ?? null)
  const noGallery = computed(() => !kiosk.loading.value && !kiosk.refreshing.value && kiosk.rows.value.length === 0)

  function dropPhoto(): void {
    if (photo.value) URL.revokeObjectURL(photo.value.url)
    photo.value = null
  }

  /** The photo (from the camera, or a file), its faces found and named. */
  async function analyse(source: HTMLVideoElement | Blob): Promise<void> {
    problem.value = null
    notice.value = null
    tooMany.value = false
    let taken
    try {
      taken = await takePhoto(source)
    } catch (error) {
      console.error('Roll-call photo could not be read:', error)
      problem.value = 'photo'
      return
    }
    dropPhoto()
    photo.value = { url: URL.createObjectURL(taken.jpeg), jpeg: taken.jpeg, width: taken.width, height: taken.height, takenAt: new Date() }
    faces.value = []
    progress.value = null
    phase.value = 'finding'
    preview.stop()
    try {
      const ready = await loadEngine()
      const result = await ready.detectGroup(taken.bitmap, { maxFaces: ROLL_CALL_MAX_FACES }, (p) => (progress.value = p))
      tooMany.value = result.faces.length >= ROLL_CALL_MAX_FACES
      faces.value = nameFaces(
        result.faces.map((f) => ({ box: f.box, score: f.score, descriptor: f.descriptor })),
        kiosk.gallery.value,
        kiosk.recognisable.value,
        kiosk.matchOptions.value,
      )
      const context = kiosk.context.value
      const local = toLocal(photo.value.takenAt, kiosk.timezone.value)
      kind.value = context ? defaultKind(local.time, context.organization.work_start_time, context.organization.work_end_time) : 'check_in'
      phase.value = 'review'
    } catch (error) {
      console.error('Roll-call faces could not be found:', error)
      taken.bitmap.close()
      problem.value = 'engine'
      phase.value = 'camera'
    }
  }

  /** A photo chosen from the tablet's files. */
  function analyseFile(file: Blob): void {
    void analyse(file)
  }

  /** A photo of what the camera shows now. */
  function take(): void {
    if (video.value && preview.status.value === 'running') void analyse(video.value)
  }

  function retake(): void {
    dropPhoto()
    faces.value = []
    picking.value = null
    notice.value = null
    savedId.value = null
    shownPhotoUrl.value = null
    phase.value = 'camera'
  }

  function switchCamera(): void {
    facing.value = facing.value === 'environment' ? 'user' : 'environment'
    preview.retry()
  }

  // Fixes, one tap each; one-to-one stays true (a member chosen here leaves any other face).
  function choose(memberId: number | null): void {
    if (picking.value === null) return
    const { faces: next, movedFrom } = chooseMember(faces.value, picking.value, memberId)
    faces.value = next
    notice.value = movedFrom !== null && memberId !== null ? t('rollCall.moved', { name: nameOf(memberId), n: movedFrom + 1 }) : null
    picking.value = null
  }
  function confirmName(): void {
    if (picking.value === null) return
    faces.value = confirmFace(faces.value, picking.value)
    picking.value = null
  }
  function remove(): void {
    if (picking.value === null) return
    faces.value = removeFace(faces.value, picking.value)
    notice.value = null
    picking.value = null
  }

  /** Everyone named is recorded: the roll-call is saved on the tablet and sent at once (or when it is online). */
  async function record(): Promise<void> {
    const shot = photo.value
    const org = organizationId.value
    if (!shot || org === null || summary.value.named === 0 || saving.value) return
    saving.value = true
    try {
      const clientId = uuidv7()
      const local = toLocal(shot.takenAt, kiosk.timezone.value)
      const body = rollCallBody({
        clientId,
        deviceId: deviceId(),
        capturedAt: shot.takenAt,
        recordedBy: mobile.me?.member.id ?? null,
        kind: kind.value,
        locationId: kiosk.station.value?.location_id ?? null,
        position: kiosk.position.value,
        photo: await blobToBase64(shot.jpeg),
        width: shot.width,
        height: shot.height,
        faces: faces.value,
      })
      await sync.rollCall({ client_id: clientId, organization_id: org, body, names: faces.value.map((f) => (f.memberId === null ? null : nameOf(f.memberId))), date: local.date, time: local.time })
      savedId.value = clientId
      shownPhotoUrl.value = shot.url
      phase.value = 'saved'
    } finally {
      saving.value = false
    }
  }

  /** An earlier roll-call from the list: its answer (its photo while it still waits to be sent). */
  function open(entry: RollCallEntry): void {
    dropPhoto()
    savedId.value = entry.client_id
    shownPhotoUrl.value = null
    phase.value = 'saved'
    preview.stop()
  }

  // The camera runs while the photo is framed (not while a photo is reviewed).
  watch([video, phase], ([element, current]) => {
    if (element && current === 'camera') void preview.start()
  })

  let refreshTimer: ReturnType<typeof setInterval> | null = null
  onMounted(async () => {
    void loadEngine().catch(() => undefined)
    await kiosk.prepare()
    void kiosk.locate()
    refreshTimer = setInterval(() => void kiosk.prepare(), REFRESH_MS)
  })
  onBeforeUnmount(() => {
    if (refreshTimer) clearInterval(refreshTimer)
    dropPhoto()
  })

  return {
    kiosk,
    phase,
    facing,
    preview,
    engineProgress,
    engineFailed,
    engineReady,
    photo,
    faces,
    progress,
    problem,
    tooMany,
    picking,
    notice,
    kind,
    saving,
    shownPhotoUrl,
    summary,
    boxes,
    history,
    saved,
    noGallery,
    nameOf,
    take,
    analyseFile,
    retake,
    switchCamera,
    choose,
    confirmName,
    remove,
    record,
    open,
  }
}
