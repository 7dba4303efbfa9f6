import { z } from 'zod'

const encoding = z.string().min(1).max(2000)
const image = z.string().min(1).max(3_000_000)

export const faceRegisterInput = z.object({
  face_encoding: encoding,
  face_encodings: z.array(encoding).max(9).optional(),
  face_image: image,
  device_id: z.string().trim().max(100).optional(),
})

export const consentInput = z.object({ version: z.string().max(40), device_id: z.string().trim().max(100).optional() })

export const verifyInput = z.object({ face_encoding: encoding, organization_id: z.number().int().positive() })

export const faceLoginInput = z.object({
  organization_id: z.number().int().positive(),
  member_id: z.number().int().positive(),
  face_encoding: encoding,
})

export const memberIdParam = z.object({ memberId: z.coerce.number().int().positive() })

export const settingsPatch = z
  .object({
    face_threshold: z.number().min(0.3).max(0.7).optional(),
    face_margin: z.number().min(0).max(0.3).optional(),
    face_reverify_photos: z.boolean().optional(),
    photo_retention_days: z.number().int().min(1).max(3650).optional(),
    geofence_policy: z.enum(['refuse', 'flag']).optional(),
    forgotten_checkout_rule: z.enum(['close_at_schedule_end', 'leave_open']).optional(),
    offline_window_hours: z.number().int().min(1).max(24 * 31).optional(),
    offline_review: z.enum(['always', 'phones', 'never']).optional(),
  })
  .strict()
