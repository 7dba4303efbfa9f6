// The evidence a device sends with every face capture (attendance from a phone or a kiosk, face registration, face
// sign-in), and the assurance the server concludes from it. Shared by the PWA (which builds it) and the server (which
// checks it). Nothing here is trusted because the device said it: the server re-derives every face, landmark and
// descriptor from the images and decides by itself (DESIGN.md, "Never trust the client").
//
// What a device sends: the face images of the liveness challenge it answered (a tight crop around the face of each key
// frame, JPEG), in order, with their times, and which challenge it answered: one the server issued (online, a nonce
// that answers once and expires) or one it drew itself (offline, marked as such).
import { z } from 'zod'
import { chooseChallenge } from '../face/liveness'

/** A head turn one way, or (the kiosk only) 'move': any natural movement of the head (shared/face/liveness.ts). */
export const LIVENESS_STEPS = ['turn_left', 'turn_right', 'move'] as const
export type LivenessStep = (typeof LIVENESS_STEPS)[number]

/** Why a challenge is asked for: each purpose has its own number of steps and its own lifetime. */
export const CHALLENGE_PURPOSES = ['attendance', 'kiosk', 'register', 'login'] as const
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number]

/**
 * Head turns asked for per purpose. A check-in (phone or kiosk) is one turn, its direction drawn at random by the
 * server: with the challenge's single use, its expiry and the server's own analysis of every frame, that is what a
 * member standing in front of the phone does in a few seconds (issue 18: "a single short turn"). Registration, which
 * sets the face every later capture is compared with, asks for two.
 */
export const CHALLENGE_STEPS: Readonly<Record<ChallengePurpose, number>> = Object.freeze({ attendance: 1, kiosk: 1, register: 2, login: 1 })

/**
 * The steps of a new challenge for `purpose`: random turns for a phone (attendance, registration, sign-in); for the
 * kiosk, one 'move' step, passed by the natural movement of a pupil stepping in and looking at the tablet (issue 18:
 * nobody in a queue at a staffed gate is asked to do anything). What the kiosk gives up for it is the direction
 * nobody could know in advance (see shared/face/liveness.ts): a petugas watches the gate. `random` returns [0, 1).
 */
export function challengeSteps(purpose: ChallengePurpose, random: () => number): LivenessStep[] {
  if (purpose === 'kiosk') return ['move']
  return chooseChallenge(random, CHALLENGE_STEPS[purpose])
}

/** Whether a capture's steps are what its source may answer: 'move' only from a kiosk (a phone always turns). */
export function stepsAllowed(steps: readonly LivenessStep[], source: 'phone' | 'kiosk'): boolean {
  return source === 'kiosk' || !steps.includes('move')
}

/**
 * How long an issued challenge may be answered, from its issue, in ms. The answer is the capture: a record may reach
 * the server later (it waits in the outbox), but it must have been captured within this window.
 */
export const CHALLENGE_TTL_MS: Readonly<Record<ChallengePurpose, number>> = Object.freeze({
  attendance: 3 * 60_000,
  kiosk: 10 * 60_000,
  register: 5 * 60_000,
  login: 3 * 60_000,
})

/** Key frames of one capture: at least the start, each turn and each return; a few frontal frames after. */
export const EVIDENCE_MIN_FRAMES = 3
export const EVIDENCE_MAX_FRAMES = 12
/** Crop sent per frame: the face box grown by this factor around its centre, then scaled to at most CROP_SIZE px. */
export const EVIDENCE_CROP_SCALE = 2
export const EVIDENCE_CROP_SIZE = 256
/** Largest accepted frame, in base64 characters (~60 KB of JPEG; a 256 px crop at quality 0.85 is ~10-20 KB). */
export const EVIDENCE_FRAME_MAX_CHARS = 80_000

const base64Jpeg = z
  .string()
  .min(64)
  .max(EVIDENCE_FRAME_MAX_CHARS)
  .regex(/^(data:image\/(jpeg|png|webp);base64,)?[A-Za-z0-9+/]+={0,2}$/, 'Not a base64 image')

export const evidenceFrameSchema = z.object({
  /** ms since the challenge's first frame (device clock, monotonic within the capture). */
  t: z.number().int().min(0).max(600_000),
  /** The face crop, JPEG (or PNG/WebP), base64, optionally as a data URL. */
  image: base64Jpeg,
})
export type EvidenceFrame = z.infer<typeof evidenceFrameSchema>

export const evidenceSchema = z
  .object({
    /** The challenge the server issued (online). Absent: the device drew its own (offline). */
    challenge_id: z.uuid().optional(),
    /** The turns the device asked for, in order (for an issued challenge the server uses its own copy). */
    steps: z.array(z.enum(LIVENESS_STEPS)).min(1).max(4),
    mode: z.enum(['online', 'offline']),
    frames: z.array(evidenceFrameSchema).min(EVIDENCE_MIN_FRAMES).max(EVIDENCE_MAX_FRAMES),
  })
  .refine((e) => (e.mode === 'online') === (e.challenge_id !== undefined), { message: 'An online capture names its challenge; an offline one does not', path: ['challenge_id'] })
  .refine((e) => !e.steps.includes('move') || e.steps.length === 1, { message: 'A \'move\' step is a challenge of its own', path: ['steps'] })
  .refine((e) => e.frames.every((f, i) => i === 0 || f.t >= (e.frames[i - 1] as EvidenceFrame).t), { message: 'Frames must be in time order', path: ['frames'] })
export type Evidence = z.infer<typeof evidenceSchema>

/** What POST /api/attendance/challenge (and /api/mobile/login/challenge) answers. */
export interface IssuedChallenge {
  challenge_id: string
  purpose: ChallengePurpose
  steps: LivenessStep[]
  issued_at: string
  expires_at: string
}

