// The one owner of a camera screen's stream, for the member's face capture (useFaceScanner) and the kiosk
// (useKioskCamera): opens the camera into the screen's <video>, says in one word why it could not (denied, not found,
// in use...), stops every track when asked and when the screen goes away.
import { onBeforeUnmount, type Ref } from 'vue'
import { attachFrontCamera, CameraError, type CameraOptions, type CameraProblem, stopStream } from '~/face/camera'

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

  onBeforeUnmount(() => {
    disposed = true
    close()
  })

  return {
    open,
    close,
    /** The screen went away: a start still awaiting the camera or the models must close what it opened and stop. */
    disposed: () => disposed,
  }
}
