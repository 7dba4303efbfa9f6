// Kiosk mode's second factor (issue 14): a member whose face the recognition can mix up with another member's is
// recorded only once they also show their own QR code (the Hadir app's "My QR code") to the same camera. The face
// analysis pauses meanwhile; this reads the preview's frames for a QR code until the member's own one shows, the
// time is up, or the screen cancels. The record carries the code and the server checks its signature again.
import type { Ref } from 'vue'
import { createQrReader, type QrReader } from '~/kiosk/qr-reader'
import { parseQrToken, secondFactorAnswer, type SecondFactorAnswer } from '~/kiosk/qr'

/** How long the member has to show their code. */
export const SECOND_FACTOR_WAIT_MS = 30_000
const FRAME_PAUSE_MS = 150

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export type SecondFactorProblem = Exclude<SecondFactorAnswer, 'ok'> | 'engine'
export type SecondFactorResult = { token: string } | { token: null; reason: 'timeout' | 'cancelled' }

export function useKioskSecondFactor(video: Ref<HTMLVideoElement | null>) {
  let reader: Promise<QrReader> | null = null
  let asking = 0

  /**
   * Reads codes until this member's own current code shows (its text), or the wait ends (timeout) or cancel() is
   * called. Each wrong code (another member's, expired, not a Hadir code) and a tablet that cannot read QR codes at all
   * are reported through onProblem, once per change.
   */
  async function ask(organizationId: number, memberId: number, onProblem: (problem: SecondFactorProblem) => void, waitMs = SECOND_FACTOR_WAIT_MS): Promise<SecondFactorResult> {
    const id = ++asking
    const until = Date.now() + waitMs
    let last: SecondFactorProblem | null = null
    const report = (problem: SecondFactorProblem) => {
      if (problem !== last) onProblem(problem)
      last = problem
    }
    let qr: QrReader | null = null
    try {
      reader ??= createQrReader()
      qr = await reader
    } catch (error) {
      reader = null
      console.error('The kiosk cannot read QR codes:', error)
      report('engine')
    }
    while (id === asking && Date.now() < until) {
      const element = video.value
      if (qr && element && element.readyState >= 2 && element.videoWidth) {
        let text: string | null = null
        try {
          text = await qr.read(element)
        } catch {
          text = null // a frame the reader could not take: the next one
        }
        if (text && id === asking) {
          const token = parseQrToken(text)
          const answer = secondFactorAnswer(token, organizationId, memberId)
          if (answer === 'ok') {
            asking++
            return { token: token!.raw }
          }
          report(answer)
        }
      }
      await sleep(FRAME_PAUSE_MS)
    }
    if (id !== asking) return { token: null, reason: 'cancelled' }
    asking++
    return { token: null, reason: 'timeout' }
  }

  /** Ends the current ask (it answers 'cancelled'). */
  function cancel(): void {
    asking++
  }

  return { ask, cancel }
}
