// The morning rush, verified: records with evidence synced to the production server (PostgreSQL) from many devices
// at once, then the time until the server's own check (the verify-capture job: every evidence frame analysed in the
// face worker pool) has ended for all of them. The sync answers without waiting for the check; this measures how far
// behind the rush the checks run, and extrapolates to the 500-device x 20-record rush (10,000 records) at the same
// rate (the queue drains at a steady rate once it is full, so the rate is what scales).
// Captures are rendered from the real photos (tools/test-support/evidence.ts: 2 turns + 3 frontal frames, offline mode, so
// no challenge round trip); the world's members have synthetic templates, so the checks conclude "not this member":
// the work is the same as for a match (every frame is analysed either way).
import crypto from 'node:crypto'
import { MAX_SYNC_BATCH } from '../../shared/attendance/sync'
import type { Evidence } from '../../shared/attendance/evidence'
import { EVIDENCE_PEOPLE, renderEvidence } from '../test-support/evidence'
import { percentile, progress, round, row, sleep, type Row } from './lib'
import type { World } from './world'

const RUSH_RECORDS = 10_000

export async function benchRush(world: World, options: { devices: number; perDevice: number }): Promise<Row[]> {
  const photos = EVIDENCE_PEOPLE.map((p) => p.photos[0] as string)
  const evidences: Evidence[] = []
  for (const [i, photo] of photos.entries()) evidences.push(await renderEvidence(photo, i % 2 === 0 ? ['turn_left', 'turn_right'] : ['turn_right', 'turn_left'], { mode: 'offline' }))
  const imagesPer = evidences.reduce((s, e) => s + e.frames.length, 0) / evidences.length
  const count = options.devices * options.perDevice
  progress(`rush: ${options.devices} devices x ${options.perDevice} records with evidence (${count} records, ~${Math.round(count * imagesPer)} images)`)
  const now = Date.now()
  let next = 0
  const batches = Array.from({ length: options.devices }, () =>
    Array.from({ length: options.perDevice }, () => {
      const i = next++
      const member = world.members[i % world.members.length]!
      return {
        client_id: crypto.randomUUID(),
        member_id: member.id,
        kind: 'check_in' as const,
        captured_at: new Date(now - 60_000 + (i % 60) * 1000).toISOString(),
        latitude: -6.2001,
        longitude: 106.8167,
        accuracy: 12,
        evidence: evidences[i % evidences.length]!,
      }
    }),
  )
  const answers: number[] = []
  const t0 = performance.now()
  let cursor = 0
  const device = async () => {
    while (cursor < batches.length) {
      const records = batches[cursor++]!
      for (let i = 0; i < records.length; i += MAX_SYNC_BATCH) {
        const started = performance.now()
        const res = await world.tablet.post<{ failed: number; results: { status: string; code?: string }[] }>('/api/attendance/sync', { device_id: `rush-${cursor}`, sent_at: new Date().toISOString(), records: records.slice(i, i + MAX_SYNC_BATCH) })
        answers.push(performance.now() - started)
        if (res.failed > 0) throw new Error(`rush: ${res.failed} records refused: ${JSON.stringify(res.results.find((r) => r.status !== 'applied'))}`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(16, options.devices) }, device))
  const syncedMs = performance.now() - t0
  progress(`  all synced in ${round(syncedMs / 1000, 1)} s; waiting for the checks`)
  for (;;) {
    const [left] = await world.sql<{ n: number }[]>`select count(*)::int as n from attendance_events where organization_id = ${world.orgId} and verification = 'verifying'`
    if ((left?.n ?? 0) === 0) break
    await sleep(250)
  }
  const verifiedMs = performance.now() - t0
  const rate = (count * 1000) / verifiedMs
  const [unreadable] = await world.sql<{ failed: number }[]>`select count(*)::int as failed from attendance_events where organization_id = ${world.orgId} and verification = 'done' and assurance->'face'->>'code' in ('unreadable')`
  const failed = unreadable?.failed ?? 0
  progress(`  all verified in ${round(verifiedMs / 1000, 1)} s (${round(rate, 2)} records/s; ${failed} unreadable)`)
  return [
    row({
      id: 'rush.sync_p95',
      name: 'morning rush: sync answer p95 with evidence (checks queued, not awaited)',
      value: round(percentile(answers, 95), 0),
      unit: 'ms',
      better: 'lower',
      note: `${answers.length} requests of ${options.perDevice} records from ${Math.min(16, options.devices)} devices at once`,
    }),
    row({
      id: 'rush.verified_rate',
      name: 'morning rush: records fully verified per second (every frame analysed by the server)',
      value: round(rate, 2),
      unit: 'records/s',
      better: 'higher',
      note: `${count} records (~${round(imagesPer, 1)} images each) synced in ${round(syncedMs / 1000, 1)} s, all verified ${round(verifiedMs / 1000, 1)} s after the first request`,
    }),
    row({
      id: 'rush.10k_minutes',
      name: 'morning rush 500 devices x 20 records: time until fully verified (extrapolated at the measured rate)',
      value: round(RUSH_RECORDS / rate / 60, 1),
      unit: 'min',
      better: 'lower',
      note: `${RUSH_RECORDS} records at ${round(rate, 2)} records/s on this machine (${count} measured)`,
    }),
  ]
}
