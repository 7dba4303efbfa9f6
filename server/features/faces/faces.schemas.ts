import { z } from 'zod'
import { FACE_ENCODING_MAX_CHARS } from '../../../shared/face/descriptor'
import { evidenceSchema } from '../../../shared/attendance/evidence'
import { pgText, rowId, rowIdParam } from '../../../shared/validation'

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
