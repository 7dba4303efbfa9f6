import { z } from 'zod'
import { FACE_MARGIN_RANGE, FACE_THRESHOLD_RANGE } from '../../../shared/face/match'
import { FACE_ENCODING_MAX_CHARS } from '../../../shared/face/descriptor'
import { evidenceSchema } from '../../../shared/attendance/evidence'
import { pgDouble, pgInt, pgText, rowId, rowIdParam } from '../../../shared/validation'

const encoding = pgText(FACE_ENCODING_MAX_CHARS, { min: 1 })
const image = pgText(3_000_000, { min: 1 })

/**
 * Registration: the evidence of a server-issued challenge (purpose 'register'), from whose frames the server derives
 * the member's templates itself, and the reference photo. No descriptor from the device is taken.
 */
export const faceRegisterInput = z.object({
  evidence: evidenceSchema,
  face_image: image,
  device_id: pgText(100, { trim: true }).optional(),
})

export const consentInput = z.object({ version: pgText(40), device_id: pgText(100, { trim: true }).optional() })

export const verifyInput = z.object({ face_encoding: encoding, organization_id: rowId })

/** Face sign-in: the evidence of a sign-in challenge, never a bare descriptor. */
export const faceLoginInput = z.object({
  organization_id: rowId,
  member_id: rowId,
  evidence: evidenceSchema,
})

export const loginChallengeInput = z.object({ organization_id: rowId, member_id: rowId })

export const memberIdParam = z.object({ memberId: rowIdParam })

export const settingsPatch = z
  .object({
    face_threshold: pgDouble(FACE_THRESHOLD_RANGE.min, FACE_THRESHOLD_RANGE.max).optional(),
    face_margin: pgDouble(FACE_MARGIN_RANGE.min, FACE_MARGIN_RANGE.max).optional(),
    face_reverify_photos: z.boolean().optional(),
    kiosk_gallery: z.enum(['organization', 'department']).optional(),
    photo_retention_days: pgInt(1, 3650).optional(),
    geofence_policy: z.enum(['refuse', 'flag']).optional(),
    forgotten_checkout_rule: z.enum(['close_at_schedule_end', 'leave_open']).optional(),
    offline_window_hours: pgInt(1, 24 * 31).optional(),
    offline_review: z.enum(['always', 'phones', 'never']).optional(),
  })
  .strict()
