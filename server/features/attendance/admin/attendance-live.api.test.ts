import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import crypto from 'node:crypto'
import { backend, createTestApp, lastDatabaseUrl, type Agent, type TestApp } from '../../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../../tools/test-support/fixtures'
import { attendanceHub, liveSettings } from './attendance-live'

interface SseEvent {
  event: string
  data: string
}

/** An open event stream, read the way EventSource reads it. */
interface Stream {
  status: number
  /** The next event matching `match` (others before it are skipped and kept in `seen`). */
  next: (match: (e: SseEvent) => boolean, timeoutMs?: number) => Promise<SseEvent>
  /** Every event received so far. */
  seen: SseEvent[]
  /** Resolves when the server ends the stream. */
  ended: (timeoutMs?: number) => Promise<boolean>
  close: () => Promise<void>
}

async function openStream(t: TestApp, agent: Agent, organizationId: number): Promise<Stream> {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await t.app.request(`/api/organizations/${organizationId}/attendance/stream`, { headers: { cookie, accept: 'text/event-stream' } })
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  const seen: SseEvent[] = []
  let cursor = 0
  let buffer = ''
  let done = false
  let pending: Promise<void> | null = null
  const pump = () => {
    pending ??= reader.read().then(({ value, done: finished }) => {
      pending = null
      if (finished) {
        done = true
        return
      }
      buffer += decoder.decode(value, { stream: true })
      let cut: number
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const event = { event: 'message', data: '' }
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event.event = line.slice(7)
          else if (line.startsWith('data: ')) event.data += line.slice(6)
        }
        seen.push(event)
      }
    })
    return pending
  }
  const until = async (check: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (done) return false
      const left = deadline - Date.now()
      if (left <= 0) return false
      await Promise.race([pump(), new Promise((r) => setTimeout(r, left))])
    }
    return true
  }
  return {
    status: res.status,
    seen,
    async next(match, timeoutMs = 5000) {
      let found: SseEvent | undefined
      const ok = await until(() => {
        while (cursor < seen.length) {
          const e = seen[cursor++]!
          if (match(e)) {
            found = e
            return true
          }
        }
        return false
      }, timeoutMs)
      if (!ok || !found) throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(seen)}`)
      return found
    },
    ended: (timeoutMs = 5000) => until(() => done, timeoutMs),
    close: () => reader.cancel(),
  }
}

const isAttendance = (id?: number) => (e: SseEvent) => e.event === 'attendance' && (id === undefined || JSON.parse(e.data).id === id)

describe('live attendance (Server-Sent Events over LISTEN/NOTIFY)', () => {
  let t: TestApp
  let a: OrgWorld
  let b: OrgWorld
  const heartbeat = liveSettings.heartbeatMs
  beforeAll(async () => {
    t = await createTestApp()
    a = await buildOrg(t, 'a')
    b = await buildOrg(t, 'b')
    liveSettings.heartbeatMs = 300
  })
  afterAll(async () => {
    liveSettings.heartbeatMs = heartbeat
    await t.close()
  })

  const checkIn = async (org: OrgWorld, date: string) => {
    const res = await org.member.post('/api/attendance/sync', {
      device_id: 'phone',
      sent_at: new Date().toISOString(),
      records: [{ client_id: crypto.randomUUID(), member_id: org.memberId, kind: 'check_in', captured_at: new Date(`${date}T07:45:00+07:00`).toISOString() }],
    })
    expect(res.body.data.results[0].status).toBe('applied')
    return res.body.data.results[0].record_id as number
  }

  it('is a stream only for the organization and roles that may read attendance', async () => {
    const cookie = (agent: Agent) => [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const plain = await t.app.request(`/api/organizations/${a.id}/attendance/stream`, { headers: { cookie: cookie(a.admin) } })
    expect(plain.status).toBe(406)
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('NOT_ACCEPTABLE')
    const anonymous = await t.app.request(`/api/organizations/${a.id}/attendance/stream`, { headers: { accept: 'text/event-stream' } })
    expect(anonymous.status).toBe(401)
    const foreign = await t.app.request(`/api/organizations/${a.id}/attendance/stream`, { headers: { cookie: cookie(b.admin), accept: 'text/event-stream' } })
    expect(foreign.status).toBe(404)
    const member = await t.app.request(`/api/organizations/${a.id}/attendance/stream`, { headers: { cookie: cookie(a.member), accept: 'text/event-stream' } })
    expect(member.status).toBe(403)
    for (const who of [a.support, a.manager]) {
      const s = await openStream(t, who, a.id)
      expect(s.status).toBe(200)
      expect(JSON.parse((await s.next((e) => e.event === 'ready')).data)).toMatchObject({ organization_id: a.id })
      await s.close()
    }
  })

  it('tells each organization\'s dashboards about its own new records only, with ids and kinds, and heartbeats', async () => {
    const streamA = await openStream(t, a.admin, a.id)
    const streamB = await openStream(t, b.admin, b.id)
    await streamA.next((e) => e.event === 'ready')
    await streamB.next((e) => e.event === 'ready')
    const idA = await checkIn(a, '2026-11-16')
    expect(JSON.parse((await streamA.next(isAttendance(idA))).data)).toEqual({ kind: 'record', id: idA, change: 'changed' })
    const idB = await checkIn(b, '2026-11-16')
    const firstForB = await streamB.next(isAttendance())
    expect(JSON.parse(firstForB.data).id).toBe(idB)
    await streamA.next((e) => e.event === 'heartbeat', 3000)
    // Approvals, corrections and manual records are announced too.
    await a.admin.post(`/api/organizations/${a.id}/attendance/${idA}/reject`, {})
    expect(JSON.parse((await streamA.next(isAttendance(idA))).data).change).toBe('updated')
    const manual = await a.admin.post(`/api/organizations/${a.id}/attendance`, { member_id: a.petugasId, attendance_date: '2026-11-16', check_in_time: '07:30', reason: 'Lupa absen' })
    expect(JSON.parse((await streamA.next(isAttendance(manual.body.data.id))).data).change).toBe('created')
    await new Promise((r) => setTimeout(r, 400))
    expect(streamB.seen.filter((e) => e.event === 'attendance').map((e) => JSON.parse(e.data).id)).toEqual([idB])
    // Events carry nothing but the id and kinds.
    for (const e of [...streamA.seen, ...streamB.seen].filter((x) => x.event === 'attendance')) expect(Object.keys(JSON.parse(e.data)).sort()).toEqual(['change', 'id', 'kind'])
    await streamA.close()
    await streamB.close()
    await new Promise((r) => setTimeout(r, 100))
    expect(attendanceHub(t.deps.database).size()).toBe(0)
  })

  it('ends the stream when the session ends (sign-out, or switching organization)', async () => {
    const s = await openStream(t, a.admin, a.id)
    await s.next((e) => e.event === 'ready')
    await a.admin.post('/api/auth/logout', {})
    expect(JSON.parse((await s.next((e) => e.event === 'end', 3000)).data)).toEqual({ reason: 'session_ended' })
    expect(await s.ended()).toBe(true)
    // Signed in again: a stream for the organization ends when the session moves to another one.
    const { webLogin } = await import('../../../../tools/test-support/fixtures')
    const admin = await webLogin(t, a.emails.admin, a.id)
    const again = await openStream(t, admin, a.id)
    await again.next((e) => e.event === 'ready')
    const org2 = await admin.post('/api/organizations', { name: 'Cabang Dua' })
    expect(org2.status).toBe(201)
    expect((await admin.post('/api/auth/select', { organization_id: org2.body.data.id })).status).toBe(200)
    await again.next((e) => e.event === 'end', 3000)
    expect(await again.ended()).toBe(true)
  })

  it.skipIf(backend !== 'postgres')('reaches a dashboard connected to another server instance on the same database', async () => {
    const second = await createTestApp({}, { databaseUrl: lastDatabaseUrl!, secret: t.deps.secret })
    try {
      const admin = (await import('../../../../tools/test-support/fixtures')).webLogin
      const viewer = await admin(t, a.emails.manager, a.id)
      const s = await openStream(second, viewer, a.id)
      await s.next((e) => e.event === 'ready')
      const id = await checkIn(a, '2026-11-18')
      expect(JSON.parse((await s.next(isAttendance(id))).data).id).toBe(id)
      await s.close()
    } finally {
      await second.close()
    }
  })
})
