// What the server knows of a recognised member's day (GET /api/attendance/members/:id/today), asked once when the
// kiosk recognises them and kept for a minute (the same person standing there is recognised again and again). Never
// waited for long: offline or slow, the kiosk goes by its own records (src/kiosk/already.ts).
import { getMemberToday } from '~/api/attendance'
import type { TodayMarks } from '~/kiosk/already'

const KEEP_MS = 60_000
const WAIT_MS = 2500

interface Asked {
  memberId: number
  at: number
  answer: Promise<TodayMarks | null>
  /** Set once the answer came (undefined while waiting). */
  value?: TodayMarks | null
}

export function useKioskToday() {
  let asked: Asked | null = null

  /** The member's day as the server knows it, or null when it cannot tell in time. */
  function ask(memberId: number): Asked {
    if (asked && asked.memberId === memberId && Date.now() - asked.at < KEEP_MS) return asked
    const entry: Asked = {
      memberId,
      at: Date.now(),
      answer: typeof navigator !== 'undefined' && !navigator.onLine
        ? Promise.resolve(null)
        : getMemberToday(memberId, { signal: AbortSignal.timeout(WAIT_MS) }).then(
            (today) => ({ check_in: today.check_in, check_out: today.check_out }),
            () => null,
          ),
    }
    void entry.answer.then((value) => (entry.value = value))
    asked = entry
    return entry
  }

  /** The member's day changed (a record was made here): ask again next time. */
  function forget(): void {
    asked = null
  }

  return { ask, forget }
}
