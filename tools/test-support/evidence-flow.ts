// What a device does around a face capture, for API tests: ask the server for a challenge, answer it with evidence
// rendered from a real photo (tools/test-support/evidence.ts), register a face, send a capture, wait for the server's check.
import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { attendanceEvents, attendanceRecords } from '../../server/db/schema'
import type { Evidence, IssuedChallenge, LivenessStep } from '../../shared/attendance/evidence'
import { CONSENT_VERSION } from '../../shared/face/consent'
import type { Agent, TestApp } from './harness'
import { renderEvidence, type RenderEvidenceOptions } from './evidence'
import { photoBase64 } from './faces'

export async function askChallenge(agent: Agent, purpose: 'attendance' | 'kiosk' | 'register'): Promise<IssuedChallenge> {
  const res = await agent.post('/api/attendance/challenge', { purpose })
  if (res.status !== 201) throw new Error(`challenge (${purpose}) failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data as IssuedChallenge
}

/** Evidence answering a fresh server challenge for `purpose`, rendered from `photo` (relative to ../shared/faces). */
export async function answeredEvidence(agent: Agent, purpose: 'attendance' | 'kiosk' | 'register', photo: string, options: RenderEvidenceOptions = {}): Promise<{ evidence: Evidence; challenge: IssuedChallenge }> {
  const challenge = await askChallenge(agent, purpose)
  const evidence = await renderEvidence(photo, challenge.steps, { ...options, mode: 'online', challengeId: challenge.challenge_id })
  return { evidence, challenge }
}

/** Offline evidence: the device's own challenge. */
export function offlineEvidence(photo: string, steps: LivenessStep[] = ['turn_left', 'turn_right'], options: RenderEvidenceOptions = {}): Promise<Evidence> {
  return renderEvidence(photo, steps, { ...options, mode: 'offline' })
}

/** Consent (when not given yet) and a registration from evidence of `photo`, with `reference` as the reference photo. */
export async function registerFace(agent: Agent, memberId: number, photo: string, reference = photo): Promise<void> {
  const face = await agent.get(`/api/members/${memberId}/face`)
  if (!face.body?.data?.consent?.current) {
    const consent = await agent.post(`/api/members/${memberId}/face/consent`, { version: CONSENT_VERSION, device_id: 'phone-test' })
    if (consent.status !== 201) throw new Error(`consent failed: ${consent.status} ${JSON.stringify(consent.body)}`)
  }
  const { evidence } = await answeredEvidence(agent, 'register', photo)
  const res = await agent.post(`/api/members/${memberId}/face/register`, { evidence, face_image: photoBase64(reference), device_id: 'phone-test' })
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`)
}

/** A capture record as a device sends it. */
export function capture(memberId: number, evidence: Evidence | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: randomUUID(), member_id: memberId, kind: 'check_in', captured_at: new Date().toISOString(), ...(evidence ? { evidence } : {}), ...extra }
}

/** Sends records through the sync route and answers its per-record results. */
export async function sync(agent: Agent, records: unknown[], sentAt = new Date()): Promise<any[]> {
  const res = await agent.post('/api/attendance/sync', { device_id: 'device-test', sent_at: sentAt.toISOString(), records })
  if (res.status !== 200) throw new Error(`sync failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.data.results
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until the server's check of this capture has ended (the job queue runs it in the background) and answers the
 * event and its day. Polls the database; no deadline of its own (the test's timeout is the limit), so a loaded machine
 * only makes it slower, never wrong.
 */
export async function settled(t: TestApp, clientId: string) {
  for (;;) {
    const [row] = await t.db
      .select({ event: attendanceEvents, day: attendanceRecords })
      .from(attendanceEvents)
      .leftJoin(attendanceRecords, eq(attendanceRecords.id, attendanceEvents.attendanceRecordId))
      .where(and(eq(attendanceEvents.clientId, clientId)))
    if (!row) throw new Error(`no event ${clientId}`)
    if (row.event.verification === 'done') return row
    await sleep(100)
  }
}
