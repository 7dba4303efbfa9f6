// Face analysis for the kiosk's camera: every frame goes through the face engine (detector, landmarks, descriptor
// and a JPEG of the frame when the face passes the quality gates), is matched (1:N identify, or 1:1 verify), and fed
// to the tracker, which decides when a member is recognised. Timings are kept for the screen's data attributes.
import { type Ref, ref, shallowRef } from 'vue'
import type { FaceBox } from '@shared/face/quality'
import { grabFrame } from '~/face/camera'
import { type FaceEngine, loadFaceEngine } from '~/face/engine'
import type { EngineInfo } from '~/face/protocol'
import { type FramePayload, type Matcher, observeFrame } from '~/kiosk/observe'
import { FaceTracker, type TrackerOptions, type TrackerState } from '~/kiosk/tracker'
import { useKioskCamera } from './useKioskCamera'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface KioskFaceStats {
  /** Moving averages, ms: inference in the engine, a whole frame round trip, and the matching alone. */
  inferenceMs: number
  frameMs: number
  matchMs: number
  /**
   * For the last accepted face: from the moment its first matching frame was grabbed to the acceptance (the tracker's
   * span over the matching frames plus that first frame's round trip).
   */
  faceToAcceptMs: number | null
  frames: number
}

export function useKioskFaces(
  video: Ref<HTMLVideoElement | null>,
  options: {
    /** How frames are matched now (the gallery may change while the camera runs). */
    matcher: () => Matcher | null
    /** Called with each tracker state; `accepted` states carry the best frame. */
    onState: (state: TrackerState<FramePayload>) => void | Promise<void>
    tracker?: Partial<TrackerOptions>
  },
) {
  const tracker = new FaceTracker<FramePayload>(options.tracker)
  const box = shallowRef<FaceBox | null>(null)
  const engineInfo = shallowRef<EngineInfo | null>(null)
  const stats = ref<KioskFaceStats>({ inferenceMs: 0, frameMs: 0, matchMs: 0, faceToAcceptMs: null, frames: 0 })
  let engine: FaceEngine | null = null

  const average = (old: number, value: number) => (old === 0 ? value : old * 0.8 + value * 0.2)

  const camera = useKioskCamera(video, {
    async prepare(progress) {
      engine = await loadFaceEngine((p) => progress(p.fraction))
      engineInfo.value = engine.info
    },
    async analyse(element) {
      const matcher = options.matcher()
      if (!engine || !matcher) return sleep(200) // nothing to match against yet (the gallery is loading)
      const began = performance.now()
      const frame = await engine.detect(await grabFrame(element), { descriptor: true, photo: true })
      if (camera.paused.value) return // the screen moved on while this frame was analysed
      const { observation, box: faceBox, matchMs } = observeFrame(frame, performance.now(), matcher)
      box.value = faceBox
      const s = stats.value
      stats.value = { ...s, inferenceMs: average(s.inferenceMs, frame.inferenceMs), frameMs: average(s.frameMs, performance.now() - began), matchMs: matchMs ? average(s.matchMs, matchMs) : s.matchMs, frames: s.frames + 1 }
      const state = tracker.feed(observation)
      if (state.status === 'accepted') stats.value = { ...stats.value, faceToAcceptMs: state.elapsedMs + stats.value.frameMs }
      await options.onState(state)
    },
  })

  /** Start over (after a record, or when the person on screen changed). */
  function reset(): void {
    tracker.reset()
    box.value = null
  }

  return { ...camera, box, engineInfo, stats, reset }
}
