// Face registration through the API the way a member's phone does it since issue 13: a challenge from the server
// (purpose 'register'), the evidence of its head turns rendered from a real photo (tools/test-support/evidence.ts: the same
// head-turn renderer and crops as the fake cameras, cached on disk), and the reference photo. For members a spec needs
// registered without walking them through the phone screens (the kiosk's members, someone else's face).
import path from 'node:path'
import type { APIRequestContext } from '@playwright/test'
import sharp from 'sharp'
import type { IssuedChallenge, LivenessStep } from '../../shared/attendance/evidence'
import { renderEvidence } from '../../tools/test-support/evidence'
import { apiData } from './api'
import { facesDir } from './fake-camera'

/** The reference photo a phone sends with a registration: the whole picture, JPEG, as a data URL. */
export async function referencePhoto(file: string): Promise<string> {
  const jpeg = await sharp(file).rotate().resize(640, 640, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer()
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`
}

/** ../shared/faces/people/<identity>/<photo> */
export const personPhoto = (identity: string, photo: string) => path.join(facesDir(), 'people', identity, photo)

/**
 * Registers the member's face from `photo` on their own session (`phone`: redeemed invitation, consent given): the
 * server's challenge, the rendered evidence of its turns, the reference photo.
 */
export async function registerFaceWithEvidence(phone: APIRequestContext, memberId: number, photo: string): Promise<void> {
  const challenge = await apiData<IssuedChallenge>(await phone.post('/api/attendance/challenge', { data: { purpose: 'register' } }))
  const evidence = await renderEvidence(photo, challenge.steps, { challengeId: challenge.challenge_id, extraFrontal: 3 })
  await apiData(await phone.post(`/api/members/${memberId}/face/register`, { data: { evidence, face_image: await referencePhoto(photo), device_id: 'e2e-phone' } }))
}

const TWO_TURNS: LivenessStep[][] = [
  ['turn_left', 'turn_left'],
  ['turn_left', 'turn_right'],
  ['turn_right', 'turn_left'],
  ['turn_right', 'turn_right'],
]

/** Renders (and caches) the evidence of every two-turn challenge for these photos, ahead of the registrations. */
export async function prepareEvidence(photos: readonly string[]): Promise<void> {
  for (const photo of photos) for (const steps of TWO_TURNS) await renderEvidence(photo, steps, { extraFrontal: 3 })
}
