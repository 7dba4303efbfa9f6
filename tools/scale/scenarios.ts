// The scenarios of issue 20 item 3, each against the cluster (tools/scale/cluster.ts). Each answers what it counted.
import crypto from 'node:crypto'
import { Device } from '../hardening/stress/devices'
import { mintMembers, sleep, type Org } from '../hardening/stress/server-process'
import { renderEvidence } from '../test-support/evidence'
import { faceEncoding, photoBase64 } from '../test-support/faces'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { api, until, type Cluster } from './cluster'

type Log = (s: string) => void

/** Phones (the PWA's offline outbox, tools/hardening/stress/devices.ts) talking to the proxy. */
export async function makeDevices(cluster: Cluster, org: Org, count: number, prefix: string): Promise<Device[]> {
  const members = await mintMembers(cluster.db.sql, cluster.instances[0]!, org.id, count, prefix)
  return members.map((m) => new Device({ organizationId: org.id, memberId: m.memberId, memberName: m.name, cookie: m.cookie, baseUrl: () => cluster.proxy.url }))
}

/** The morning rush: every device has its records waiting and comes online at a random moment of the window. */
export async function morningRush(cluster: Cluster, devices: Device[], records: number, windowMs: number, log: Log): Promise<{ ok: boolean; seconds: number }> {
  for (const d of devices) for (let i = 0; i < records; i++) await d.capture(Math.floor(i / 2))
  const servedBefore = [...cluster.proxy.served]
  const started = Date.now()
  const done = await Promise.all(
    devices.map(async (d) => {
      await sleep(Math.random() * windowMs)
      return d.syncUntilEmpty(Date.now() + 600_000)
    }),
  )
  const seconds = (Date.now() - started) / 1000
  const spread = cluster.proxy.served.map((n, i) => n - servedBefore[i]!)
  log(`morning rush: ${devices.length} devices x ${records} records in ${seconds.toFixed(1)} s; requests per instance ${spread.join(' / ')}`)
  return { ok: done.every(Boolean) && spread.every((n) => n > 0), seconds }
}

/**
 * A face registered through instance 1 (consent, a challenge asked of instance 2, the evidence) is identified through
 * instance 3 straight after the registration answers: the face index of instance 3 heard of it (PostgreSQL NOTIFY).
 * Its reference photo is in the bucket and served by instance 2.
 */
export async function faceAcrossInstances(cluster: Cluster, org: Org, log: Log): Promise<boolean> {
  const [one, two, three] = cluster.instances.map((s) => s.url) as [string, string, string]
  const [member] = await mintMembers(cluster.db.sql, cluster.instances[0]!, org.id, 1, 'Face member')
  const { memberId, cookie } = member!
  // A petugas's phone (attendance:record:capture) identifies, as a kiosk does.
  const [officer] = await mintMembers(cluster.db.sql, cluster.instances[0]!, org.id, 1, 'Scale petugas')
  await cluster.db.sql`update member_roles set role_id = (select id from roles where organization_id is null and key = 'petugas') where organization_member_id = ${officer!.memberId}`
  await cluster.db.sql`update sessions set role_id = (select id from roles where organization_id is null and key = 'petugas') where organization_member_id = ${officer!.memberId}`
  const probe = await faceEncoding('people/p01/p01-1.jpg') // the same person, another photo, as a kiosk computes it
  const consent = await api(one, 'POST', `/api/members/${memberId}/face/consent`, cookie, { version: CONSENT_VERSION, device_id: 'scale-phone' })
  if (consent.status !== 201) throw new Error(`consent: ${consent.status} ${JSON.stringify(consent.body)}`)
  const before = await api(three, 'POST', '/api/face/verify', officer!.cookie, { face_encoding: probe, organization_id: org.id })
  const challenge = await api(two, 'POST', '/api/attendance/challenge', cookie, { purpose: 'register' })
  if (challenge.status !== 201) throw new Error(`challenge: ${challenge.status} ${JSON.stringify(challenge.body)}`)
  const photo = 'people/p01/p01-5.jpg'
  const evidence = await renderEvidence(photo, challenge.body.data.steps, { mode: 'online', challengeId: challenge.body.data.challenge_id })
  const registered = await api(one, 'POST', `/api/members/${memberId}/face/register`, cookie, { evidence, face_image: photoBase64(photo), device_id: 'scale-phone' })
  if (registered.status !== 201) throw new Error(`registration through instance 1: ${registered.status} ${JSON.stringify(registered.body)}`)
  const identified = await api(three, 'POST', '/api/face/verify', officer!.cookie, { face_encoding: probe, organization_id: org.id })
  const served = await fetch(`${two}/api/organizations/${org.id}/members/${memberId}/face/photo`, { headers: { cookie: org.adminCookie } })
  const bytes = (await served.arrayBuffer()).byteLength
  const [row] = await cluster.db.sql<{ url: string }[]>`select face_image_url as url from member_face_data where organization_member_id = ${memberId} and face_image_url is not null limit 1`
  const inBucket = row ? await fetchObjectSize(cluster, row.url) : null
  const ok = before.body?.data?.member_id !== memberId && identified.status === 200 && identified.body.data.member_id === memberId && served.status === 200 && bytes > 0 && inBucket === bytes
  log(
    `face: registered through instance 1, identified through instance 3 at once: ${identified.status} member ${identified.body?.data?.member_id ?? '-'} (expected ${memberId}, before: ${before.body?.data?.member_id ?? 'nobody'}); ` +
    `reference photo served by instance 2 (${served.status}, ${bytes} bytes; in the bucket: ${inBucket ?? 'missing'} bytes)`,
  )
  return ok
}

