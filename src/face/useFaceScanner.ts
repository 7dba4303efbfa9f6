// The camera screen's brain: opens the front camera, loads the face engine and gets the capture's liveness challenge
// (from the server, or drawn on the device offline: ./challenge.ts), runs it on the frames' landmarks while keeping
// the evidence (./challenge-run.ts: the key frames' face crops, then a few steady frontal ones), and hands over the
// evidence (and, for a registration, the reference photo). One frame is in flight at a time, so the preview (a plain
// <video>) stays fluid whatever the inference speed. The phone computes no descriptor: the server derives the face
// from the evidence itself.
import { computed, onBeforeUnmount, readonly, ref, shallowRef, type Ref } from 'vue'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw, type LivenessState } from '@shared/face/liveness'
import { checkFaceQuality } from '@shared/face/quality'
import { useCameraStream } from '~/composables/useCameraStream'
import { type CameraProblem, grabFrame } from './camera'
import { ChallengeRun } from './challenge-run'
import { type CaptureChallenge, type KeptFrame, type StoredEvidence, storedEvidence } from './evidence'
import { loadFaceEngine, type FaceEngine } from './engine'
import { faceMovement, type FaceHint, livenessLandmarks, MOVING_THRESHOLD, type ScanStage, selectHint } from './hints'
import type { EngineInfo, FrameResult } from './protocol'
import type { FaceBox } from './types'

export type ScanStatus = 'idle' | 'camera' | 'loading' | 'liveness' | 'capture' | 'done' | 'failed' | 'error'
/** challenge: the server refused to issue a challenge (see `challengeError`). */
export type ScanProblem = CameraProblem | 'engine' | 'challenge'
export type ScanNotice = 'wrong_way' | 'restarted' | null

export interface ScanResult {
  challenge: CaptureChallenge
  /** The kept frames (crops, JPEG), timed from the first. */
  frames: KeptFrame<Blob>[]
  /** The same, as the outbox keeps it and the API takes it (src/face/evidence.ts). */
  evidence: StoredEvidence
  /** The reference photo (the whole frame, JPEG data URL) when asked for (registration), else null. */
  photo: string | null
  /** A steady frontal crop, for the confirmation screen. */
  preview: Blob
}

export interface ScannerOptions {
  /** The capture's challenge; called at start and on every retry after a failure. */
  challenge: () => Promise<CaptureChallenge>
  /** Also take the reference photo (the whole frame) once the challenge passed. */
  photo?: boolean
  /** Steady frontal frames to keep after the challenge (2-3). */
  after?: number
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error ?? new Error('could not read the photo'))
    reader.readAsDataURL(blob)
  })
}

