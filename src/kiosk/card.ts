// What the kiosk's big card says about the face in front of it.
import type { AttendanceKind } from '@shared/attendance/sync'
import type { LivenessPrompt } from '@shared/face/liveness'

export type KioskCard =
  | { type: 'idle' }
  | { type: 'unknown'; at: number }
  | {
      /** Recognised: the member is asked for their one head turn (the record is made once they did). */
      type: 'turn'
      at: number
      memberId: number
      name: string
      memberNumber: string | null
      prompt: LivenessPrompt
    }
  | {
      /** recorded: a new record now; already: recorded by this tablet within the cooldown, nothing new saved. */
      type: 'recorded' | 'already'
      at: number
      memberId: number
      name: string
      memberNumber: string | null
      kind: AttendanceKind
      /** "09:02", the organization's wall clock. */
      time: string
      photoUrl: string | null
    }

/** "09:02:30" -> "09:02". */
export const hhmm = (time: string): string => time.slice(0, 5)
