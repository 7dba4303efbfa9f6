// The camera screen's brain: opens the front camera, loads the face engine, runs a randomized liveness challenge on
// the frames' landmarks, then collects the registration captures. One frame is in flight at a time, so the preview
// (a plain <video>) stays fluid whatever the inference speed.
import { computed, onBeforeUnmount, readonly, ref, shallowRef, type Ref } from 'vue'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw, LivenessChallenge, type LivenessState } from '@shared/face/liveness'
import { checkFaceQuality } from '@shared/face/quality'
import { attachFrontCamera, CameraError, type CameraProblem, grabFrame, stopStream } from './camera'
import { type Capture, CaptureCollector } from './captures'
import { loadFaceEngine, type FaceEngine } from './engine'
import { faceMovement, type FaceHint, livenessLandmarks, MOVING_THRESHOLD, type ScanStage, selectHint } from './hints'
import type { EngineInfo, FrameResult } from './protocol'
import type { FaceBox } from './types'

export type ScanStatus = 'idle' | 'camera' | 'loading' | 'liveness' | 'capture' | 'done' | 'failed' | 'error'
export type ScanProblem = CameraProblem | 'engine'
export type ScanNotice = 'wrong_way' | 'restarted' | null

export interface ScanResult {
  captures: readonly Capture[]
  /** The first capture's frame as a JPEG data URL (the reference photo). */
  photo: string
}

export interface ScannerOptions {
  /** Random source of the challenge (Math.random; tests may seed the page's Math.random). */
  random?: () => number
  /** Head turns asked for. */
  steps?: number
}