export function useFaceScanner(video: Ref<HTMLVideoElement | null>, options: ScannerOptions) {
  const needed = options.after ?? 3

  const status = ref<ScanStatus>('idle')
  const problem = ref<ScanProblem | null>(null)
  const challengeError = shallowRef<unknown>(null)
  const progress = ref(0)
  /** While the face runtime downloads (the first face screen on this device): bytes read of the total. */
  const download = shallowRef<{ loaded: number; total: number } | null>(null)
  const hint = ref<FaceHint | null>(null)
  const notice = ref<ScanNotice>(null)
  /** The main face's box in frame fractions (0..1, un-mirrored), and whether it passes the quality gates. */
  const box = ref<(FaceBox & { ok: boolean }) | null>(null)
  const liveness = shallowRef<LivenessState | null>(null)
  const captured = ref(0)
  const result = shallowRef<ScanResult | null>(null)
  const engineInfo = shallowRef<EngineInfo | null>(null)
  const challenge = shallowRef<CaptureChallenge | null>(null)
  /** Moving averages, ms: inference alone, and a whole frame round trip (grab, transfer, inference, answer). */
  const inferenceMs = ref(0)
  const frameMs = ref(0)
  /** Frames analysed since the camera opened (a test waits for frames, not seconds). */
  const analysed = ref(0)

  let run: ChallengeRun<Blob> | null = null
  let photo: Blob | null = null
  const camera = useCameraStream(video)
  let engine: FaceEngine | null = null
  let running = false
  let previousBox: FaceBox | null = null
  let noticeTimer: ReturnType<typeof setTimeout> | null = null

  function showNotice(value: Exclude<ScanNotice, null>): void {
    notice.value = value
    if (noticeTimer) clearTimeout(noticeTimer)
    noticeTimer = setTimeout(() => (notice.value = null), 4000)
  }

  function beginRun(): void {
    if (!challenge.value) return
    run = new ChallengeRun<Blob>(challenge.value.steps, { recorder: { after: needed } })
    liveness.value = run.state.liveness
    photo = null
    captured.value = 0
    status.value = 'liveness'
  }

  /** The challenge for this attempt; a refusal stops the scan with problem 'challenge'. */
  async function takeChallenge(pending: Promise<CaptureChallenge>): Promise<boolean> {
    try {
      challenge.value = await pending
      return true
    } catch (error) {
      challengeError.value = error
      problem.value = 'challenge'
      status.value = 'error'
      return false
    }
  }

  async function start(): Promise<void> {
    if (running || camera.disposed()) return
    problem.value = null
    challengeError.value = null
    result.value = null
    status.value = 'camera'
    // Asked for at once: the server answers while the camera and the models start.
    const pending = options.challenge()
    pending.catch(() => undefined)
    const cameraProblem = await camera.open()
    if (cameraProblem) {
      problem.value = cameraProblem
      status.value = 'error'
      return
    }
    if (camera.disposed()) return stop()
    status.value = 'loading'
    try {
      engine = await loadFaceEngine((p) => {
        progress.value = p.fraction
        download.value = p.stage === 'download' && p.bytes ? p.bytes : null
      })
      download.value = null
      engineInfo.value = engine.info
    } catch (error) {
      console.error('Face engine failed to load:', error)
      problem.value = 'engine'
      status.value = 'error'
      return
    }
    if (camera.disposed()) return stop()
    if (!(await takeChallenge(pending)) || camera.disposed()) return
    beginRun()
    void loop()
  }

  async function loop(): Promise<void> {
    const current = engine
    if (!current) return
    running = true
    const average = (old: number, value: number) => (old === 0 ? value : old * 0.8 + value * 0.2)
    await camera.eachFrame({
      active: () => running,
      idleMs: 50,
      analyse: async (element) => {
        const wantPhoto = options.photo === true && status.value === 'capture' && photo === null
        const began = performance.now()
        return { began, frame: await current.detect(await grabFrame(element), { crop: true, photo: wantPhoto }) }
      },
      use: async ({ began, frame }) => {
        if (!running) return
        inferenceMs.value = average(inferenceMs.value, frame.inferenceMs)
        frameMs.value = average(frameMs.value, performance.now() - began)
        analysed.value++
        await handle(frame, performance.now())
      },
      broken: (error) => {
        console.error('Face inference keeps failing:', error)
        running = false
        problem.value = 'engine'
        status.value = 'error'
      },
    })
  }

  async function handle(frame: FrameResult, now: number): Promise<void> {
    if (!run) return
    const quality = checkFaceQuality(frame.faces, frame)
    const face = quality.faceIndex === null ? null : (frame.faces[quality.faceIndex] ?? null)
    box.value = face
      ? { x: face.box.x / frame.width, y: face.box.y / frame.height, width: face.box.width / frame.width, height: face.box.height / frame.height, ok: quality.ok }
      : null
    const moving = faceMovement(previousBox, face?.box ?? null) > MOVING_THRESHOLD
    previousBox = face?.box ?? null
    const yaw = face ? estimateYaw(face.landmarks) : null
    const frontal = yaw !== null && Math.abs(yaw) <= DEFAULT_LIVENESS_OPTIONS.frontalYaw
    const steady = quality.ok && frontal && !moving
    if (frame.photo && steady) photo ??= frame.photo

    const state = run.feed({
      t: now,
      landmarks: livenessLandmarks(quality, frame.faces),
      image: frame.crop,
      // The reference photo comes from the same moments as the frontal evidence frames.
      steady: steady && (options.photo !== true || photo !== null),
      faceLost: quality.reason === 'no_face' || quality.reason === 'multiple_faces',
    })
    liveness.value = state.liveness
    captured.value = state.after
    if (state.notice) showNotice(state.notice)
    if (state.stage === 'liveness' && status.value === 'capture') photo = null
    if (state.stage === 'done') {
      await finish()
      return
    }
    if (state.stage === 'failed') {
      running = false
      status.value = 'failed'
    } else {
      status.value = state.stage === 'after' ? 'capture' : 'liveness'
    }
    const stage: ScanStage = status.value === 'capture' ? 'capture' : 'liveness'
    hint.value = selectHint({ stage, quality, liveness: liveness.value, moving, frontal })
  }

  async function finish(): Promise<void> {
    running = false
    const kept = run?.frames() ?? []
    const current = challenge.value
    const preview = kept[kept.length - 1]?.image
    if (!current || !preview || (options.photo && !photo)) {
      beginRun()
      void loop()
      return
    }
    const evidence = storedEvidence(current, await Promise.all(kept.map(async (k) => ({ t: k.t, jpeg: await k.image.arrayBuffer() }))))
    result.value = { challenge: current, frames: kept, evidence, photo: photo ? await blobToDataUrl(photo) : null, preview }
    hint.value = 'done'
    status.value = 'done'
    stop()
  }

  /** After a failed challenge: a new challenge on the running camera (or a fresh start after an error). */
  async function retry(): Promise<void> {
    if (status.value === 'error') {
      await start()
      return
    }
    if (!engine || running) return
    status.value = 'loading'
    if (!(await takeChallenge(options.challenge())) || camera.disposed()) return
    beginRun()
    void loop()
  }

  function stop(): void {
    running = false
    camera.close()
  }

  // The stream closes itself on unmount (useCameraStream); the inference and the notice stop with it.
  onBeforeUnmount(() => {
    if (noticeTimer) clearTimeout(noticeTimer)
    stop()
  })

  const step = computed(() => {
    const state = liveness.value
    return state ? Math.min(state.step + 1, state.steps.length) : 0
  })
  const steps = computed(() => liveness.value?.steps.length ?? challenge.value?.steps.length ?? 0)

  return {
    status: readonly(status),
    problem: readonly(problem),
    challengeError,
    challenge,
    progress: readonly(progress),
    download,
    hint: readonly(hint),
    notice: readonly(notice),
    box: readonly(box),
    liveness,
    step,
    steps,
    captured: readonly(captured),
    needed,
    result,
    engineInfo,
    inferenceMs: readonly(inferenceMs),
    frameMs: readonly(frameMs),
    analysed: readonly(analysed),
    start,
    retry,
    stop,
  }
}
