// One analysed camera frame as the tracker sees it: the quality gates' verdict, the head's yaw, and whom the
// descriptor matched (1:N identify for kiosk mode, 1:1 verify after a search or a QR code).
import { estimateYaw } from '@shared/face/liveness'
import { type FaceGallery, identify, type MatchOptions, verify } from '@shared/face/match'
import { checkFaceQuality, type FaceBox, type FaceQualityOptions, type FaceQualityResult } from '@shared/face/quality'
import type { FrameResult } from '~/face/protocol'
import type { Observation } from './tracker'

export interface FramePayload {
  descriptor: Float32Array
  /** The frame's face crop (JPEG), shown on the kiosk's card. */
  crop: Blob | null
}

/**
 * The kiosk reads the nearest of several people in front of it (the largest face; issue 18): another face counts as a
 * rival, and stops the reading with "one at a time", only when it is nearly as large (85% of the nearest one's size,
 * so nobody can tell who is nearer). The phone keeps the stricter default (a second face at half the size is a rival).
 */
export const KIOSK_FACE_QUALITY: Readonly<Partial<FaceQualityOptions>> = Object.freeze({ otherFaceMinRelativeSize: 0.85 })

/** The kiosk's quality gates on one frame's faces. */
export function kioskQuality(frame: Pick<FrameResult, 'faces' | 'width' | 'height'>): FaceQualityResult {
  return checkFaceQuality(frame.faces, frame, KIOSK_FACE_QUALITY)
}

export type Matcher = (probe: Float32Array) => { memberId: number | null; distance: number | null }

/** 1:N over the organization's gallery: a member only when identify() accepts (threshold and margin). */
export function identifyMatcher(gallery: FaceGallery, options: MatchOptions): Matcher {
  return (probe) => {
    const hit = identify(gallery, probe, options)
    return hit.verified ? { memberId: hit.memberId, distance: hit.distance } : { memberId: null, distance: hit.distance }
  }
}

/** 1:1 against one member's descriptors (a search or QR result): that member, or nobody. */
export function verifyMatcher(memberId: number, descriptors: readonly Float32Array[], threshold: number): Matcher {
  return (probe) => {
    const result = verify(descriptors, probe, threshold)
    return { memberId: result.verified ? memberId : null, distance: result.distance }
  }
}

export interface FrameObservation {
  observation: Observation<FramePayload>
  /** The main face's box in frame fractions (un-mirrored), for the overlay. */
  box: FaceBox | null
  /** Time spent matching (ms). */
  matchMs: number
}

export function observeFrame(frame: FrameResult, t: number, match: Matcher): FrameObservation {
  const quality = kioskQuality(frame)
  const face = quality.faceIndex === null ? null : (frame.faces[quality.faceIndex] ?? null)
  const box = face ? { x: face.box.x / frame.width, y: face.box.y / frame.height, width: face.box.width / frame.width, height: face.box.height / frame.height } : null
  let memberId: number | null | undefined
  let distance: number | null = null
  let matchMs = 0
  if (frame.descriptor && quality.ok) {
    const started = performance.now()
    try {
      ;({ memberId, distance } = match(frame.descriptor))
    } catch {
      memberId = undefined // an implausible descriptor: this frame says nothing
    }
    matchMs = performance.now() - started
  }
  return {
    observation: {
      t,
      quality: quality.reason,
      memberId,
      distance,
      yaw: face ? estimateYaw(face.landmarks) : null,
      payload: frame.descriptor ? { descriptor: frame.descriptor, crop: frame.crop } : undefined,
    },
    box,
    matchMs,
  }
}
