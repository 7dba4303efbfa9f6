import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import crypto from 'node:crypto'
import { and, eq, sql } from 'drizzle-orm'
import postgres from 'postgres'
import { backend, createTestApp, lastDatabaseUrl, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { until } from '../../../tools/test-support/api-tokens'
import { WebhookReceiver } from '../../../tools/test-support/webhook-receiver'
import { toLocal } from '../../../shared/attendance/rules'
import { addDays } from '../../../shared/calendar'
import { auditLog, webhookDeliveries, webhookEndpoints } from '../../db/schema'
import { DELIVER_JOB, requeuePendingDeliveries, webhookSettings } from './webhooks.outbox'
import { targetSettings } from './webhooks.target'
import { verifySignature } from './webhooks.sign'
import { csvOf, uploadFile } from '../imports/import.fixtures'

describe('webhooks: signed deliveries from the outbox, retried, logged, replayed, disabled after repeated failure', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const receiver = new WebhookReceiver()
  let url: string
  const defaults = { ...webhookSettings }
  let members = 0

  beforeAll(async () => {
    // The receiver answers at once; the time limit is against a hang (an in-process PGlite beside a loaded CI delayed an
    // answer past the 5 s this had, and the attempt was logged as a timeout instead of the receiver's 500).
    targetSettings.allowPrivate = true // the receiver is on 127.0.0.1
    Object.assign(webhookSettings, { retries: 2, retryDelaySeconds: 0, timeoutMs: 120_000, disableAfter: 100 })
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    url = await receiver.start()
  })
  afterEach(() => {
    receiver.mode = 'ok'
    Object.assign(webhookSettings, { retries: 2, retryDelaySeconds: 0, timeoutMs: 120_000, disableAfter: 100 })
  })
  afterAll(async () => {
    await t.close()
    await receiver.stop()
    targetSettings.allowPrivate = false
    Object.assign(webhookSettings, defaults)
  })

  const base = () => `/api/organizations/${a.id}/webhooks`
  async function subscribe(events: string[] = ['attendance.recorded', 'attendance.reviewed', 'leave.decided', 'member.created']) {
    const res = await a.admin.post(base(), { url, description: 'Payroll', events })
    expect(res.status).toBe(201)
    receiver.secret = res.body.data.secret
    return res.body.data as { id: number; secret: string }
  }
  // Checked: an endpoint left behind (a failed DELETE) would receive the next test's events too, with the same event ids.
  async function unsubscribe(webhookId: number) {
    const res = await a.admin.delete(`${base()}/${webhookId}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  }
  const addMember = async () => {
    members++
    const res = await a.admin.post(`/api/organizations/${a.id}/members`, { name: `Budi ${members}`, member_number: `W-${members}`, role: 'member' })
    expect(res.status).toBe(201)
    return res.body.data
  }
  const deliveriesOf = async (webhookId: number) => (await a.admin.get(`${base()}/${webhookId}/deliveries`)).body.data.deliveries as any[]
  const settledDelivery = (webhookId: number, status: string, attempts: number) =>
    until(async () => (await deliveriesOf(webhookId)).find((d) => d.status === status && d.log.length >= attempts), `a ${status} delivery with ${attempts} attempts`)

  it('refuses private, loopback and non-http targets unless the flag allows them (SSRF)', async () => {
    targetSettings.allowPrivate = false
    try {
      for (const target of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://192.168.1.5/x', 'http://[::ffff:127.0.0.1]/x']) {
        const res = await a.admin.post(base(), { url: target, events: ['member.created'] })
        expect(res.status, target).toBe(422)
        expect(res.body.error.code, target).toBe('WEBHOOK_URL_PRIVATE')
      }
      for (const target of ['ftp://example.com/x', 'not a url', 'https://user:pw@example.com/x']) {
        expect((await a.admin.post(base(), { url: target, events: ['member.created'] })).body.error.code).toBe('WEBHOOK_URL_INVALID')
      }
      expect((await a.admin.post(base(), { url: 'https://example.com/x', events: [] })).status).toBe(422)
      expect((await a.admin.post(base(), { url: 'https://example.com/x', events: ['member.deleted'] })).status).toBe(422)
      expect((await a.admin.get(base())).body.data.webhooks).toEqual([])
    } finally {
      targetSettings.allowPrivate = true
    }
  })

  it('delivers member.created, signed, with the event headers, and logs the answer', async () => {
    const hook = await subscribe(['member.created'])
    expect(hook.secret).toMatch(/^whsec_/)
    expect(JSON.stringify((await a.admin.get(base())).body)).not.toContain(hook.secret)
    const [stored] = await t.db.select({ secret: webhookEndpoints.secret }).from(webhookEndpoints).where(eq(webhookEndpoints.id, hook.id))
    expect(stored!.secret).toMatch(/^v1:/) // sealed: the database alone does not give it away
    expect(stored!.secret).not.toContain(hook.secret.slice(6))
    const member = await addMember()
    const got = await until(async () => receiver.of('member.created').find((r) => r.json.data.member.id === member.id), 'member.created at the receiver')
    expect(got.verified).toBe(true)
    expect(verifySignature('whsec_wrong', got.body, String(got.headers['hadir-signature']))).toBe(false)
    expect(got.headers['hadir-event']).toBe('member.created')
    expect(got.headers['hadir-delivery']).toBe(got.json.id)
    expect(got.json).toMatchObject({ type: 'member.created', organization_id: a.id, data: { member: { name: member.name } } })
    const [d] = await settledDelivery(hook.id, 'succeeded', 1).then((x) => [x])
    expect(d).toMatchObject({ event: 'member.created', attempts: 1, last_status_code: 200 })
    expect(d.log[0]).toMatchObject({ ok: true, status_code: 200, response_excerpt: '{"received":true}', manual: false })
    expect(d.log[0].duration_ms).toBeGreaterThanOrEqual(0)
    // Members added by an Excel import: one event each.
    const imported = await uploadFile(t, a.admin, a.id, csvOf([['Nama', 'Nomor Induk'], ['Sari Impor', 'W-imp-1'], ['Tono Impor', 'W-imp-2']]), 'anggota.csv', { dry_run: 'false' })
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    for (const name of ['Sari Impor', 'Tono Impor']) {
      const event = await until(async () => receiver.of('member.created').find((r) => r.json.data.member.name === name), `member.created of ${name} (import)`)
      expect(event.json.data.member).toMatchObject({ member_number: name === 'Sari Impor' ? 'W-imp-1' : 'W-imp-2', roles: ['member'] })
    }
    await unsubscribe(hook.id)
  })

  it('delivers attendance.recorded after a check-in, attendance.reviewed and leave.decided after decisions', async () => {
    const hook = await subscribe()
    const clientId = crypto.randomUUID()
    const sync = await a.member.post('/api/attendance/sync', { device_id: 'phone-a', sent_at: new Date().toISOString(), records: [{ client_id: clientId, member_id: a.memberId, kind: 'check_in', captured_at: new Date().toISOString() }] })
    expect(sync.body.data.results[0].status).toBe('applied')
    const recorded = await until(async () => receiver.of('attendance.recorded').find((r) => r.json.data.client_id === clientId), 'attendance.recorded')
    expect(recorded.verified).toBe(true)
    expect(recorded.json.data).toMatchObject({ member_id: a.memberId, kind: 'check_in', record_id: sync.body.data.results[0].record_id })

    const today = toLocal(new Date(), 'Asia/Jakarta').date
    const manual = await a.admin.post(`/api/organizations/${a.id}/attendance`, { member_id: a.petugasId, attendance_date: addDays(today, -1), check_in_time: '08:00', reason: 'Lupa absen' })
    expect(manual.status).toBe(201)
    const byHand = await until(async () => receiver.of('attendance.recorded').find((r) => r.json.data.record_id === manual.body.data.id), 'attendance.recorded of a record written by hand')
    expect(byHand.json.data).toMatchObject({ kind: 'manual', origin: 'manual', member_id: a.petugasId, client_id: null, approval_status: 'approved', record: { id: manual.body.data.id } })
    expect((await a.admin.post(`/api/organizations/${a.id}/attendance/${manual.body.data.id}/reject`, { note: 'Tidak hadir' })).status).toBe(200)
    const reviewed = await until(async () => receiver.of('attendance.reviewed').find((r) => r.json.data.record.id === manual.body.data.id), 'attendance.reviewed')
    expect(reviewed.json.data).toMatchObject({ decision: 'rejected', note: 'Tidak hadir' })

    const start = addDays(today, 5)
    const leave = await a.member.post('/api/leave-requests', { kind: 'leave', start_date: start, end_date: start, reason: 'Keluarga' })
    expect(leave.status).toBe(201)
    expect((await a.admin.post(`/api/organizations/${a.id}/leave-requests/${leave.body.data.id}/reject`, { note: 'Sedang sibuk' })).status).toBe(200)
    const decided = await until(async () => receiver.of('leave.decided').find((r) => r.json.data.leave_request.id === leave.body.data.id), 'leave.decided')
    expect(decided.json.data.decision).toBe('rejected')
    expect(decided.verified).toBe(true)
    // Nothing of organization B's activity reaches A's endpoint.
    const before = receiver.received.length
    await b.admin.post(`/api/organizations/${b.id}/members`, { name: 'Orang B', member_number: 'B-1', role: 'member' })
    expect(receiver.received.slice(before).some((r) => r.json?.organization_id === b.id)).toBe(false)
    await unsubscribe(hook.id)
  })

  it('stages each event in its change\'s transaction: none for a refused change or a mere request, and the sweep sends what the queue missed', async () => {
    const hook = await subscribe()
    const staged = (event: string) => t.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, hook.id), eq(webhookDeliveries.event, event)))
    // The queue fails right after the commits: the changes still succeed, and their deliveries wait in the outbox.
    const send = t.deps.jobs.send
    const down = vi.spyOn(t.deps.jobs, 'send').mockImplementation((name, ...rest) => (name === DELIVER_JOB ? Promise.reject(new Error('queue down')) : send(name, ...rest)))
    const ids = [crypto.randomUUID(), crypto.randomUUID()]
    let member: { id: number }
    try {
      member = await addMember()
      const now = Date.now()
      const sync = await a.member.post('/api/attendance/sync', {
        device_id: 'phone-a',
        sent_at: new Date(now).toISOString(),
        records: [
          { client_id: ids[0], member_id: a.memberId, kind: 'check_in', captured_at: new Date(now - 120_000).toISOString() },
          { client_id: ids[1], member_id: a.memberId, kind: 'check_out', captured_at: new Date(now - 60_000).toISOString() },
        ],
      })
      expect(sync.body.data.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied'])
    } finally {
      down.mockRestore()
    }
    expect((await staged('member.created')).map((d) => d.status)).toEqual(['pending'])
    expect((await staged('attendance.recorded')).map((d) => (d.payload as { data: { client_id: string } }).data.client_id).sort()).toEqual([...ids].sort())
    // A refused change stages nothing; a member's new leave request is no decision.
    const twice = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Budi lagi', member_number: `W-${members}`, role: 'member' })
    expect(twice.status).toBe(409)
    const start = addDays(toLocal(new Date(), 'Asia/Jakarta').date, 9)
    const leave = await a.member.post('/api/leave-requests', { kind: 'leave', start_date: start, end_date: start, reason: 'Keluarga' })
    expect(leave.status).toBe(201)
    expect(await staged('member.created')).toHaveLength(1)
    expect(await staged('leave.decided')).toHaveLength(0)
    expect((await a.admin.post(`/api/organizations/${a.id}/leave-requests/${leave.body.data.id}/reject`, { note: 'Sibuk' })).status).toBe(200)
    expect((await staged('leave.decided')).map((d) => (d.payload as { data: { decision: string } }).data.decision)).toEqual(['rejected'])
    // The sweep queues the deliveries that waited; they arrive.
    expect(await requeuePendingDeliveries(t.deps, 0)).toBeGreaterThanOrEqual(3)
    await until(async () => receiver.of('member.created').find((r) => r.json.data.member.id === member.id), 'member.created, sent by the sweep')
    for (const id of ids) await until(async () => receiver.of('attendance.recorded').find((r) => r.json.data.client_id === id), `attendance.recorded ${id}, sent by the sweep`)
    // Both or neither: where the outbox cannot be written, the change is not made either.
    await t.db.execute(sql`create function hadir_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'outbox refused'; end $$`)
    await t.db.execute(sql`create trigger hadir_test_refuse before insert on webhook_deliveries for each row execute function hadir_test_refuse()`)
    try {
      const refused = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Tanpa kabar', member_number: 'W-none', role: 'member' })
      expect(refused.status).toBe(500)
      expect((await a.admin.get(`/api/organizations/${a.id}/members?q=W-none`)).body.data.members).toHaveLength(0)
    } finally {
      await t.db.execute(sql`drop trigger hadir_test_refuse on webhook_deliveries`)
      await t.db.execute(sql`drop function hadir_test_refuse()`)
    }
    await unsubscribe(hook.id)
  })

  it('retries a failing receiver with the queue, logs every attempt, then gives up; a replay delivers it', async () => {
    const hook = await subscribe(['member.created'])
    receiver.mode = 'fail'
    await addMember()
    const failed = await settledDelivery(hook.id, 'failed', 3)
    expect(failed.attempts).toBe(3) // the first attempt and two retries
    for (const attempt of failed.log) expect(attempt).toMatchObject({ ok: false, status_code: 500, error: 'HTTP 500', response_excerpt: 'receiver is down for maintenance' })
    const sameEvent = receiver.of('member.created').filter((r) => r.json.id === failed.event_id)
    expect(sameEvent).toHaveLength(3)
    // Each attempt on a connection of its own, closed after it: a kept-alive one that the receiver closed as it was
    // reused failed an attempt with ECONNRESET (a loaded CI; the receiver never saw it).
    expect(new Set(sameEvent.map((r) => r.port)).size).toBe(3)
    for (const r of sameEvent) expect(r.headers.connection).toBe('close')

    receiver.mode = 'ok'
    const replay = await a.admin.post(`${base()}/${hook.id}/deliveries/${failed.id}/replay`)
    expect(replay.status).toBe(200)
    const replayed = await settledDelivery(hook.id, 'succeeded', 4)
    expect(replayed.id).toBe(failed.id)
    expect(replayed.log.at(-1)).toMatchObject({ ok: true, manual: true })
    expect(receiver.of('member.created').filter((r) => r.json.id === failed.event_id)).toHaveLength(4) // same event id
    const audits = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.replay'), eq(auditLog.entityId, String(failed.id))))
    expect(audits).toHaveLength(1)
    await unsubscribe(hook.id)
  })

  // PostgreSQL only: the embedded database runs one transaction at a time, so the two cannot interleave there.
  it.skipIf(backend !== 'postgres')('deletes an endpoint while one of its attempts is being logged: the delete succeeds, no deadlock', async () => {
    // A session of the test holds an advisory lock; a trigger makes the delivery job's transaction wait for it right
    // after writing the attempt (its foreign key has then locked the delivery's row). The admin's DELETE comes in
    // meanwhile; then the lock is let go. Both used to take the endpoint and the delivery in opposite orders, and
    // PostgreSQL broke the deadlock by failing the DELETE (a 500, the endpoint left subscribed).
    const hook = await subscribe(['member.created'])
    const holder = postgres(lastDatabaseUrl!, { max: 1, onnotice: () => {} })
    const KEY = 731_942
    try {
      await holder`select pg_advisory_lock(${KEY})`
      await holder.unsafe(`create function hadir_test_hold() returns trigger language plpgsql as $$ begin perform pg_advisory_lock_shared(${KEY}); perform pg_advisory_unlock_shared(${KEY}); return null; end $$`)
      // After-triggers fire by name: "zz_" after the foreign key's check, which locks the delivery's row.
      await holder.unsafe('create trigger zz_hadir_test_hold after insert on webhook_attempts for each row execute function hadir_test_hold()')
      await addMember()
      await until(async () => (await holder`select 1 from pg_locks where locktype = 'advisory' and not granted`).length > 0, 'the attempt waiting in its transaction')
      const deleting = a.admin.delete(`${base()}/${hook.id}`)
      await until(
        async () => (await holder`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%delete from "webhook_endpoints"%'`).length > 0,
        'the DELETE waiting for a lock',
      )
      await holder`select pg_advisory_unlock(${KEY})`
      const res = await deleting
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect((await a.admin.get(base())).body.data.webhooks.some((w: { id: number }) => w.id === hook.id)).toBe(false)
    } finally {
      await holder.unsafe('drop trigger if exists zz_hadir_test_hold on webhook_attempts')
      await holder.unsafe('drop function if exists hadir_test_hold()')
      await holder.end()
    }
  })

  it('gives up on a receiver that never answers within the delivery timeout, and waits for a slow one that does', async () => {
    const hook = await subscribe(['member.created'])
    Object.assign(webhookSettings, { retries: 0, timeoutMs: 300 })
    receiver.mode = 'hang'
    await addMember()
    const timedOut = await settledDelivery(hook.id, 'failed', 1)
    expect(timedOut.log[0]).toMatchObject({ ok: false, status_code: null, error: 'timeout' })

    Object.assign(webhookSettings, { timeoutMs: 120_000 })
    receiver.mode = 'slow'
    receiver.slowMs = 200
    const member = await addMember()
    const slow = await until(async () => (await deliveriesOf(hook.id)).find((d) => d.payload.data.member.id === member.id && d.status !== 'pending'), 'the slow delivery')
    expect(slow).toMatchObject({ status: 'succeeded', attempts: 1 })
    await unsubscribe(hook.id)
  })

  it('disables an endpoint after N failed attempts in a row, tells the admin, and starts afresh when enabled again', async () => {
    const hook = await subscribe(['member.created'])
    Object.assign(webhookSettings, { retries: 1, disableAfter: 3 })
    receiver.mode = 'fail'
    await addMember() // two attempts
    await settledDelivery(hook.id, 'failed', 2)
    await addMember() // the third attempt disables
    const disabled = await until(async () => (await a.admin.get(base())).body.data.webhooks.find((w: any) => w.id === hook.id && !w.enabled), 'the endpoint disabled')
    expect(disabled.consecutive_failures).toBe(3)
    expect(disabled.disabled_reason).toContain('3 failed attempts in a row')
    const [notice] = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.disabled'), eq(auditLog.entityId, String(hook.id))))
    expect(notice).toMatchObject({ organizationId: a.id, entityType: 'webhook' })
    // A disabled endpoint gets no new deliveries.
    const count = async () => (await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, hook.id))).length
    const before = await count()
    await addMember()
    expect(await count()).toBe(before)

    receiver.mode = 'ok'
    const enabled = await a.admin.patch(`${base()}/${hook.id}`, { enabled: true })
    expect(enabled.body.data).toMatchObject({ enabled: true, consecutive_failures: 0, disabled_reason: null })
    const member = await addMember()
    await until(async () => receiver.of('member.created').find((r) => r.json.data.member.id === member.id), 'delivery after enabling')
  })

  it('keeps organizations apart: B cannot see, change or replay A\'s webhooks', async () => {
    const hook = await subscribe(['member.created'])
    await addMember()
    const [d] = await settledDelivery(hook.id, 'succeeded', 1).then((x) => [x])
    expect((await b.admin.get(`/api/organizations/${b.id}/webhooks/${hook.id}/deliveries`)).status).toBe(404)
    expect((await b.admin.patch(`/api/organizations/${b.id}/webhooks/${hook.id}`, { enabled: false })).status).toBe(404)
    expect((await b.admin.post(`/api/organizations/${b.id}/webhooks/${hook.id}/deliveries/${d.id}/replay`)).status).toBe(404)
    expect((await b.admin.delete(`/api/organizations/${b.id}/webhooks/${hook.id}`)).status).toBe(404)
    expect((await b.admin.get(`/api/organizations/${b.id}/webhooks`)).body.data.webhooks).toEqual([])
    expect((await a.support.get(base())).status).toBe(403)
  })
})
