// The kiosk's camera: opens the front camera (./useCameraStream.ts), then runs one analyser (face inference, or the QR
// reader) on its frames for as long as the screen is open, one frame in flight at a time.
import { onBeforeUnmount, readonly, ref, type Ref } from 'vue'
import type { CameraOptions, CameraProblem } from '~/face/camera'
import { sleep, useCameraStream } from './useCameraStream'

export type KioskCameraStatus = 'idle' | 'camera' | 'loading' | 'running' | 'error'
export type KioskCameraProblem = CameraProblem | 'engine'

export interface FrameAnalyser {
  /** Prepares what the analysis needs (the face models); reports 0..1. Throws when it cannot. */
  prepare?: (progress: (fraction: number) => void) => Promise<void>
  /** Analyses the video's current frame. Without it the camera only shows its preview (roll-call takes one photo). */
  analyse?: (video: HTMLVideoElement) => Promise<void>
  /** Pause between frames, ms (the QR reader does not need every frame). */
  intervalMs?: number
}

export function useKioskCamera(video: Ref<HTMLVideoElement | null>, analyser: FrameAnalyser, options: { camera?: () => CameraOptions } = {}) {
  const status = ref<KioskCameraStatus>('idle')
  const problem = ref<KioskCameraProblem | null>(null)
  const progress = ref(0)
  /** While paused the camera stays open (the preview keeps running) but no frame is analysed. */
  const paused = ref(false)
  const camera = useCameraStream(video)
  let running = false

  async function start(): Promise<void> {
    if (running || camera.disposed()) return
    problem.value = null
    status.value = 'camera'
    const cameraProblem = await camera.open(options.camera?.())
    if (cameraProblem) {
      problem.value = cameraProblem
      status.value = 'error'
      return
    }
    if (camera.disposed()) return stop()
    if (analyser.prepare) {
      status.value = 'loading'
      try {
        await analyser.prepare((f) => (progress.value = f))
      } catch (error) {
        console.error('Kiosk camera analysis could not start:', error)
        problem.value = 'engine'
        status.value = 'error'
        return
      }
      if (camera.disposed()) return stop()
    }
    status.value = 'running'
    if (analyser.analyse) void loop()
  }

  async function loop(): Promise<void> {
    const analyse = analyser.analyse
    if (!analyse) return
    running = true
    await camera.eachFrame({
      active: () => running,
      held: () => paused.value,
      idleMs: 60,
      analyse: (element) => analyse.call(analyser, element),
      use: () => (analyser.intervalMs ? sleep(analyser.intervalMs) : undefined),
      broken: (error) => {
        console.error('Kiosk camera analysis keeps failing:', error)
        running = false
        problem.value = 'engine'
        status.value = 'error'
      },
    })
  }

  function stop(): void {
    running = false
    camera.close()
    if (status.value !== 'error') status.value = 'idle'
  }

  function retry(): void {
    stop()
    void start()
  }

  // The stream closes itself on unmount (useCameraStream); the analysis stops with it.
  onBeforeUnmount(stop)

  return { status: readonly(status), problem: readonly(problem), progress: readonly(progress), paused, start, stop, retry }
}
