// What a capture carries to the server, and how the outbox keeps it until then: the challenge it answered and the
// kept frames' crops. Kept apart from the recorder (./evidence.ts) so the sync module, which every screen and the
// service worker load, needs nothing but this.
import type { Evidence, LivenessStep } from '@shared/attendance/evidence'
import { bytesToBase64 } from '@shared/face/descriptor'

/** The challenge a capture answers: issued by the server (online) or drawn by the device (offline). */
export interface CaptureChallenge {
  challenge_id?: string
  steps: LivenessStep[]
  mode: 'online' | 'offline'
  /** When an issued challenge stops being answerable (ms since epoch); null for the device's own. */
  expiresAt: number | null
}

/** Evidence as the outbox keeps it: the crops as JPEG bytes (a third smaller than base64, and what IndexedDB likes). */
export interface StoredEvidence {
  challenge_id?: string
  steps: LivenessStep[]
  mode: 'online' | 'offline'
  frames: { t: number; jpeg: ArrayBuffer }[]
}

export function storedEvidence(challenge: CaptureChallenge, frames: readonly { t: number; jpeg: ArrayBuffer }[]): StoredEvidence {
  return {
    ...(challenge.mode === 'online' && challenge.challenge_id ? { challenge_id: challenge.challenge_id } : {}),
    steps: [...challenge.steps],
    mode: challenge.mode === 'online' && challenge.challenge_id ? 'online' : 'offline',
    frames: frames.map((f) => ({ t: f.t, jpeg: f.jpeg })),
  }
}

/** The evidence as the API takes it (shared/attendance/evidence.ts): each crop as a JPEG data URL. */
export function evidenceToWire(stored: StoredEvidence): Evidence {
  return {
    ...(stored.challenge_id ? { challenge_id: stored.challenge_id } : {}),
    steps: [...stored.steps],
    mode: stored.mode,
    frames: stored.frames.map((f) => ({ t: f.t, image: `data:image/jpeg;base64,${bytesToBase64(new Uint8Array(f.jpeg))}` })),
  }
}

/** Bytes the evidence adds to a request (base64 grows by 4/3). */
export function evidenceWireBytes(stored: StoredEvidence | null | undefined): number {
  if (!stored) return 0
  return stored.frames.reduce((n, f) => n + Math.ceil(f.jpeg.byteLength / 3) * 4 + 48, 128)
}
