// Evidence checked while the caller waits: face registration and face sign-in happen now (not from an outbox), so
// they need a challenge the server issued and that is still open, and the analysis runs before the answer.
import crypto from 'node:crypto'
import type { AppDeps } from '../../context'
import { AppError, ValidationError } from '../../errors'
import { assertImage, decodePhoto } from '../../face/photos'
import type { Evidence, LivenessStep } from '../../../shared/attendance/evidence'
import { answerChallenge } from '../attendance/challenges'

const CHALLENGE_ERRORS = {
  challenge_unknown: ['CHALLENGE_UNKNOWN', 'This check was not issued for you. Start again.'],
  challenge_reused: ['CHALLENGE_USED', 'This check was already used. Start again.'],
  outside_window: ['CHALLENGE_EXPIRED', 'The check took too long. Start again.'],
} as const

export interface LiveEvidence {
  steps: LivenessStep[]
  analysis: import('../../face/evidence').EvidenceAnalysis
}

/** Frames decoded and confirmed to be images (a clear 4xx naming the frame otherwise). */
export async function decodeFrames(evidence: Evidence): Promise<{ t: number; image: Uint8Array }[]> {
  const out: { t: number; image: Uint8Array }[] = []
  for (const [i, frame] of evidence.frames.entries()) {
    const bytes = decodePhoto(frame.image, `evidence.frames.${i}.image`)
    const { width, height } = await assertImage(bytes)
    if (width > 1024 || height > 1024) throw new ValidationError('Send the face crop, not the whole picture', [{ path: `evidence.frames.${i}.image`, message: 'At most 1024 px' }], 'EVIDENCE_FRAME_TOO_LARGE')
    out.push({ t: frame.t, image: bytes })
  }
  return out
}

/**
 * Answers the server's challenge with this evidence (once: a replay of the same request fails) and analyses the
 * frames. Throws 422 when the challenge is not an open one issued to this member for this purpose.
 */
export async function checkLiveEvidence(
  deps: AppDeps,
  input: { organizationId: number; memberId: number; evidence: Evidence; purpose: 'register' | 'login' },
): Promise<LiveEvidence> {
  const { evidence } = input
  if (evidence.mode !== 'online' || !evidence.challenge_id) {
    throw new ValidationError('Ask for a check first: this needs a connection', [{ path: 'evidence.challenge_id', message: 'Required' }], 'CHALLENGE_REQUIRED')
  }
  const frames = await decodeFrames(evidence)
  const answer = await answerChallenge(deps.database.db, {
    organizationId: input.organizationId,
    id: evidence.challenge_id,
    purposes: [input.purpose],
    memberId: input.memberId,
    deviceId: null,
    usedBy: `${input.purpose}:${crypto.randomUUID()}`,
    capturedAt: new Date(),
    requireOpen: true,
  })
  if (!answer.ok) {
    const [code, message] = CHALLENGE_ERRORS[answer.code]
    throw new ValidationError(message, [{ path: 'evidence.challenge_id', message: answer.code }], code)
  }
  const { analyseEvidence } = await import('../../face/evidence')
  try {
    return { steps: answer.steps, analysis: await analyseEvidence(frames, answer.steps) }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw err
  }
}
