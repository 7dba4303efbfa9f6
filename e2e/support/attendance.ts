// Today's attendance for the dashboard's specs (e2e/dashboard-attendance.spec.ts, e2e/dashboard-assurance.spec.ts), in
// the organization the foundation spec set up: members with their invitation redeemed on "their phone", check-ins
// through the real sync API, manual records, and (with the server's database and photo folder, which scripts/test.mjs
// passes in HADIR_E2E_DATABASE_URL and HADIR_E2E_DATA_DIR) captures as the server's own check of their images leaves
// them, so a spec does not wait for that check to run.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type APIRequestContext, expect, request } from '@playwright/test'
import postgres from 'postgres'
import sharp from 'sharp'
import { assuranceFor, type AssuranceChange } from '../../server/features/attendance/admin/assurance.fixtures'
import { addDays } from '../../shared/calendar'
import { type AdminApi, adminApi, apiData } from './api'
import { BASE_URL } from './browser'

const PIN = '582914'
const PHOTO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'faces', 'people', 'p03', 'p03-1.jpg')
const DATABASE_URL = process.env.HADIR_E2E_DATABASE_URL
const DATA_DIR = process.env.HADIR_E2E_DATA_DIR

export interface PhoneMember {
  id: number
  name: string
  number: string
  /** The member's own session ("their phone"). */
  phone: APIRequestContext
}

/** A spec's day of attendance: the admin's session, today in the organization, and what it made (disposed at the end). */
export class AttendanceDay {
  private readonly sessions: APIRequestContext[] = []
  /** The server's database, when the spec may write what the server's check would (else null). */
  readonly sql: postgres.Sql | null

  private constructor(
    readonly admin: AdminApi,
    /** A suffix of this run: member numbers and photo keys carry it. */
    readonly run: string,
    readonly today: string,
  ) {
    this.sql = DATABASE_URL && DATA_DIR ? postgres(DATABASE_URL, { max: 1, onnotice: () => {} }) : null
  }

  static async open(): Promise<AttendanceDay> {
    const admin = await adminApi(BASE_URL)
    const today = (await apiData<{ today: string }>(await admin.api.get(`/api/organizations/${admin.organizationId}/attendance/options`))).today
    return new AttendanceDay(admin, Date.now().toString(36).slice(-5), today)
  }

  async dispose(): Promise<void> {
    for (const s of this.sessions) await s.dispose()
    await this.admin.api.dispose()
    await this.sql?.end()
  }

