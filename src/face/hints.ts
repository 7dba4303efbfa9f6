// What the camera screen tells the member, in one word-key at a time (translated under face.hint.*).
// Pure: the quality gates' verdict on the frame, where the liveness challenge stands, and whether the face is moving.
import type { FaceBox, FaceQualityResult, LivenessState, Point } from './types'

export type FaceHint =
  | 'no_face'
  | 'one_face'
  | 'move_closer'
  | 'more_light'
  | 'look_straight'
  | 'turn_left'
  | 'turn_right'
  | 'hold_still'
  | 'capturing'
  | 'done'

export type ScanStage = 'liveness' | 'capture' | 'done'

export interface HintInput {
  stage: ScanStage
  quality: FaceQualityResult
  liveness: Pick<LivenessState, 'prompt' | 'phase' | 'status'> | null
  /** The face moved noticeably since the previous frame. */
  moving: boolean
  /** The face looks straight at the camera (|yaw| within the frontal range). */
  frontal: boolean
}

export function selectHint({ stage, quality, liveness, moving, frontal }: HintInput): FaceHint {
  if (stage === 'done') return 'done'
  if (quality.reason === 'no_face') return 'no_face'
  if (quality.reason === 'multiple_faces') return 'one_face'
  // A turned head scores lower and looks narrower: while the member is turning, ask for the turn, not for light.
  const turning = stage === 'liveness' && liveness?.status === 'pending' && liveness.phase !== 'center'
  if (!turning) {
    if (quality.reason === 'too_small') return 'move_closer'
    if (quality.reason === 'low_confidence') return 'more_light'
  }
  if (stage === 'liveness') {
    const prompt = liveness?.prompt ?? 'look_straight'
    // 'move' is the kiosk's (a phone's challenge is always turns): looking at the camera is what it needs first.
    return prompt === 'done' ? 'hold_still' : prompt === 'move' ? 'look_straight' : prompt
  }
  if (!frontal) return 'look_straight'
  if (moving) return 'hold_still'
  return 'capturing'
}

/**
 * The landmarks the liveness challenge may use from this frame: those of the one face, when it is big enough to
 * measure. A low detector score is tolerated (turned heads score lower); a missing, small or second face is not.
 */
export function livenessLandmarks(quality: FaceQualityResult, faces: readonly { landmarks: readonly Point[] }[]): readonly Point[] | null {
  if (quality.faceIndex === null || (quality.reason !== 'ok' && quality.reason !== 'low_confidence')) return null
  return faces[quality.faceIndex]?.landmarks ?? null
}

/** How far the face box moved between two frames, relative to the face's size (centre shift plus size change). */
export function faceMovement(previous: FaceBox | null, current: FaceBox | null): number {
  if (!previous || !current || !(current.width > 0)) return Number.POSITIVE_INFINITY
  const dx = previous.x + previous.width / 2 - (current.x + current.width / 2)
  const dy = previous.y + previous.height / 2 - (current.y + current.height / 2)
  return Math.hypot(dx, dy) / current.width + Math.abs(previous.width - current.width) / current.width
}

/** Movement above this (6% of the face width between frames) counts as moving: captures would blur or misalign. */
export const MOVING_THRESHOLD = 0.06