async function fetchObjectSize(cluster: Cluster, key: string): Promise<number | null> {
  const { S3Storage } = await import('../../server/storage/s3')
  const store = new S3Storage(cluster.s3.options)
  try {
    return await store.size(key)
  } finally {
    store.close()
  }
}

/** A dashboard's live stream on instance 2; records synced through instances 1 and 3 must each arrive as an event. */
export async function streamAcrossInstances(cluster: Cluster, org: Org, count: number, log: Log): Promise<{ sent: string[]; missed: number }> {
  const [one, two, three] = cluster.instances.map((s) => s.url) as [string, string, string]
  const members = await mintMembers(cluster.db.sql, cluster.instances[0]!, org.id, count, 'Stream member')
  const seen = new Set<number>()
  let ready = false
  const abort = new AbortController()
  const res = await fetch(`${two}/api/organizations/${org.id}/attendance/stream`, { headers: { cookie: org.adminCookie, accept: 'text/event-stream' }, signal: abort.signal })
  if (res.status !== 200 || !res.body) throw new Error(`stream on instance 2: ${res.status}`)
  const reading = (async () => {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: ?(.*)$/m.exec(block)?.[1]
          const data = /^data: ?(.*)$/m.exec(block)?.[1]
          if (event === 'ready') ready = true
          if (event === 'attendance' && data) seen.add(Number(JSON.parse(data).id))
        }
      }
    } catch {
      /* aborted at the end */
    }
  })()
  if (!(await until(() => ready, 300_000))) throw new Error('the stream on instance 2 never said ready')
  const sent: string[] = []
  const recordIds: number[] = []
  await Promise.all(
    members.map(async (m, i) => {
      const clientId = crypto.randomUUID()
      sent.push(clientId)
      const through = i % 2 === 0 ? one : three
      for (;;) {
        const r = await api(through, 'POST', '/api/attendance/sync', m.cookie, {
          device_id: `stream-${m.memberId}`,
          sent_at: new Date().toISOString(),
          records: [{ client_id: clientId, member_id: m.memberId, kind: 'check_in', captured_at: new Date().toISOString() }],
        })
        const result = r.body?.data?.results?.[0]
        if (r.status === 200 && result?.record_id) {
          recordIds.push(result.record_id)
          return
        }
        if (r.status < 500 && r.status !== 429) throw new Error(`sync through an instance: ${r.status} ${JSON.stringify(r.body)}`)
        await sleep(200)
      }
    }),
  )
  await until(() => recordIds.every((id) => seen.has(id)), 300_000)
  abort.abort()
  await reading
  const missed = recordIds.filter((id) => !seen.has(id)).length
  log(`stream: on instance 2, ${recordIds.length - missed} of ${recordIds.length} records synced through instances 1 and 3 arrived (${seen.size} events in all)`)
  return { sent, missed }
}

/** One instance SIGKILLed while the devices' batches are in flight, then restarted; the devices retry. */
export async function killMidBatch(cluster: Cluster, devices: Device[], records: number, log: Log): Promise<boolean> {
  for (const d of devices) for (let i = 0; i < records; i++) await d.capture(i % 3)
  const victim = cluster.instances[1]!
  const servedBefore = cluster.proxy.served[1]!
  const flushing = Promise.all(devices.map((d) => d.syncUntilEmpty(Date.now() + 600_000)))
  // Mid-batch: sync requests in flight and instance 2 already serving some of them.
  await until(() => cluster.proxy.inFlight > 0 && cluster.proxy.served[1]! > servedBefore, 120_000)
  const inFlight = cluster.proxy.inFlight
  await victim.kill()
  const refusedBefore = cluster.proxy.badGateway
  await until(() => cluster.proxy.badGateway > refusedBefore, 30_000) // a device met the dead instance
  await victim.start()
  const done = await flushing
  log(`kill: instance 2 SIGKILLed with ${inFlight} request(s) in flight and restarted; ${cluster.proxy.badGateway} request(s) met it down (502) and were retried; ${done.filter(Boolean).length}/${devices.length} devices emptied their outbox`)
  return done.every(Boolean)
}

/** Wrong passwords on instance 1 lock the account; the right password is then refused by instances 2 and 3 too. */
export async function lockoutAcrossInstances(cluster: Cluster, email: string, password: string, log: Log): Promise<{ bypassed: boolean; earned: boolean }> {
  const [one, ...others] = cluster.instances.map((s) => s.url)
  const wrong: number[] = []
  let earned = false
  for (let i = 0; i < 10 && !earned; i++) {
    const r = await api(one!, 'POST', '/api/auth/login', null, { email, password: `${password}-wrong` })
    wrong.push(r.status)
    earned = r.status === 429 && r.body?.error?.code === 'ACCOUNT_LOCKED'
  }
  const elsewhere = await Promise.all(others.map((base) => api(base, 'POST', '/api/auth/login', null, { email, password })))
  const bypassed = elsewhere.some((r) => r.status === 200)
  log(`lockout: wrong passwords on instance 1 answered ${wrong.join(', ')}; the right password then on instances 2 and 3: ${elsewhere.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim()).join(', ')}`)
  return { bypassed, earned }
}
