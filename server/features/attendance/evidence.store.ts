// The evidence images of captures are biometric data like the attendance photos: deleted with them (retention,
// withdrawal of consent, deletion of the member). The event keeps what the checks concluded (its assurance), and
// the evidence entry says the frames were deleted.
import { and, eq, isNotNull, lt, sql, type SQL } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { attendanceEvents } from '../../db/schema'

/**
 * Unlinks the evidence frames of the organization's events matching `where` and answers their storage keys (delete
 * them from storage after the transaction commits).
 */
export async function unlinkEvidenceFrames(tx: Tx, organizationId: number, where: SQL | undefined): Promise<string[]> {
  const rows = await tx
    .select({ id: attendanceEvents.id, evidence: attendanceEvents.evidence })
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.organizationId, organizationId), isNotNull(attendanceEvents.evidence), sql`jsonb_array_length(${attendanceEvents.evidence}->'frames') > 0`, where))
  if (rows.length === 0) return []
  const keys = rows.flatMap((r) => r.evidence?.frames.map((f) => f.key) ?? [])
  await tx.execute(sql`
    update attendance_events set evidence = jsonb_set(evidence, '{frames}', '[]'::jsonb) || '{"frames_deleted": true}'::jsonb
    where organization_id = ${organizationId} and id = any(${`{${rows.map((r) => r.id).join(',')}}`}::int[])`)
  // A roll-call photo is every capture's of that roll-call: deleted for one (a withdrawal, retention), it is deleted
  // for the roll-call and its other captures too (they keep what their checks concluded).
  const shared = `{${keys.map((k) => `"${k}"`).join(',')}}`
  await tx.execute(sql`
    update attendance_events set evidence = jsonb_set(evidence, '{frames}', '[]'::jsonb) || '{"frames_deleted": true}'::jsonb
    where organization_id = ${organizationId} and evidence ? 'roll_call' and evidence->'frames'->0->>'key' = any(${shared}::text[])`)
  await tx.execute(sql`update roll_calls set photo_key = null where organization_id = ${organizationId} and photo_key = any(${shared}::text[])`)
  return [...new Set(keys)]
}

export const ofMember = (memberId: number) => eq(attendanceEvents.organizationMemberId, memberId)
export const capturedBefore = (cutoff: Date) => lt(attendanceEvents.capturedAt, cutoff)
