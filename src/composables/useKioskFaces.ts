// Face analysis for the kiosk's camera: every frame goes through the face engine (detector, landmarks, descriptor and
// the main face's crop), is matched (1:N identify, or 1:1 verify) and fed to the tracker, which decides when a member
// is recognised. The same frames run that person's liveness challenge (src/kiosk/proof.ts; natural movement, a small
// turn asked for only when the face stays still): once the view asks for proof of a recognised member (`prove`), the
// challenge's prompt is what the screen says, and its evidence
// comes back through `onProof`. Timings are kept for the screen's data attributes.
import { type Ref, ref, shallowRef } from 'vue'
import { DEFAULT_LIVENESS_OPTIONS, estimateYaw, type LivenessPrompt } from '@shared/face/liveness'
import { DEFAULT_FACE_QUALITY, type FaceBox } from '@shared/face/quality'
import { grabFrame } from '~/face/camera'
import type { RunStage } from '~/face/challenge-run'
import { type FaceEngine, loadFaceEngine } from '~/face/engine'
import { type CaptureChallenge, type StoredEvidence, storedEvidence } from '~/face/evidence'
import { faceMovement, livenessLandmarks, MOVING_THRESHOLD } from '~/face/hints'
import type { EngineInfo } from '~/face/protocol'
import { type FramePayload, KIOSK_FACE_QUALITY, kioskQuality, type Matcher, observeFrame } from '~/kiosk/observe'
import { KioskProof } from '~/kiosk/proof'
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
  /** Faces the detector counted in the last frame (the nearest one is read; the box shows which). */
  faces: number
}

/** What the screen asks of the recognised member while their challenge runs. */
export interface KioskAsk {
  memberId: number
  /** look_straight while the movement is awaited; 'move' (a small turn) when the face stays still; 'done' while the last pictures are taken. */
  prompt: LivenessPrompt
  stage: RunStage
}

/** A recognised member's capture, proven live: what a record is made of. */
export interface KioskProven {
  memberId: number
  /** The tracker's best frame: its descriptor and distance are the tablet's claim. */
  distance: number
  descriptor: Float32Array
  /** A frontal crop for the card. */
  preview: Blob | null
  challenge: CaptureChallenge
  evidence: StoredEvidence
}

