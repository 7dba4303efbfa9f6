import crypto from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import zlib from 'node:zlib'
import { isNotNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../test-support/harness'
import { buildOrg, webLogin, type OrgWorld } from '../test-support/fixtures'
import { photoBase64 } from '../test-support/faces'
import { attendanceRecords, auditLog, organizations } from '../../server/db/schema'
import { FORMAT, restoreBackup, writeBackup } from '../../server/backup/archive'
import { readArchive } from './read-archive'

async function backupOf(t: TestApp): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c) => chunks.push(c))
  await writeBackup(t.deps.database, t.deps.storage, out)
  return Buffer.concat(chunks)
}

describe('backup and restore while devices keep syncing', () => {
  let source: TestApp
  let target: TestApp
  let a: OrgWorld
  beforeAll(async () => {
    source = await createTestApp()
    target = await createTestApp()
    a = await buildOrg(source, 'a')
  })
  afterAll(async () => {
    await source.close()
    await target.close()
  })

  it('one snapshot of every table and every photo it refers to, restored row for row into an empty installation', async () => {
    const acknowledged: { clientId: string; at: number }[] = []
    let syncing = true
    const send = async () => {
      const clientId = crypto.randomUUID()
      const res = await a.member.post('/api/attendance/sync', {
        device_id: 'phone-a',
        sent_at: new Date().toISOString(),
        records: [{ client_id: clientId, member_id: a.memberId, kind: acknowledged.length % 2 ? 'check_out' : 'check_in', captured_at: new Date(Date.now() - (acknowledged.length % 20) * 86_400_000).toISOString(), face_image: photoBase64('people/p01/p01-1.jpg') }],
      })
      expect(res.status).toBe(200)
      acknowledged.push({ clientId, at: performance.now() })
    }
    for (let i = 0; i < 4; i++) await send()
    // A device keeps syncing, photos included, during the whole backup.
    const device = (async () => {
      while (syncing) await send()
    })()
    const startedAt = performance.now()
    const archive = await backupOf(source)
    const endedAt = performance.now()
    syncing = false
    await device
    for (let i = 0; i < 2; i++) await send() // after the backup: must not be in it

    const made = readArchive(archive)
    expect(made.header.format).toBe(FORMAT)
    expect(made.manifest.missing_images).toEqual([])
    const events = made.tables.get('attendance_events')!.join('\n')
    // Everything acknowledged before the backup began is in it; nothing acknowledged after it ended.
    for (const ack of acknowledged) {
      if (ack.at < startedAt) expect(events).toContain(ack.clientId)
      if (ack.at > endedAt) expect(events).not.toContain(ack.clientId)
    }
    // Every photo a row of the snapshot refers to is in the archive, byte for byte as stored.
    const photoKeys = [...made.tables.values()].flat().join('\n').match(/org-\d+\/[a-z0-9/_-]+\.jpg/g) ?? []
    expect(photoKeys.length).toBeGreaterThan(0)
    for (const key of new Set(photoKeys)) {
      expect(made.images.has(key)).toBe(true)
      expect(Buffer.from(made.images.get(key)!, 'base64').equals(Buffer.from((await source.deps.storage.get(key))!))).toBe(true)
    }

    const restored = await restoreBackup(target.deps.database, target.deps.storage, Readable.from(archive))
    expect(restored.tables).toEqual(made.manifest.tables)
    // The restored installation, archived again, holds exactly the same rows and photos.
    const again = readArchive(await backupOf(target))
    expect([...again.tables.keys()].sort()).toEqual([...made.tables.keys()].sort())
    for (const [table, rows] of made.tables) expect(again.tables.get(table), table).toEqual(rows)
    expect(new Map([...again.images].sort())).toEqual(new Map([...made.images].sort()))

    // And it works: the admin signs in there and a restored photo is served through its route; new rows get new ids.
    const admin = await webLogin(target, 'admin.a@example.com', a.id)
    const list = await admin.get(`/api/organizations/${a.id}/attendance?limit=200`)
    expect(list.status).toBe(200)
    expect(list.body.data.records.length).toBe(made.manifest.tables.attendance_records)
    const [withPhoto] = await target.db.select({ id: attendanceRecords.id, key: attendanceRecords.faceImageUrl }).from(attendanceRecords).where(isNotNull(attendanceRecords.faceImageUrl)).limit(1)
    const served = await admin.fetch(`/api/organizations/${a.id}/attendance/${withPhoto!.id}/photo`)
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer()).toString('base64')).toBe(made.images.get(withPhoto!.key!))
    const org = await admin.post('/api/organizations', { name: 'After restore' })
    expect([200, 201]).toContain(org.status)

    // A second restore into a non-empty installation is refused unless forced.
    await expect(restoreBackup(target.deps.database, target.deps.storage, Readable.from(archive))).rejects.toThrow(/already has organizations/)
  })

  it('streams tables larger than one batch both ways, and an archive cut short among the tables restores nothing', async () => {
    // 1,234 more audit rows: the backup reads them through its cursor and the restore writes them 500 at a time.
    const extra = Array.from({ length: 1234 }, (_, i) => ({ organizationId: a.id, action: 'test.bulk', entityType: 'test', entityId: String(i), details: { i } }))
    for (let i = 0; i < extra.length; i += 500) await source.db.insert(auditLog).values(extra.slice(i, i + 500))
    const archive = await backupOf(source)
    const made = readArchive(archive)
    const audits = made.tables.get('audit_log')!
    expect(audits.length).toBeGreaterThanOrEqual(1234 + 1)
    expect(made.manifest.tables.audit_log).toBe(audits.length)

    const fresh = await createTestApp()
    try {
      // Cut in the middle of audit_log's rows: refused, and the installation stays empty.
      const lines = zlib.gunzipSync(archive).toString('utf8').split('\n')
      const cut = lines.findIndex((l) => l.startsWith('{"table":"audit_log"')) + 700
      const short = zlib.gzipSync(lines.slice(0, cut).join('\n'))
      await expect(restoreBackup(fresh.deps.database, fresh.deps.storage, Readable.from(short))).rejects.toThrow(/incomplete/)
      expect(await fresh.db.$count(organizations)).toBe(0)
      // The whole archive: every row back.
      const restored = await restoreBackup(fresh.deps.database, fresh.deps.storage, Readable.from(archive))
      expect(restored.tables.audit_log).toBe(audits.length)
      expect(await fresh.db.$count(auditLog)).toBe(audits.length)
    } finally {
      await fresh.close()
    }
  })
})
