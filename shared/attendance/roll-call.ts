// Roll-call from one photo (issue 14 item 5), the wire format shared by the tablet and the server.
//
// A petugas (or anyone whose role has attendance:record:create on an enrolled tablet) photographs a class or a meeting.
// The tablet finds every face, names them against the kiosk gallery with a one-to-one assignment
// (shared/face/assign.ts), lets the petugas fix any box, and sends ONE request: the photo once, and per face its box
// and the member the tablet (or the petugas) named, or null for a face nobody could name. Everything in it is a claim:
// the server records each named member as a capture whose evidence is this photo and that box, and its job re-detects
// the faces in the photo itself and checks, face by face, that the face at the box is that member (clear of everyone
// else by the margin). A group photo proves faces, not liveness: the petugas who took it is the witness, and the
// checklist says so (liveness 'witnessed', a caveat: those days wait for a person's review).
import { z } from 'zod'
import { iou as boxIou } from '../face/tiles'
import { ATTENDANCE_KINDS } from './sync'
import { pgDouble, pgInstant, pgReal, pgText, pgUuid, rowId } from '../validation'
import type { ApprovalStatus } from './statuses'

/** Faces one roll-call may name (a large class); more faces than this: take two photos. */
export const ROLL_CALL_MAX_FACES = 60
/** The photo's longer side, px (the tablet scales it down to this; faces of a class photo need the pixels). */
export const ROLL_CALL_PHOTO_MAX_SIDE = 2048
/** Largest accepted photo, base64 characters (~2 MB of JPEG: the server's photo limit). */
export const ROLL_CALL_PHOTO_MAX_CHARS = 2_800_000
/** Two claimed boxes overlapping more than this (intersection over union) are one face claimed twice. */
export const ROLL_CALL_SAME_FACE_IOU = 0.4

export const rollCallBoxSchema = z.object({
  x: z.number().min(0).max(100_000),
  y: z.number().min(0).max(100_000),
  width: z.number().positive().max(100_000),
  height: z.number().positive().max(100_000),
})
export type RollCallBox = z.infer<typeof rollCallBoxSchema>

export const rollCallFaceSchema = z.object({
  /** The face's box in the photo's pixels (as sent, after any scaling the tablet did). */
  box: rollCallBoxSchema,
  /** The member named for this face, or null: a face nobody could name (kept in the count, nobody recorded). */
  member_id: rowId.nullable(),
  /** How the tablet named it: its own match ('recognised') or the petugas's tap ('chosen'). A claim, stored as such. */
  named_by: z.enum(['recognised', 'chosen']).optional(),
  /** The tablet's own distance for the member named: stored as its claim, never used for a decision. */
  distance: pgReal(0, 4).optional(),
})
export type RollCallFace = z.infer<typeof rollCallFaceSchema>

export const base64Photo = z
  .string()
  .min(64)
  .max(ROLL_CALL_PHOTO_MAX_CHARS)
  .regex(/^(data:image\/(jpeg|png|webp);base64,)?[A-Za-z0-9+/]+={0,2}$/, 'Not a base64 image')

/** Intersection over union of two boxes: the one IoU of the tablet's and the server's group detection (shared/face/tiles.ts). */
export { boxIou }

export const rollCallSchema = z
  .object({
    /** A UUID made on the tablet when the photo was confirmed: the idempotency key (sent again: "duplicate"). */
    client_id: pgUuid,
    device_id: pgText(100, { trim: true, min: 1 }),
    /** The tablet's clock when it sent the request (its skew is measured from it, as for a sync batch). */
    sent_at: pgInstant,
    /** The tablet's clock when the photo was taken. */
    captured_at: pgInstant,
    /** The petugas who took the photo (their member id): must be the signed-in petugas. */
    recorded_by: rowId.optional(),
    kind: z.enum(ATTENDANCE_KINDS),
    location_id: rowId.optional(),
    latitude: pgDouble(-90, 90).optional(),
    longitude: pgDouble(-180, 180).optional(),
    accuracy: pgReal(0, 1_000_000).optional(),
    /** The photo, JPEG (or PNG/WebP), base64, optionally as a data URL; at most ROLL_CALL_PHOTO_MAX_SIDE px a side. */
    photo: base64Photo,
    faces: z.array(rollCallFaceSchema).min(1).max(ROLL_CALL_MAX_FACES),
  })
  .superRefine((r, ctx) => {
    const seen = new Map<number, number>()
    r.faces.forEach((f, i) => {
      if (f.member_id === null) return
      const before = seen.get(f.member_id)
      if (before !== undefined) ctx.addIssue({ code: 'custom', path: ['faces', i, 'member_id'], message: `Member ${f.member_id} is named twice (faces ${before + 1} and ${i + 1}): one face per member` })
      else seen.set(f.member_id, i)
    })
    for (let i = 0; i < r.faces.length; i++) {
      for (let j = 0; j < i; j++) {
        if (boxIou(r.faces[i]!.box, r.faces[j]!.box) > ROLL_CALL_SAME_FACE_IOU) {
          ctx.addIssue({ code: 'custom', path: ['faces', i, 'box'], message: `Faces ${j + 1} and ${i + 1} are the same face: one name per face` })
        }
      }
    }
  })
export type RollCall = z.infer<typeof rollCallSchema>

/** What POST /api/attendance/roll-call answers: per face, in order, what became of it. */
export interface RollCallFaceResult {
  /** Index into the faces sent. */
  face: number
  member_id: number | null
  /** The capture made for this face (null for an unnamed face). */
  client_id: string | null
  /** applied / duplicate / rejected / conflict as for a sync record; 'unnamed' for a face without a member. */
  status: 'applied' | 'duplicate' | 'rejected' | 'conflict' | 'unnamed'
  code?: string
  reason?: string
  record_id?: number
  approval_status?: ApprovalStatus
}

export interface RollCallResult {
  roll_call_id: number
  client_id: string
  /** 'applied' the first time; 'duplicate' when the same roll-call was sent before (the faces answer as then). */
  status: 'applied' | 'duplicate'
  faces: RollCallFaceResult[]
}

export { rollCallFaceClientId } from './roll-call-id'
