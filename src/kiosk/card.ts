// What the kiosk's big card says about the face in front of it.
import type { AttendanceKind } from '@shared/attendance/sync'
import type { LivenessPrompt } from '@shared/face/liveness'
import type { MarkOrigin } from './already'
import type { SecondFactorAnswer } from './qr'

export type KioskCard =
  | {
    type: 'idle'
    /** What the person in front of the camera should do now (src/kiosk/hint.ts), the card's one instruction. */
    hint?: KioskIdleHint
  }
  | { type: 'unknown'; at: number }
  | {
    /** Recognised: the member's liveness is being seen (natural movement, or the small turn the card asks for after a while); recorded once it is. */
    type: 'turn'
    at: number
    memberId: number
    name: string
    memberNumber: string | null
    prompt: LivenessPrompt
  }
  | {
    /**
     * qr: a member whose face the recognition can mix up with another member's turned as asked, and is now asked for
     * their QR code before the record is made (issue 14); `problem` is what was wrong with the last code shown.
     * qr-missing: they did not show it in time, nothing was recorded.
     */
    type: 'qr' | 'qr-missing'
    at: number
    memberId: number
    name: string
    memberNumber: string | null
    problem: Exclude<SecondFactorAnswer, 'ok'> | 'engine' | null
  }
  | {
    /**
     * recorded: a new record now; already: the member was already checked in (or out) today, by this tablet within
     * its cooldown or elsewhere (their phone, another kiosk, an admin: `origin`); nothing new saved.
     */
    type: 'recorded' | 'already'
    at: number
    memberId: number
    name: string
    memberNumber: string | null
    kind: AttendanceKind
    /** "09:02", the organization's wall clock. */
    time: string
    photoUrl: string | null
    /** Where the earlier record came from (already only). */
    origin?: MarkOrigin
  }

/** The idle card's instruction: no face, a face to adjust, or a face being checked. */
export type KioskIdleHint = 'look' | 'one_person' | 'closer' | 'light' | 'checking'

/** "09:02:30" -> "09:02". */
export const hhmm = (time: string): string => time.slice(0, 5)
