// The member's check-in on the phone: the position asked for in the background, the liveness challenge and its
// evidence, the remarks, and the capture kept on the phone and sent (useMemberCheckin). The member's data it reads
// (context, history, face, delivery) comes from ./useMemberAttendance.
import { toLocal } from '@shared/attendance/rules'
import { captureDay } from '@shared/attendance/shifts'
import type { AttendanceKind } from '@shared/attendance/sync'
import { uuidv7 } from '@shared/attendance/uuidv7'
import { computed, onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import { type CaptureContext, issueChallenge, toShiftDays, toWorkSchedule } from '~/api/attendance'
import { hadirDb } from '~/offline/db'
import { nextKind } from '~/offline/outbox'
import { type CaptureChallenge, obtainChallenge } from '~/face/challenge'
import type { StoredEvidence } from '~/face/evidence-store'
import type { ScanResult } from '~/face/useFaceScanner'
import { useMobileStore } from '~/stores/mobile'
import { useSyncStore } from '~/stores/sync'
import { cachedFace, cachedMine, type Delivery, deliveryOf, type Loaded, loadContext, loadMine, loadOwnFace } from './useMemberAttendance'
import { buildCaptureRecord, captureOutcome, type CaptureOutcome, type Position, serverCheckedIn } from './useMemberAttendanceRules'

// ---------- position ----------

/**
 * Asks for the phone's position in the background, from the moment the camera opens. `settled` resolves once the
 * position arrived, was refused or failed (or there is no geolocation): a one-tap check-in waits for it a moment
 * (POSITION_WAIT_MS) when the scan ends first, then sends whatever has arrived, else nothing.
 */
export function usePosition() {
  const position = shallowRef<Position | null>(null)
  let cancelled = false
  let settle: () => void = () => undefined
  const settled = new Promise<void>((resolve) => (settle = resolve))
  async function start(): Promise<void> {
    const geo = typeof navigator !== 'undefined' ? navigator.geolocation : undefined
    if (!geo) return settle()
    try {
      const permission = await navigator.permissions?.query({ name: 'geolocation' })
      if (permission?.state === 'denied') return settle()
    } catch {
      // Permissions API missing: just ask.
    }
    geo.getCurrentPosition(
      (p) => {
        if (!cancelled) position.value = { latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }
        settle()
      },
      () => settle(),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    )
  }
  void start()
  onBeforeUnmount(() => {
    cancelled = true
    settle()
  })
  return { position, settled }
}

/**
 * How long a one-tap check-in waits for a position still on its way when the scan has ended (a phone's first fix can
 * take a few seconds; without one, an organization with a fence holds the record for review).
 */
export const POSITION_WAIT_MS = 3000

// ---------- the check-in flow ----------

export type CheckinPhase = 'camera' | 'no_face' | 'confirm' | 'locating' | 'saving' | 'done' | 'failed'

export interface PreparedCapture {
  kind: AttendanceKind
  capturedAt: Date
  localDate: string
  localTime: string
  evidence: StoredEvidence
  /** Whether the challenge came from the server or was drawn on this phone (offline). */
  mode: 'online' | 'offline'
  /** An object URL of a frontal crop, for the confirmation screen. */
  preview: string
}

/** The challenge of a check-in: the server's, or this phone's own when the server cannot be reached. */
export function attendanceChallenge(): Promise<CaptureChallenge> {
  return obtainChallenge('attendance', ({ signal }) => issueChallenge('attendance', { signal }))
}

/**
 * One tap on "Absensi" → the liveness challenge on the camera (one head turn, the server's, or this phone's own
 * offline), keeping its evidence → recorded at once: one Dexie transaction, sent at once when online → the server
 * checks the evidence and the confirmation screen follows its verdict (useCaptureVerdict). A member who asked to add
 * a note (`withNote`, on the camera screen) gets the confirmation form with its remarks before the record is made.
 * The phone itself decides nothing about the face: it has no descriptor to compare with.
 */
export function useMemberCheckin() {
  const mobile = useMobileStore()
  const sync = useSyncStore()
  const me = mobile.me!
  const { position, settled: positionSettled } = usePosition()

  const phase = ref<CheckinPhase>('camera')
  const failure = ref<unknown>(null)
  const prepared = shallowRef<PreparedCapture | null>(null)
  const outcome = shallowRef<CaptureOutcome | null>(null)
  const clientId = ref<string | null>(null)
  const delivery = ref<Delivery>('waiting')
  const cameraKey = ref(0)
  /** The member asked to write a note: the scan leads to the confirmation form instead of recording at once. */
  const withNote = ref(false)

  // Everything the flow needs is fetched while the camera and models start, never after the scan.
  const face = loadOwnFace(me).catch(() => cachedFace(me))
  const context = loadContext(me).catch(() => ({ value: null, cachedAt: null }) as Loaded<CaptureContext | null>)
  const mine = loadMine(me).catch(() => ({ value: cachedMine(me)?.value ?? null, cachedAt: null }))
  void face.then((f) => {
    if (f.registered === false && phase.value === 'camera') phase.value = 'no_face'
  })

  const contextValue = shallowRef<CaptureContext | null>(null)
  void context.then((c) => (contextValue.value = c.value))
  const timezone = computed(() => contextValue.value?.organization.timezone ?? me.organization.timezone)

  function dropPreview(): void {
    if (prepared.value) URL.revokeObjectURL(prepared.value.preview)
  }

  async function onScan(result: ScanResult): Promise<void> {
    const capturedAt = new Date()
    try {
      const ctx = await context
      const local = toLocal(capturedAt, ctx.value?.organization.timezone ?? me.organization.timezone)
      // Check-in first, then check-out: today's server record (a kiosk may have checked the member in) and this
      // phone's own captures of the day decide.
      const records = (await mine).value
      const kind = await nextKind(hadirDb(), me.member.id, local.date, serverCheckedIn(records, local.date))
      dropPreview()
      prepared.value = {
        kind,
        capturedAt,
        localDate: local.date,
        localTime: local.time,
        evidence: result.evidence,
        mode: result.challenge.mode,
        preview: URL.createObjectURL(result.preview),
      }
    } catch (error) {
      failure.value = error
      phase.value = 'failed'
      return
    }
    if (withNote.value) {
      phase.value = 'confirm'
      return
    }
    // Recorded at once: a position still on its way gets a moment to arrive (the screen says so).
    if (!position.value) {
      phase.value = 'locating'
      await Promise.race([positionSettled, new Promise((resolve) => setTimeout(resolve, POSITION_WAIT_MS))])
    }
    await submit('')
  }

  async function submit(remarks: string): Promise<void> {
    const p = prepared.value
    if (!p || phase.value === 'saving') return
    phase.value = 'saving'
    try {
      const id = uuidv7(p.capturedAt.getTime())
      const record = buildCaptureRecord({
        clientId: id,
        memberId: me.member.id,
        kind: p.kind,
        capturedAt: p.capturedAt,
        localDate: p.localDate,
        localTime: p.localTime,
        remarks,
        position: position.value,
      })
      await sync.capture({
        organization_id: me.organization.id,
        member_name: me.member.name,
        date: p.localDate,
        time: p.localTime,
        record,
        photo: null,
        evidence: p.evidence,
      })
      clientId.value = id
      const ctx = contextValue.value
      // The hours of the capture's day: the member's shift (a night's morning is that night's), else the weekday's.
      outcome.value = captureOutcome(p.kind, p.localTime, ctx ? captureDay(toWorkSchedule(ctx.schedule), toShiftDays(ctx.shifts), p.localDate, p.localTime).schedule : null)
      phase.value = 'done'
      await refreshDelivery()
    } catch (error) {
      failure.value = error
      phase.value = 'failed'
    }
  }

  async function refreshDelivery(): Promise<void> {
    if (!clientId.value) return
    const online = typeof navigator === 'undefined' ? true : navigator.onLine && sync.state.online && !sync.state.lastError
    delivery.value = await deliveryOf(clientId.value, online)
  }
  watch(
    () => [sync.state.pending, sync.state.attention, sync.state.syncing, sync.state.online, sync.state.lastError],
    () => void refreshDelivery(),
  )

  function again(): void {
    failure.value = null
    dropPreview()
    prepared.value = null
    withNote.value = false
    phase.value = 'camera'
    cameraKey.value++
  }

  onBeforeUnmount(dropPreview)

  return { me, phase, failure, prepared, outcome, clientId, delivery, cameraKey, position, withNote, timezone, context: contextValue, challenge: attendanceChallenge, onScan, submit, again }
}