/** The face must stay in view while captures are taken; longer than this without it and the challenge starts over. */
const LOST_FACE_RESTART_MS = 1500
/** Consecutive failed frames before the engine is declared broken. */
const MAX_FRAME_ERRORS = 5

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error ?? new Error('could not read the photo'))
    reader.readAsDataURL(blob)
  })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function useFaceScanner(video: Ref<HTMLVideoElement | null>, options: ScannerOptions = {}) {
  const random = options.random ?? Math.random
  const steps = options.steps ?? 2

  const status = ref<ScanStatus>('idle')
  const problem = ref<ScanProblem | null>(null)
  const progress = ref(0)
  const hint = ref<FaceHint | null>(null)
  const notice = ref<ScanNotice>(null)
  /** The main face's box in frame fractions (0..1, un-mirrored), and whether it passes the quality gates. */
  const box = ref<(FaceBox & { ok: boolean }) | null>(null)
  const liveness = shallowRef<LivenessState | null>(null)
  const captured = ref(0)
  const result = shallowRef<ScanResult | null>(null)
  const engineInfo = shallowRef<EngineInfo | null>(null)
  /** Moving averages, ms: inference alone, and a whole frame round trip (grab, transfer, inference, answer). */
  const inferenceMs = ref(0)
  const frameMs = ref(0)

  const collector = new CaptureCollector()
  const needed = collector.options.needed
  let challenge: LivenessChallenge | null = null
  let stream: MediaStream | null = null
  let engine: FaceEngine | null = null
  let running = false
  let disposed = false
  let previousBox: FaceBox | null = null
  let lostSince: number | null = null
  let noticeTimer: ReturnType<typeof setTimeout> | null = null

  function showNotice(value: Exclude<ScanNotice, null>): void {
    notice.value = value
    if (noticeTimer) clearTimeout(noticeTimer)
    noticeTimer = setTimeout(() => (notice.value = null), 4000)
  }

  function beginChallenge(): void {
    challenge = LivenessChallenge.random(random, steps)
    liveness.value = challenge.state
    collector.reset()
    captured.value = 0
    lostSince = null
    status.value = 'liveness'
  }

  async function start(): Promise<void> {
    if (running || disposed) return
    problem.value = null
    result.value = null
    status.value = 'camera'
    try {
      stream = await attachFrontCamera(video.value, stream)
    } catch (error) {
      stream = null
      problem.value = error instanceof CameraError ? error.problem : 'unknown'
      status.value = 'error'
      return
    }
    if (disposed) return stop()
    status.value = 'loading'
    try {
      engine = await loadFaceEngine((p) => (progress.value = p.fraction))
      engineInfo.value = engine.info
    } catch (error) {
      console.error('Face engine failed to load:', error)
      problem.value = 'engine'
      status.value = 'error'
      return
    }
    if (disposed) return stop()
    beginChallenge()
    void loop()
  }

  async function loop(): Promise<void> {
    running = true
    let errors = 0
    while (running && engine) {
      const element = video.value
      if (!element || element.readyState < 2 || !element.videoWidth) {
        await sleep(50)
        continue
      }
      const capturing = status.value === 'capture'
      const began = performance.now()
      let frame: FrameResult
      try {
        frame = await engine.detect(await grabFrame(element), { descriptor: capturing, photo: capturing && collector.wantsPhoto })
        errors = 0
      } catch (error) {
        if (++errors >= MAX_FRAME_ERRORS) {
          console.error('Face inference keeps failing:', error)
          running = false
          problem.value = 'engine'
          status.value = 'error'
          return
        }
        await sleep(100)
        continue
      }
      if (!running) return
      const average = (old: number, value: number) => (old === 0 ? value : old * 0.8 + value * 0.2)
      inferenceMs.value = average(inferenceMs.value, frame.inferenceMs)
      frameMs.value = average(frameMs.value, performance.now() - began)
      await handle(frame, performance.now())
    }
  }

  async function handle(frame: FrameResult, now: number): Promise<void> {
    const quality = checkFaceQuality(frame.faces, frame)
    const face = quality.faceIndex === null ? null : (frame.faces[quality.faceIndex] ?? null)
    box.value = face
      ? { x: face.box.x / frame.width, y: face.box.y / frame.height, width: face.box.width / frame.width, height: face.box.height / frame.height, ok: quality.ok }
      : null
    const moving = faceMovement(previousBox, face?.box ?? null) > MOVING_THRESHOLD
    previousBox = face?.box ?? null
    const yaw = face ? estimateYaw(face.landmarks) : null
    const frontal = yaw !== null && Math.abs(yaw) <= DEFAULT_LIVENESS_OPTIONS.frontalYaw

    if (status.value === 'liveness' && challenge) {
      const state = challenge.feed({ t: now, landmarks: livenessLandmarks(quality, frame.faces) })
      liveness.value = state
      if (state.status === 'passed') {
        status.value = 'capture'
      } else if (state.status === 'failed') {
        if (state.reason === 'wrong_direction') {
          showNotice('wrong_way')
          beginChallenge()
        } else {
          running = false
          status.value = 'failed'
        }
      }
    } else if (status.value === 'capture') {
      if (quality.reason === 'no_face' || quality.reason === 'multiple_faces') {
        lostSince ??= now
        if (now - lostSince > LOST_FACE_RESTART_MS) {
          // Someone could swap the live face for a photo after the challenge: losing the face means starting over.
          showNotice('restarted')
          beginChallenge()
        }
      } else {
        lostSince = null
      }
      if (frame.descriptor && frontal && !moving) {
        const verdict = collector.offer({ t: now, descriptor: frame.descriptor, photo: frame.photo })
        captured.value = collector.count
        if (verdict === 'inconsistent') {
          showNotice('restarted')
          beginChallenge()
        } else if (verdict === 'complete') {
          await finish()
          return
        }
      }
    }
    const stage: ScanStage = status.value === 'capture' ? 'capture' : status.value === 'done' ? 'done' : 'liveness'
    hint.value = selectHint({ stage, quality, liveness: liveness.value, moving, frontal })
  }

  async function finish(): Promise<void> {
    running = false
    const captures = [...collector.captures]
    const photo = captures[0]?.photo
    if (!photo) return beginChallenge()
    result.value = { captures, photo: await blobToDataUrl(photo) }
    hint.value = 'done'
    status.value = 'done'
    stop()
  }

  /** After a failed challenge: a new random challenge on the running camera. */
  function retry(): void {
    if (status.value === 'error') {
      void start()
      return
    }
    if (!engine || running) return
    beginChallenge()
    void loop()
  }

  function stop(): void {
    running = false
    stopStream(stream)
    stream = null
    if (video.value) video.value.srcObject = null
  }

  onBeforeUnmount(() => {
    disposed = true
    if (noticeTimer) clearTimeout(noticeTimer)
    stop()
  })

  const step = computed(() => {
    const state = liveness.value
    return state ? Math.min(state.step + 1, state.steps.length) : 0
  })

  return {
    status: readonly(status),
    problem: readonly(problem),
    progress: readonly(progress),
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
    start,
    retry,
    stop,
  }
}
