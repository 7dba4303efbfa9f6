// The roll-call screen's state machine (useRollCall) without a browser: mounted in a component by a renderer that
// draws nothing, with the camera, the face engine, the photo, the kiosk's gallery and the sync store replaced by
// scripted ones. The photo is taken, its faces found and named, fixed, recorded, and an earlier roll-call opened.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, ref, shallowRef, type Ref } from 'vue'
import { rollCallSchema } from '@shared/attendance/roll-call'
import { FACE_DESCRIPTOR_LENGTH } from '@shared/face/descriptor'
import type { GroupFace, GroupProgress, GroupResult } from '~/face/protocol'
import type { DescriptorEntry, RollCallEntry } from '~/offline/db'
import { mountComposable } from './test-mount'
import { splitRows } from '~/kiosk/gallery'
import { CONDITION_WAIT_MS } from '../../tools/test-support/waits'

/** A unit vector mixing basis directions (as src/kiosk/roll-call.test.ts): unit(1) is member 1's face. */
function mix(...parts: [axis: number, weight: number][]): Float32Array {
  const v = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (const [axis, weight] of parts) v[axis] = (v[axis] ?? 0) + weight
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}
const unit = (axis: number) => mix([axis, 1])
function row(memberId: number, name: string, descriptor: Float32Array, extra: Partial<DescriptorEntry> = {}): DescriptorEntry {
  return { member_id: memberId, organization_id: 3, name, member_number: null, department_id: null, descriptors: new Float32Array(descriptor).buffer, ...extra }
}
const ROWS = [row(1, 'Siti', unit(1)), row(2, 'Bambang', unit(2), { confusable: true }), row(3, 'Yusuf', unit(3))]
// As the kiosk keeps them in memory: the members, and one gallery of their descriptors.
const { members: MEMBERS, all: GALLERY } = splitRows(ROWS)

// The kiosk's shared state, the camera, the sync store: what the screen reads and calls.
const kiosk = {
  organizationId: ref<number | null>(3),
  loading: ref(false),
  refreshing: ref(false),
  rows: shallowRef(MEMBERS),
  recognisable: shallowRef(MEMBERS),
  gallery: shallowRef(GALLERY),
  matchOptions: ref({ threshold: 0.9, margin: 0.05 }),
  context: shallowRef<unknown>({ organization: { work_start_time: '07:00', work_end_time: '15:00' } }),
  timezone: ref('Asia/Jakarta'),
  station: ref({ location_id: 5 }),
  position: shallowRef(null),
  location: ref(null),
  member: (id: number) => MEMBERS.find((r) => r.member_id === id) ?? null,
  prepare: vi.fn(async () => {}),
  locate: vi.fn(async () => {}),
}
const history = shallowRef<RollCallEntry[]>([])
const camera = { status: ref('running'), problem: ref(null), start: vi.fn(async () => {}), stop: vi.fn(), retry: vi.fn() }
const queued: unknown[] = []
const bitmap = { close: vi.fn() }
let photoFails = false
let engineFails = false
let detect: (onProgress: (p: GroupProgress) => void) => Promise<GroupResult> = async () => ({ width: 2048, height: 1152, faces: [], inferenceMs: 1 })

vi.mock('vue-i18n', () => ({ useI18n: () => ({ t: (key: string, params?: unknown) => (params ? `${key} ${JSON.stringify(params)}` : key) }) }))
vi.mock('~/composables/useKiosk', () => ({ useKiosk: () => kiosk, useLiveQuery: () => history }))
vi.mock('~/composables/useKioskCamera', () => ({ useKioskCamera: () => camera }))
vi.mock('~/stores/mobile', () => ({ useMobileStore: () => ({ me: { member: { id: 7 } } }) }))
vi.mock('~/stores/sync', () => ({ useSyncStore: () => ({ rollCall: async (entry: unknown) => void queued.push(entry) }) }))
vi.mock('~/face/device', () => ({ deviceId: () => 'tablet-1' }))
vi.mock('~/offline/roll-calls', () => ({ rollCallsOf: async () => [] }))
vi.mock('~/kiosk/roll-call-photo', () => ({
  takePhoto: async () => {
    if (photoFails) throw new Error('not an image')
    return { bitmap, jpeg: new Blob(['jpeg']), width: 2048, height: 1152 }
  },
  blobToBase64: async () => 'QUJD'.repeat(20),
}))
vi.mock('~/face/engine', () => ({
  loadFaceEngine: async (progress: (p: { fraction: number }) => void) => {
    progress({ fraction: 0.5 })
    if (engineFails) throw new Error('no WebAssembly')
    return {
      prepareRecognition: async () => {},
      detectGroup: (_photo: unknown, options: { maxFaces: number }, onProgress: (p: GroupProgress) => void) => {
        expect(options.maxFaces).toBe(60)
        return detect(onProgress)
      },
    }
  },
}))

