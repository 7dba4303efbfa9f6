import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { attendanceSyncLogs, auditLog } from '../../db/schema'

/** Today as the organization (Asia/Jakarta) counts it, and a day relative to it. */
function jakartaDay(offsetDays = 0): string {
  const now = new Date(Date.now() + offsetDays * 86_400_000)
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

describe('sync logs and the audit log', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
  })
  afterAll(() => t.close())

  const sync = (agent: OrgWorld['member'], deviceId: string, memberId: number) =>
    agent.post('/api/attendance/sync', {
      device_id: deviceId,
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: memberId, kind: 'check_in', captured_at: new Date().toISOString() }],
    })

  it('lists every sync exchange with its device, newest first, with filters and pages', async () => {
    expect((await sync(a.member, 'phone-siti', a.memberId)).status).toBe(200)
    expect((await sync(a.petugas, 'kiosk-1', a.memberId)).status).toBe(200)
    expect((await sync(b.member, 'phone-b', b.memberId)).status).toBe(200)
    // An exchange from long ago, as a device would have left it.
    await t.db.insert(attendanceSyncLogs).values({ organizationId: a.id, mobileDeviceId: 'phone-old', syncStatus: 'failed', recordsSynced: 0, lastSyncAt: new Date(Date.now() - 40 * 86_400_000) })

    const url = `/api/organizations/${a.id}/sync-logs`
    const all = await a.admin.get(url)
    expect(all.status).toBe(200)
    expect(all.body.data).toMatchObject({ total: 3, limit: 25, offset: 0 })
    const logs = all.body.data.logs
    expect(logs.map((l: { mobile_device_id: string }) => l.mobile_device_id)).toEqual(['kiosk-1', 'phone-siti', 'phone-old'])
    expect(logs[0]).toMatchObject({ status: 'completed', records_synced: 1, device: { id: a.deviceId, name: 'Tablet a', revoked: false } })
    expect(logs[1]).toMatchObject({ device: null, records_synced: 1 })
    expect(logs[2]).toMatchObject({ status: 'failed', records_synced: 0 })

    const q = async (query: string) => (await a.admin.get(`${url}?${query}`)).body.data
    expect((await q(`device_id=${a.deviceId}`)).logs.map((l: { mobile_device_id: string }) => l.mobile_device_id)).toEqual(['kiosk-1'])
    expect((await q('mobile_device_id=phone-siti')).total).toBe(1)
    expect((await q('status=failed')).total).toBe(1)
    expect((await q(`from=${jakartaDay()}&to=${jakartaDay()}`)).total).toBe(2)
    expect((await q(`to=${jakartaDay(-1)}`)).logs.map((l: { mobile_device_id: string }) => l.mobile_device_id)).toEqual(['phone-old'])
    expect((await q(`from=${jakartaDay(1)}`)).total).toBe(0)
    const page2 = await q('limit=2&offset=2')
    expect(page2).toMatchObject({ total: 3, limit: 2, offset: 2 })
    expect(page2.logs.map((l: { mobile_device_id: string }) => l.mobile_device_id)).toEqual(['phone-old'])
    // Another organization's device id finds nothing here.
    expect((await q(`device_id=${b.deviceId}`)).total).toBe(0)

    for (const bad of ['from=2026-02-30', 'from=yesterday', `from=${jakartaDay()}&to=${jakartaDay(-2)}`, 'limit=0', 'limit=500', 'status=lost', 'device_id=abc', 'offset=-1']) {
      const res = await a.admin.get(`${url}?${bad}`)
      expect([res.status, res.body.error.code], bad).toEqual([422, 'VALIDATION_FAILED'])
    }
    for (const key of ['support', 'manager', 'member', 'petugas'] as const) expect((await a[key].get(url)).status).toBe(403)
    expect((await b.admin.get(url)).status).toBe(404)
    expect((await b.admin.get(`/api/organizations/${b.id}/sync-logs`)).body.data.logs.map((l: { mobile_device_id: string }) => l.mobile_device_id)).toEqual(['phone-b'])
  })

  it('shows who did what, newest first, in keyset pages, with filters, names and nothing of other organizations', async () => {
    // A few changes by A's admin, one by B's.
    const role = await a.admin.post(`/api/organizations/${a.id}/roles`, { name: 'Wali Kelas', surface: 'web', permissions: ['attendance:record:view'] })
    expect(role.status).toBe(201)
    await a.admin.patch(`/api/organizations/${a.id}/settings`, { geofence_policy: 'refuse' })
    await a.admin.post(`/api/organizations/${a.id}/locations`, { name: 'Gerbang Utama' })
    await b.admin.post(`/api/organizations/${b.id}/locations`, { name: 'Gerbang B' })

    const url = `/api/organizations/${a.id}/audit-log`
    const first = await a.admin.get(url)
    expect(first.status).toBe(200)
    const entries = first.body.data.entries
    expect(entries[0]).toMatchObject({
      action: 'location.create',
      entity_type: 'location',
      entity_name: 'Gerbang Utama',
      actor: { name: 'Admin a' },
      device: null,
    })
    expect(entries[1]).toMatchObject({ action: 'settings.update', details: { geofence_policy: 'refuse' }, entity_name: 'Org a' })
    expect(entries[2]).toMatchObject({ action: 'role.create', entity_name: 'Wali Kelas', details: { name: 'Wali Kelas', surface: 'web', permissions: ['attendance:record:view'] } })
    expect(new Date(entries[0].at).getTime()).toBeGreaterThanOrEqual(new Date(entries[2].at).getTime())
    // The tablet's enrolment names the device as the actor.
    expect(entries.find((e: { action: string }) => e.action === 'device.enrol')).toMatchObject({ actor: null, device: { id: a.deviceId, name: 'Tablet a' }, entity_name: 'Tablet a' })
    expect(JSON.stringify(first.body)).not.toContain('Gerbang B')
    expect(first.body.data.next_cursor).toBeNull()

    // Keyset pages: no entry twice, none missed, same order.
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const res: { body: { data: { entries: { id: number }[]; next_cursor: string | null } } } = await a.admin.get(`${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.body.data.entries.length).toBeLessThanOrEqual(2)
      seen.push(...res.body.data.entries.map((e: { id: number }) => e.id))
      cursor = res.body.data.next_cursor
    } while (cursor)
    expect(seen).toEqual(entries.map((e: { id: number }) => e.id))

    const q = async (query: string) => (await a.admin.get(`${url}?${query}`)).body.data.entries as { action: string; actor: { id: number } | null }[]
    expect((await q('action=role.')).map((e) => e.action)).toEqual(['role.create'])
    expect((await q('action=role')).map((e) => e.action)).toEqual(['role.create'])
    expect((await q('action=settings.update')).map((e) => e.action)).toEqual(['settings.update'])
    // "_" is a letter here, not a wildcard.
    expect(await q('action=location_')).toEqual([])
    const actors = (await a.admin.get(`${url}/actors`)).body.data.actors
    const admin = actors.find((x: { name: string }) => x.name === 'Admin a')
    expect(admin).toBeTruthy()
    expect(actors.some((x: { name: string }) => x.name === 'Admin b')).toBe(false)
    expect((await q(`actor_user_id=${admin.id}`)).every((e) => e.actor?.id === admin.id)).toBe(true)
    expect((await q(`from=${jakartaDay()}&to=${jakartaDay()}`)).length).toBe(entries.length)
    expect(await q(`to=${jakartaDay(-1)}`)).toEqual([])
    expect((await q(`entity_type=role&entity_id=${role.body.data.id}`)).map((e) => e.action)).toEqual(['role.create'])

    for (const bad of ['action=%25', 'action=role\'--', 'cursor=abc', 'limit=101', 'from=2026-13-01', `from=${jakartaDay()}&to=${jakartaDay(-1)}`, 'actor_user_id=0']) {
      const res = await a.admin.get(`${url}?${bad}`)
      expect([res.status, res.body.error.code], bad).toEqual([422, 'VALIDATION_FAILED'])
    }
    for (const key of ['support', 'manager', 'member', 'petugas'] as const) {
      expect((await a[key].get(url)).status).toBe(403)
      expect((await a[key].get(`${url}/actors`)).status).toBe(403)
    }
    expect((await b.admin.get(url)).status).toBe(404)
    expect((await b.admin.get(`${url}/actors`)).status).toBe(404)
    // Reading the log writes nothing to it.
    const count = (await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))).length
    await a.admin.get(url)
    expect((await t.db.select().from(auditLog).where(eq(auditLog.organizationId, a.id))).length).toBe(count)
  })
})
