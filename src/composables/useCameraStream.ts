// The one owner of a camera screen's stream, for the member's face capture (useFaceScanner) and the kiosk
// (useKioskCamera): opens the camera into the screen's <video>, says in one word why it could not (denied, not found,
// in use...), stops every track when asked and when the screen goes away, and hands the playing video's frames to an
// analysis one at a time, so the preview (a plain <video>) stays fluid whatever the analysis costs.
import { onBeforeUnmount, type Ref } from 'vue'
import { attachFrontCamera, CameraError, type CameraOptions, type CameraProblem, stopStream } from '~/face/camera'

/** Consecutive failed frames before the analysis is declared broken. */
const MAX_FRAME_ERRORS = 5

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * At most one frame analysed per this many ms (10 a second). The liveness turns, the kiosk's tracker and the evidence
 * (frames at least 200 ms apart) need no more, and a device that analyses a frame quicker (40 ms in desktop Chromium)
 * would otherwise run its processor flat out for the whole scan: heat and battery on a phone, on a tablet at a gate all
 * day. A cheap phone (150-300 ms a frame) is never held back.
 */
export const ANALYSIS_INTERVAL_MS = 100

export interface FrameLoop<T> {
  /** The loop runs while this holds. */
  active: () => boolean
  /** No frame is analysed while this holds (the preview keeps running). */
  held?: () => boolean
  /** Pause, ms, while the video has no frame yet (or the loop is held). */
  idleMs: number
  /** A frame's analysis starts at least this long after the previous one's (default ANALYSIS_INTERVAL_MS). */
  intervalMs?: number
  /** One frame's analysis; a throw counts towards MAX_FRAME_ERRORS. */
  analyse: (video: HTMLVideoElement) => Promise<T>
  /** What is done with a frame's result, outside the error count. */
  use: (result: T) => Promise<void> | void
  /** MAX_FRAME_ERRORS frames in a row failed: the loop has ended. */
  broken: (error: unknown) => void
}

export function useCameraStream(video: Ref<HTMLVideoElement | null>) {
  let stream: MediaStream | null = null
  let disposed = false

  /** Plays the camera in the video (replacing any stream already open). Null once it plays, else why it did not. */
  async function open(options?: CameraOptions): Promise<CameraProblem | null> {
    try {
      stream = await attachFrontCamera(video.value, stream, options)
      return null
    } catch (error) {
      stream = null
      return error instanceof CameraError ? error.problem : 'unknown'
    }
  }

  /** Stops the camera's tracks and empties the video. */
  function close(): void {
    stopStream(stream)
    stream = null
    if (video.value) video.value.srcObject = null
  }

  /** Analyses the video's frames one at a time until `loop.active()` turns false or the analysis breaks. */
  async function eachFrame<T>(loop: FrameLoop<T>): Promise<void> {
    let errors = 0
    const interval = loop.intervalMs ?? ANALYSIS_INTERVAL_MS
    let last = -Infinity
    while (loop.active()) {
      const element = video.value
      if (loop.held?.() || !element || element.readyState < 2 || !element.videoWidth) {
        await sleep(loop.idleMs)
        continue
      }
      const wait = last + interval - performance.now()
      if (wait > 0) {
        await sleep(wait)
        continue // the screen may have moved on meanwhile
      }
      last = performance.now()
      let result: T
      try {
        result = await loop.analyse(element)
        errors = 0
      } catch (error) {
        if (++errors >= MAX_FRAME_ERRORS) {
          loop.broken(error)
          return
        }
        await sleep(100)
        continue
      }
      await loop.use(result)
    }
  }

  onBeforeUnmount(() => {
    disposed = true
    close()
  })

  return {
    open,
    close,
    eachFrame,
    /** The screen went away: a start still awaiting the camera or the models must close what it opened and stop. */
    disposed: () => disposed,
  }
}