export function useKioskFaces(
  video: Ref<HTMLVideoElement | null>,
  options: {
    /** How frames are matched now (the gallery may change while the camera runs). */
    matcher: () => Matcher | null
    /** The challenge for the next person (the kiosk keeps one ready), or null while there is none. */
    challenge: () => CaptureChallenge | null
    /** Called with each tracker state; `accepted` states carry the best frame. */
    onState: (state: TrackerState<FramePayload>) => void | Promise<void>
    /** Called once the member `prove` asked for answered their challenge. */
    onProof: (proven: KioskProven) => void | Promise<void>
    tracker?: Partial<TrackerOptions>
  },
) {
  // The challenge replaces the tracker's old "move a little" check: a still photo never changes its yaw.
  const tracker = new FaceTracker<FramePayload>({ minMotion: 0, ...options.tracker })
  const proof = new KioskProof<Blob>()
  const box = shallowRef<FaceBox | null>(null)
  const engineInfo = shallowRef<EngineInfo | null>(null)
  const stats = ref<KioskFaceStats>({ inferenceMs: 0, frameMs: 0, matchMs: 0, faceToAcceptMs: null, frames: 0, faces: 0 })
  /** The recognised member whose liveness the screen waits for, and where their challenge stands. */
  const asking = shallowRef<KioskAsk | null>(null)
  /** Where the challenge of the person in view stands (for the screen's data attributes): "stage phase step yaw". */
  const challengeState = shallowRef('')
  let wanted: { memberId: number; distance: number; payload: FramePayload } | null = null
  let previousBox: FaceBox | null = null
  let engine: FaceEngine | null = null

  const average = (old: number, value: number) => (old === 0 ? value : old * 0.8 + value * 0.2)

  async function handOver(): Promise<void> {
    if (!wanted) return
    const done = proof.proofOf(wanted.memberId)
    if (!done) return
    const { memberId, distance, payload } = wanted
    wanted = null
    asking.value = null
    const frames = await Promise.all(done.frames.map(async (k) => ({ t: k.t, jpeg: await k.image.arrayBuffer() })))
    const preview = done.frames[done.frames.length - 1]?.image ?? payload.crop
    proof.reset()
    await options.onProof({ memberId, distance, descriptor: payload.descriptor, preview, challenge: done.challenge, evidence: storedEvidence(done.challenge, frames) })
  }

  const camera = useKioskCamera(video, {
    async prepare(progress) {
      engine = await loadFaceEngine((p) => progress(p.fraction * 0.6))
      // The recognition model (the kiosk is the one surface that describes faces): fetched now, kept for offline use.
      await engine.prepareRecognition()
      progress(1)
      engineInfo.value = engine.info
    },
    async analyse(element) {
      const matcher = options.matcher()
      if (!engine || !matcher) return sleep(200) // nothing to match against yet (the gallery is loading)
      const began = performance.now()
      const frame = await engine.detect(await grabFrame(element), { descriptor: true, crop: true, quality: KIOSK_FACE_QUALITY })
      if (camera.paused.value) return // the screen moved on while this frame was analysed
      const now = performance.now()
      const { observation, box: faceBox, matchMs } = observeFrame(frame, now, matcher)
      box.value = faceBox
      const s = stats.value
      stats.value = { ...s, inferenceMs: average(s.inferenceMs, frame.inferenceMs), frameMs: average(s.frameMs, now - began), matchMs: matchMs ? average(s.matchMs, matchMs) : s.matchMs, frames: s.frames + 1, faces: frame.faces.filter((f) => f.score >= DEFAULT_FACE_QUALITY.countScore).length }

      // The liveness challenge runs on every frame with a face, whoever it turns out to be.
      const quality = kioskQuality(frame)
      const face = quality.faceIndex === null ? null : (frame.faces[quality.faceIndex] ?? null)
      const moving = faceMovement(previousBox, face?.box ?? null) > MOVING_THRESHOLD
      previousBox = face?.box ?? null
      const yaw = face ? estimateYaw(face.landmarks) : null
      const frontal = yaw !== null && Math.abs(yaw) <= DEFAULT_LIVENESS_OPTIONS.frontalYaw
      const run = proof.feed(
        {
          t: now,
          landmarks: livenessLandmarks(quality, frame.faces),
          image: frame.crop,
          steady: quality.ok && frontal && !moving,
          faceLost: quality.reason === 'no_face' || quality.reason === 'multiple_faces',
          memberId: observation.memberId,
          descriptor: quality.ok && frontal ? frame.descriptor : null,
        },
        options.challenge(),
      )

      // While a recognised member turns, a turned face matching nobody says nothing about who is there.
      const proving = wanted !== null
      const state = proving && observation.memberId === null ? tracker.state : tracker.feed(observation)
      if (state.status === 'accepted') stats.value = { ...stats.value, faceToAcceptMs: state.elapsedMs + stats.value.frameMs }
      if (state.status === 'idle' && (wanted || proof.memberId !== null)) {
        // Gone: whatever was being proven is forgotten.
        wanted = null
        asking.value = null
        proof.reset()
      }
      if (wanted && proof.memberId !== wanted.memberId) {
        // Someone else stepped in front of the camera.
        wanted = null
        asking.value = null
      }
      if (wanted && run) asking.value = { memberId: wanted.memberId, prompt: run.liveness.prompt, stage: run.stage }
      challengeState.value = run ? `${run.stage} ${run.liveness.phase} ${run.liveness.step} ${run.liveness.yaw?.toFixed(2) ?? '-'} ${quality.reason}` : `none ${quality.reason}`
      await options.onState(state)
      await handOver()
    },
  })

  /** Waits for the recognised member's liveness; `onProof` follows once it is seen (often at once: the stepping in). */
  function prove(accepted: Extract<TrackerState<FramePayload>, { status: 'accepted' }>): void {
    if (!accepted.payload) return
    wanted = { memberId: accepted.memberId, distance: accepted.distance, payload: accepted.payload }
    const run = proof.memberId === accepted.memberId ? proof.state : null
    asking.value = { memberId: accepted.memberId, prompt: run?.liveness.prompt ?? 'look_straight', stage: run?.stage ?? 'liveness' }
  }

  /** Start over (after a record, or when the person on screen changed). */
  function reset(): void {
    tracker.reset()
    proof.reset()
    wanted = null
    asking.value = null
    box.value = null
  }

  return { ...camera, box, engineInfo, stats, asking, challengeState, prove, reset }
}
