// What every live camera screen (the member's face capture, the kiosk, roll-call) does with its <video>: keep the stage
// at the camera's own aspect ratio, and place the face box over a preview that may be mirrored.
import { computed, ref, type Ref } from 'vue'

/** A face box as a fraction of the frame (0..1), un-mirrored as the detector gives it. */
export interface PreviewBox {
  x: number
  y: number
  width: number
  height: number
}

/** The box's CSS position over a mirrored preview (left and right swapped). */
export function boxStyle(box: PreviewBox | null | undefined): Record<string, string> {
  if (!box) return {}
  return { left: `${(1 - box.x - box.width) * 100}%`, top: `${box.y * 100}%`, width: `${box.width * 100}%`, height: `${box.height * 100}%` }
}

export function useCameraPreview(video: Ref<HTMLVideoElement | null>, options: { box: () => PreviewBox | null | undefined; progress: () => number }) {
  const aspect = ref(4 / 3)
  /** On the video's loadedmetadata and resize: the stage takes the camera's aspect ratio. */
  function onVideoSize(): void {
    const element = video.value
    if (element?.videoWidth && element.videoHeight) aspect.value = element.videoWidth / element.videoHeight
  }
  return {
    stageStyle: computed(() => ({ aspectRatio: String(aspect.value) })),
    onVideoSize,
    boxStyle: computed(() => boxStyle(options.box())),
    percent: computed(() => Math.round(options.progress() * 100)),
  }
}
