// The front camera, and why it may not open, in words a member can act on (face.camera.*).

export type CameraProblem = 'insecure' | 'unsupported' | 'denied' | 'not_found' | 'in_use' | 'unknown'

/** Classifies a getUserMedia failure. */
export function cameraProblem(error: unknown): CameraProblem {
  const name = error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? (error as Error).name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied'
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'not_found'
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in_use'
    default:
      return 'unknown'
  }
}

export class CameraError extends Error {
  readonly problem: CameraProblem
  constructor(problem: CameraProblem, cause?: unknown) {
    super(`camera: ${problem}`, { cause })
    this.name = 'CameraError'
    this.problem = problem
  }
}

/** Frames bigger than this are scaled down before inference: a 640 px frame is plenty for a face at arm's length. */
export const MAX_FRAME_WIDTH = 640

/** Which camera, at which resolution. The default is the front camera at 640x480 (a face at arm's length). */
export interface CameraOptions {
  /** 'user': the front camera; 'environment': the back one (a class photo). A preference: any camera will do. */
  facing?: 'user' | 'environment'
  /** Preferred frame size; the camera gives what it has closest to it. */
  width?: number
  height?: number
}

/** The getUserMedia constraints for these options (all preferences, never requirements: any camera opens). */
export function cameraConstraints(options: CameraOptions = {}): MediaStreamConstraints {
  return {
    audio: false,
    video: { facingMode: options.facing ?? 'user', width: { ideal: options.width ?? 640 }, height: { ideal: options.height ?? 480 }, frameRate: { ideal: 30 } },
  }
}

/** Opens the front camera (640x480 preferred), or the camera `options` ask for. Throws CameraError. */
export async function openFrontCamera(options: CameraOptions = {}): Promise<MediaStream> {
  if (typeof window !== 'undefined' && !window.isSecureContext) throw new CameraError('insecure')
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('unsupported')
  try {
    return await navigator.mediaDevices.getUserMedia(cameraConstraints(options))
  } catch (error) {
    throw new CameraError(cameraProblem(error), error)
  }
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop()
}

/**
 * Replaces `previous` with the front camera playing muted in `video`. On any failure nothing is left open and a
 * CameraError says why (denied, not found, in use...).
 */
export async function attachFrontCamera(video: HTMLVideoElement | null, previous: MediaStream | null, options: CameraOptions = {}): Promise<MediaStream> {
  stopStream(previous)
  let stream: MediaStream | null = null
  try {
    stream = await openFrontCamera(options)
    if (!video) throw new CameraError('unknown')
    video.srcObject = stream
    video.muted = true
    await video.play()
    return stream
  } catch (error) {
    stopStream(stream)
    throw error instanceof CameraError ? error : new CameraError('unknown', error)
  }
}

/**
 * A bitmap of the video's current frame, scaled down to `maxWidth` (default MAX_FRAME_WIDTH) when the camera
 * delivers more.
 */
export function grabFrame(video: HTMLVideoElement, maxWidth = MAX_FRAME_WIDTH): Promise<ImageBitmap> {
  const { videoWidth: width, videoHeight: height } = video
  if (width <= maxWidth) return createImageBitmap(video)
  const scale = maxWidth / width
  return createImageBitmap(video, { resizeWidth: maxWidth, resizeHeight: Math.round(height * scale), resizeQuality: maxWidth > MAX_FRAME_WIDTH ? 'high' : 'medium' })
}