// ---------------------------------------------------------------- assurance: what the server concluded

export const ASSURANCE_LEVELS = ['high', 'medium', 'low', 'failed'] as const
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number]

/** One line of the checklist: passed, passed with a caveat, failed, or could not be checked (nothing to check). */
export type CheckOutcome = 'pass' | 'warn' | 'fail' | 'none'

export interface FaceCheck {
  outcome: CheckOutcome
  /**
   * ok: the frames show this member, clear of everyone else by the margin; low_margin: closest to this member but not
   * by the margin; not_member: someone else (or nobody registered) is closer, or over the threshold; no_face: a frame
   * without one clear face; different_people: the frames do not all show the same person; no_evidence: no images;
   * not_registered: the member has no face registered; confusable: a kiosk capture that matches this member, who is
   * one of the members the recognition can mix up (their templates sit within threshold + margin of another member's),
   * without a valid QR code of theirs as the second factor.
   */
  code: 'ok' | 'low_margin' | 'not_member' | 'no_face' | 'different_people' | 'no_evidence' | 'not_registered' | 'unreadable' | 'confusable'
  /**
   * The second factor a kiosk capture of a confusable member came with: 'qr' their own valid QR code; 'qr_invalid' a
   * code that was forged, expired at the capture time, or another member's. Absent when none was needed or shown.
   */
  second_factor?: 'qr' | 'qr_invalid'
  /** L2 distance of the server's probe to the member's templates, and to the best other member. */
  distance: number | null
  other_distance: number | null
  threshold: number
  margin: number
}

export interface LivenessCheck {
  outcome: CheckOutcome
  /**
   * passed: the server's own landmarks follow the challenge's turns in order; wrong_order / no_turn: they do not;
   * challenge_reused: the nonce already answered another capture; challenge_unknown: not issued to this caller;
   * outside_window: captured after the challenge expired or before it was issued; offline: the device's own challenge
   * (checked the same way, but nobody can tell when it was drawn); no_evidence: no images; witnessed: a roll-call
   * photo, which proves faces but not that they were alive (the petugas who took it is the witness; a caveat).
   */
  code: 'passed' | 'wrong_order' | 'no_turn' | 'challenge_reused' | 'challenge_unknown' | 'outside_window' | 'no_evidence' | 'witnessed'
  mode: 'online' | 'offline' | 'none'
  steps: LivenessStep[]
  frames: number
}

export interface PlaceCheck {
  outcome: CheckOutcome
  /** inside: within a fence; no_fence: the place has no fence to check; no_fix: no coordinates; outside; inaccurate: the fix's accuracy radius is larger than the fence. */
  code: 'inside' | 'no_fence' | 'no_fix' | 'outside' | 'inaccurate'
  distance_m: number | null
  accuracy_m: number | null
  radius_m: number | null
}

export interface TimeCheck {
  outcome: CheckOutcome
  /**
   * ok; skewed: the device clock is off by more than the tolerance; stale: older than the offline window;
   * out_of_order: earlier than the member's last accepted capture; earlier_than_day: would move an accepted check-in
   * of the day earlier; outside_challenge: not within the issued challenge's window.
   */
  code: 'ok' | 'skewed' | 'stale' | 'out_of_order' | 'earlier_than_day' | 'outside_challenge'
  captured_at: string
  received_at: string
  skew_ms: number
}

export interface Assurance {
  version: 1
  level: AssuranceLevel
  evidence: 'online' | 'offline' | 'none'
  face: FaceCheck
  liveness: LivenessCheck
  place: PlaceCheck
  time: TimeCheck
  /** When the server finished its image checks (null while the capture is still being verified). */
  checked_at: string | null
}

/**
 * The overall level from the checklist: any failed check (or no images at all) is 'failed'; any caveat is 'low';
 * everything passed on evidence the device produced offline (its own challenge, its own clock) is 'medium';
 * everything passed on an issued challenge is 'high'.
 */
export function assuranceLevel(a: Pick<Assurance, 'evidence' | 'face' | 'liveness' | 'place' | 'time'>): AssuranceLevel {
  const checks = [a.face, a.liveness, a.place, a.time]
  if (a.evidence === 'none' || (a.face.outcome !== 'pass' && a.face.outcome !== 'warn') || checks.some((c) => c.outcome === 'fail')) return 'failed'
  if (a.liveness.outcome !== 'pass' && a.liveness.outcome !== 'warn') return 'failed'
  if (checks.some((c) => c.outcome === 'warn')) return 'low'
  return a.evidence === 'offline' ? 'medium' : 'high'
}

/** Which levels approve by themselves (organization setting `offline_review`): 'high' always; the rest wait for review. */
export const OFFLINE_REVIEW_POLICIES = ['always', 'phones', 'never'] as const
export type OfflineReviewPolicy = (typeof OFFLINE_REVIEW_POLICIES)[number]

/**
 * Whether a capture with this level is approved without a person looking at it. 'medium' (offline evidence) depends on
 * the organization: 'always' reviews every offline capture, 'phones' (default) only those from members' own phones
 * (a kiosk tablet is enrolled and watched by a petugas), 'never' approves them like online ones.
 */
export function autoApproves(level: AssuranceLevel, policy: OfflineReviewPolicy, source: 'phone' | 'kiosk'): boolean {
  if (level === 'high') return true
  if (level === 'medium') return policy === 'never' || (policy === 'phones' && source === 'kiosk')
  return false
}

/** Defaults of the time rules (organization settings override the offline window). */
export const DEFAULT_OFFLINE_WINDOW_HOURS = 72
/** A capture further in the future than this (server time, after the device's clock correction) is refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000