const { findingFraction, useRollCall } = await import('./useRollCall')

// A renderer that draws nothing: the component's lifecycle (mounted, before unmount) without a DOM.
function mountRollCall(video: Ref<HTMLVideoElement | null>) {
  const { result: rc, unmount } = mountComposable(() => useRollCall(video))
  return { rc, unmount }
}
/** Lets pending promises run (the scripted camera, photo and engine answer at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
/** Waits until the screen is in `phase` (the face engine's module is imported on first use). */
const inPhase = (rc: { phase: Ref<string> }, phase: string) => vi.waitFor(() => expect(rc.phase.value).toBe(phase), CONDITION_WAIT_MS)
const found = (x: number, descriptor: Float32Array | null): GroupFace => ({ box: { x, y: 200, width: 60, height: 60 }, score: 0.9, landmarks: [], descriptor })
/** Siti, Bambang (confusable: to check) and a stranger. */
const CLASS = [found(100, mix([1, 1], [50, 0.1])), found(300, mix([2, 1], [51, 0.1])), found(500, unit(9))]

let mounted: { unmount: () => void } | null = null
beforeEach(() => {
  // 15:00 in Jakarta, the end of a 07:00-15:00 day: check-out by default.
  vi.useFakeTimers({ now: new Date('2026-12-04T08:00:00Z'), toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.clearAllMocks()
  camera.status.value = 'running'
  history.value = []
  queued.length = 0
  photoFails = false
  engineFails = false
  detect = async () => ({ width: 2048, height: 1152, faces: CLASS, inferenceMs: 1 })
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  mounted?.unmount()
  mounted = null
  vi.useRealTimers()
  vi.restoreAllMocks()
})

async function reviewing() {
  const video = shallowRef<HTMLVideoElement | null>({} as HTMLVideoElement)
  const m = mountRollCall(video)
  mounted = m
  m.rc.take()
  await inPhase(m.rc, 'review')
  return m.rc
}

describe('the roll-call screen', () => {
  it('loads the face engine and the gallery when it opens, starts the camera once it shows, and refreshes the gallery every 5 minutes', async () => {
    const video = shallowRef<HTMLVideoElement | null>(null)
    const { rc } = (mounted = mountRollCall(video))
    await vi.waitFor(() => expect(rc.engineReady.value).toBe(true), CONDITION_WAIT_MS)
    await vi.waitFor(() => expect(kiosk.locate).toHaveBeenCalled(), CONDITION_WAIT_MS)
    await settle()
    expect(rc.engineProgress.value).toBe(1)
    expect(kiosk.prepare).toHaveBeenCalledTimes(1)
    expect(kiosk.locate).toHaveBeenCalledTimes(1)
    expect(camera.start).not.toHaveBeenCalled()
    video.value = {} as HTMLVideoElement
    await nextTick()
    expect(camera.start).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(5 * 60_000)
    expect(kiosk.prepare).toHaveBeenCalledTimes(2)
  })

  it('takes the photo, stops the camera while the faces are found, and reviews them named one-to-one', async () => {
    let finish!: () => void
    detect = (onProgress) => {
      onProgress({ stage: 'detect', done: 3, total: 6 })
      return new Promise((resolve) => (finish = () => resolve({ width: 2048, height: 1152, faces: CLASS, inferenceMs: 1 })))
    }
    const video = shallowRef<HTMLVideoElement | null>({} as HTMLVideoElement)
    const { rc } = (mounted = mountRollCall(video))
    camera.status.value = 'camera'
    rc.take() // the camera is not running yet: nothing
    await settle()
    expect(rc.phase.value).toBe('camera')
    camera.status.value = 'running'
    rc.take()
    await inPhase(rc, 'finding')
    await vi.waitFor(() => expect(rc.progress.value).not.toBeNull(), CONDITION_WAIT_MS)
    expect(camera.stop).toHaveBeenCalled()
    expect(rc.photo.value).toMatchObject({ width: 2048, height: 1152 })
    expect(rc.progress.value).toEqual({ stage: 'detect', done: 3, total: 6 })
    finish()
    await inPhase(rc, 'review')
    expect(rc.faces.value.map((f) => f.memberId)).toEqual([1, 2, null])
    expect(rc.summary.value).toEqual({ faces: 3, named: 2, check: 1, unknown: 1 })
    expect(rc.boxes.value.map((b) => [b.tone, b.label])).toEqual([
      ['named', 'Siti'],
      ['check', 'Bambang'],
      ['unknown', null],
    ])
    expect(rc.kind.value).toBe('check_out')
    expect(rc.tooMany.value).toBe(false)
    expect(rc.problem.value).toBeNull()
  })

  it('says so when the photo cannot be read (the camera stays), or the faces cannot be found (back to the camera)', async () => {
    const { rc } = (mounted = mountRollCall(shallowRef({} as HTMLVideoElement)))
    photoFails = true
    rc.analyseFile(new Blob(['not a photo']))
    await vi.waitFor(() => expect(rc.problem.value).toBe('photo'), CONDITION_WAIT_MS)
    expect(rc.phase.value).toBe('camera')
    photoFails = false
    detect = async () => {
      throw new Error('worker died')
    }
    rc.take()
    await vi.waitFor(() => expect(rc.problem.value).toBe('engine'), CONDITION_WAIT_MS)
    expect(rc.phase.value).toBe('camera')
    expect(bitmap.close).toHaveBeenCalled()
  })

  it('a face engine that cannot load says so, and is tried again with the next photo', async () => {
    engineFails = true
    const { rc } = (mounted = mountRollCall(shallowRef({} as HTMLVideoElement)))
    await vi.waitFor(() => expect(rc.engineFailed.value).toBe(true), CONDITION_WAIT_MS)
    expect(rc.engineReady.value).toBe(false)
    engineFails = false
    rc.take()
    await inPhase(rc, 'review')
    expect(rc.engineFailed.value).toBe(false)
  })

  it('many faces: a hint that the photo holds more than one roll-call names', async () => {
    detect = async () => ({ width: 2048, height: 1152, faces: Array.from({ length: 60 }, (_, i) => found((i % 20) * 100, null)), inferenceMs: 1 })
    const rc = await reviewing()
    expect(rc.tooMany.value).toBe(true)
  })

  it('fixes keep the names one-to-one, say when a member moved from another face, and close the picker', async () => {
    const rc = await reviewing()
    rc.choose(1) // no picker open: nothing
    expect(rc.faces.value.map((f) => f.memberId)).toEqual([1, 2, null])
    rc.picking.value = 2
    rc.choose(1)
    expect(rc.faces.value.map((f) => f.memberId)).toEqual([null, 2, 1])
    expect(rc.notice.value).toBe('rollCall.moved {"name":"Siti","n":1}')
    expect(rc.picking.value).toBeNull()
    rc.picking.value = 1
    rc.confirmName()
    expect(rc.summary.value.check).toBe(0)
    expect(rc.faces.value[1]!.namedBy).toBe('chosen')
    rc.picking.value = 0
    rc.remove()
    expect(rc.faces.value.map((f) => f.memberId)).toEqual([2, 1])
    expect(rc.notice.value).toBeNull()
    rc.picking.value = 0
    rc.choose(null)
    expect(rc.faces.value.map((f) => f.memberId)).toEqual([null, 1])
    expect(rc.notice.value).toBeNull()
  })

  it('records everyone named: queued on the tablet with the photo, the names and the local day; then its answer', async () => {
    const rc = await reviewing()
    rc.kind.value = 'check_in'
    await rc.record()
    expect(queued).toHaveLength(1)
    const entry = queued[0] as { client_id: string; organization_id: number; body: Record<string, unknown>; names: (string | null)[]; date: string; time: string }
    expect(entry).toMatchObject({ organization_id: 3, names: ['Siti', 'Bambang', null], date: '2026-12-04' })
    expect(entry.time).toMatch(/^15:00:0\d$/) // when the photo was taken (the fake clock moves while the test waits)
    expect(rollCallSchema.safeParse({ ...entry.body, sent_at: new Date().toISOString() }).success).toBe(true)
    expect(entry.body).toMatchObject({ client_id: entry.client_id, device_id: 'tablet-1', recorded_by: 7, kind: 'check_in', location_id: 5, captured_at: rc.photo.value!.takenAt.toISOString() })
    expect((entry.body.faces as { member_id: number | null }[]).map((f) => f.member_id)).toEqual([1, 2, null])
    expect(rc.phase.value).toBe('saved')
    expect(rc.shownPhotoUrl.value).toBe(rc.photo.value!.url)
    // The answer shows once the entry is on the tablet's list.
    expect(rc.saved.value).toBeNull()
    history.value = [{ client_id: entry.client_id } as RollCallEntry]
    expect(rc.saved.value?.client_id).toBe(entry.client_id)
    expect(rc.saving.value).toBe(false)
  })

  it('records nothing when nobody is named', async () => {
    detect = async () => ({ width: 2048, height: 1152, faces: [found(500, unit(9))], inferenceMs: 1 })
    const rc = await reviewing()
    await rc.record()
    expect(queued).toEqual([])
    expect(rc.phase.value).toBe('review')
  })

  it('another photo, an earlier roll-call, the other camera; leaving the screen lets the photo go and stops the refresh', async () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL')
    const rc = await reviewing()
    const url = rc.photo.value!.url
    rc.retake()
    await nextTick()
    expect(rc.phase.value).toBe('camera')
    expect(rc.photo.value).toBeNull()
    expect(revoke).toHaveBeenCalledWith(url)
    expect(camera.start).toHaveBeenCalled()

    const stops = camera.stop.mock.calls.length
    rc.open({ client_id: 'earlier' } as RollCallEntry)
    history.value = [{ client_id: 'earlier' } as RollCallEntry]
    expect(rc.phase.value).toBe('saved')
    expect(rc.saved.value?.client_id).toBe('earlier')
    expect(rc.shownPhotoUrl.value).toBeNull()
    expect(camera.stop).toHaveBeenCalledTimes(stops + 1)

    rc.switchCamera()
    expect(rc.facing.value).toBe('user')
    expect(camera.retry).toHaveBeenCalledTimes(1)

    rc.retake()
    rc.take()
    await inPhase(rc, 'review')
    const last = rc.photo.value!.url
    mounted!.unmount()
    mounted = null
    expect(revoke).toHaveBeenCalledWith(last)
    const calls = kiosk.prepare.mock.calls.length
    vi.advanceTimersByTime(10 * 60_000)
    expect(kiosk.prepare).toHaveBeenCalledTimes(calls)
  })
})

describe('findingFraction', () => {
  it('is the detector\'s passes for the first 40%, describing the faces for the rest', () => {
    expect(findingFraction(null)).toBe(0)
    expect(findingFraction({ stage: 'detect', done: 0, total: 0 })).toBe(0)
    expect(findingFraction({ stage: 'detect', done: 5, total: 10 })).toBeCloseTo(0.2)
    expect(findingFraction({ stage: 'detect', done: 10, total: 10 })).toBeCloseTo(0.4)
    expect(findingFraction({ stage: 'describe', done: 1, total: 2 })).toBeCloseTo(0.7)
    expect(findingFraction({ stage: 'describe', done: 2, total: 2 })).toBeCloseTo(1)
  })
})