  /** A member with an invitation redeemed on "their phone" (an API context holding the member's session). */
  async member(name: string, departmentId?: number): Promise<PhoneMember> {
    const { api, organizationId } = this.admin
    const number = `DA-${this.run}-${name.split(' ')[0]}`
    // Members of the spec joined two months ago (their first day), so today and the 30-day trend expect them whatever
    // the time of day the suite runs (someone added after work started is expected only from the next day).
    const created = await apiData<{ id: number }>(await api.post(`/api/organizations/${organizationId}/members`, { data: { name, member_number: number, department_id: departmentId, role: 'member', start_date: addDays(this.today, -60) } }))
    const invitation = await apiData<{ code: string }>(await api.post(`/api/organizations/${organizationId}/members/${created.id}/invitations`, { data: {} }))
    const phone = await request.newContext({ baseURL: BASE_URL })
    this.sessions.push(phone)
    await apiData(await phone.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: PIN } }))
    return { id: created.id, name, number, phone }
  }

  /** A check-in from the member's phone through the real sync API, now, optionally with a photo. */
  async checkIn(phone: APIRequestContext, memberId: number, withPhoto = false): Promise<number> {
    const record: Record<string, unknown> = { client_id: crypto.randomUUID(), member_id: memberId, kind: 'check_in', captured_at: new Date().toISOString() }
    if (withPhoto) record.face_image = fs.readFileSync(PHOTO).toString('base64')
    const result = await apiData<{ results: { status: string; record_id: number }[] }>(
      await phone.post('/api/attendance/sync', { data: { device_id: `phone-${memberId}`, sent_at: new Date().toISOString(), records: [record] } }),
    )
    expect(result.results[0]!.status).toBe('applied')
    return result.results[0]!.record_id
  }

  /** A record written on the dashboard from a paper list, today. */
  async manual(memberId: number, body: Record<string, unknown>): Promise<number> {
    const row = await apiData<{ id: number }>(
      await this.admin.api.post(`/api/organizations/${this.admin.organizationId}/attendance`, { data: { member_id: memberId, attendance_date: this.today, reason: 'Daftar hadir kertas', ...body } }),
    )
    return row.id
  }

  /** Five face crops of a real photo, as a capture's evidence frames: stored under the server's photo folder. */
  private async storeFrames(label: string): Promise<{ t: number; key: string }[]> {
    const source = sharp(fs.readFileSync(PHOTO))
    const { width = 400, height = 400 } = await source.metadata()
    const side = Math.round(Math.min(width, height) * 0.8)
    // Start, turned one way, back, turned the other way, back: the crop slides as the head would.
    const shifts = [0, -0.08, 0, 0.08, 0.01]
    const frames: { t: number; key: string }[] = []
    for (const [i, shift] of shifts.entries()) {
      const left = Math.max(0, Math.min(width - side, Math.round((width - side) / 2 + shift * width)))
      const bytes = await sharp(fs.readFileSync(PHOTO)).extract({ left, top: Math.round((height - side) / 3), width: side, height: side }).resize(256, 256).jpeg({ quality: 85 }).toBuffer()
      const key = `org-${this.admin.organizationId}/evidence/e2e-${this.run}-${label}-${i}.jpg`
      fs.mkdirSync(path.dirname(path.join(DATA_DIR!, 'photos', key)), { recursive: true })
      fs.writeFileSync(path.join(DATA_DIR!, 'photos', key), bytes)
      frames.push({ t: i * 800, key })
    }
    return frames
  }

  /** Today's record of a member with one check-in, as sync and the server's image check leave them. */
  async seedCapture(
    who: { id: number },
    label: string,
    time: string,
    day: { approval: 'verifying' | 'pending' | 'approved'; level: 'high' | 'medium' | 'low' | 'failed' | null },
    capture: { evidence: 'online' | 'offline' | null; assurance: AssuranceChange | null; verifying?: boolean },
  ): Promise<{ record: number; event: number }> {
    const db = this.sql!
    const { organizationId } = this.admin
    const captured = new Date(`${this.today}T${time}:00+07:00`)
    const received = new Date(captured.getTime() + 4000)
    const frames = capture.evidence ? await this.storeFrames(label) : null
    const evidence = frames ? { challenge_id: capture.evidence === 'online' ? crypto.randomUUID() : null, steps: ['turn_left', 'turn_right'], mode: capture.evidence, frames } : null
    const assurance = capture.assurance ? assuranceFor(captured, received, { ...capture.assurance, verifying: capture.verifying }) : null
    const [record] = await db`
      insert into attendance_records (organization_id, organization_member_id, attendance_date, check_in_time, status, approval_status, assurance_level, source, server_received_at)
      values (${organizationId}, ${who.id}, ${this.today}, ${`${time}:00`}, 'present', ${day.approval}, ${day.level}, 'mobile', ${received})
      returning id`
    const [event] = await db`
      insert into attendance_events (organization_id, client_id, attendance_record_id, organization_member_id, kind, payload_hash, mobile_device_id, device_captured_at, captured_at, received_at, origin, evidence, verification, assurance)
      values (${organizationId}, ${crypto.randomUUID()}, ${record!.id}, ${who.id}, 'check_in', ${`e2e-${this.run}-${label}`}, ${`phone-${who.id}`}, ${captured}, ${captured}, ${received}, 'phone',
        ${evidence ? db.json(evidence) : null}, ${capture.verifying ? 'verifying' : 'done'}, ${assurance ? db.json(assurance as never) : null})
      returning id`
    return { record: Number(record!.id), event: Number(event!.id) }
  }
}
