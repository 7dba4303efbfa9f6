import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { and, count, eq } from 'drizzle-orm'
import webpush from 'web-push'
import { createTestApp, type TestApp } from '../../../tools/test-support/harness'
import { buildOrg, type OrgWorld } from '../../../tools/test-support/fixtures'
import { startPushService, type PushService } from '../../../tools/test-support/push-service'
import { startSmtpSink, type SmtpSink } from '../../../tools/test-support/smtp-sink'
import { attendanceRecords, notifications, users, notificationSettings, organizationMembers, organizations, pushSubscriptions } from '../../db/schema'
import { localToIso, toLocal } from '../../../shared/attendance/rules'
import { addDays, isoWeekday } from '../../../shared/calendar'
import { holidayCalendar } from '../holidays/holidays.service'
import { runReminders } from './reminders'
import { DELIVER_NOTIFICATION } from './notifications.service'
import { targetSettings } from '../webhooks/webhooks.target'
import { postGuarded } from '../webhooks/webhooks.deliver'
import { CONDITION_WAIT_MS } from '../../../tools/test-support/waits'

describe('notifications that reach people: Web Push and email, per person and language', () => {
  let t: TestApp
  let a: OrgWorld
  let push: PushService
  let smtp: SmtpSink
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.test' }
  /** A working Wednesday a week or more ahead that is no holiday: the reminders' day. */
  let day: string

  beforeAll(async () => {
    t = await createTestApp()
    targetSettings.allowPrivate = true // the test's push service is on 127.0.0.1
    push = await startPushService()
    smtp = await startSmtpSink()
    t.deps.notify = { vapid, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Hadir <hadir@example.test>' }, publicUrl: 'https://hadir.example.test' }
    a = await buildOrg(t, 'a')
    day = addDays(toLocal(new Date(), 'Asia/Jakarta').date, 7)
    for (;;) {
      if (isoWeekday(day) === 3 && (await holidayCalendar(t.db, a.id, day, day)).on(day, null) === null) break
      day = addDays(day, 1)
    }
  })
  afterAll(async () => {
    targetSettings.allowPrivate = false
    await t.close()
    await push.close()
    await smtp.close()
  })

  const atOn = (date: string, time: string) => new Date(localToIso(`${date} ${time}`, 'Asia/Jakarta'))
  const at = (time: string) => atOn(day, time)
  const delivered = async () => vi.waitFor(async () => expect(await t.deps.jobs.pending(DELIVER_NOTIFICATION)).toBe(0), { timeout: 20_000, interval: 100 })
  const rowsOf = (kind: string) => t.db.select().from(notifications).where(and(eq(notifications.organizationId, a.id), eq(notifications.kind, kind)))

  it('tells each person what they may receive, with the VAPID public key and whether email works', async () => {
    const member = await a.member.get('/api/notifications/settings')
    expect(member.status).toBe(200)
    expect(member.body.data).toMatchObject({
      language: 'id',
      kinds: [
        { kind: 'checkin_reminder', channel: 'push', enabled: true },
        { kind: 'checkout_reminder', channel: 'push', enabled: true },
        { kind: 'request_answered', channel: 'push', enabled: true },
      ],
      push: { available: true, public_key: vapid.publicKey, endpoints: [] },
      email: { available: true },
    })
    const admin = await a.admin.get('/api/notifications/settings')
    expect(admin.body.data.kinds.map((k: { kind: string }) => k.kind)).toEqual(['review_waiting', 'daily_digest'])
    expect(admin.body.data.email).toEqual({ available: true, address: 'admin.a@example.com' })
    expect((await t.agent().get('/api/notifications/settings')).status).toBe(401)
  })

  it('refuses what is not theirs or not a subscription with a 4xx, changing nothing', async () => {
    const bad = await a.member.put('/api/notifications/settings', { kinds: { daily_digest: true } })
    expect(bad.status).toBe(422)
    expect((await a.member.put('/api/notifications/settings', { language: 'fr' })).status).toBe(422)
    const sub = push.subscriber('/nowhere').json
    expect((await a.member.post('/api/notifications/push-subscriptions', { ...sub, endpoint: 'http://10.0.0.5/push' })).status).toBe(422)
    expect((await a.member.post('/api/notifications/push-subscriptions', { ...sub, keys: { p256dh: 'short', auth: sub.keys.auth } })).status).toBe(422)
    expect((await a.member.post('/api/notifications/push-subscriptions/remove', { endpoint: sub.endpoint })).status).toBe(404)
    // Where private targets are not allowed (production), a push endpoint is a public https address: the server posts
    // to it, so it is never a way into the organization's network.
    targetSettings.allowPrivate = false
    const pushed = push.received.length
    try {
      for (const endpoint of [sub.endpoint, 'https://127.0.0.1/push', 'https://10.0.0.5/push', 'https://[::1]/push', 'https://localhost/push', 'https://user:pw@push.example.com/x', 'http://push.example.com/x']) {
        const refused = await a.member.post('/api/notifications/push-subscriptions', { ...sub, endpoint })
        expect(refused.status, endpoint).toBe(422)
        expect(refused.body.error.code).toBe('PUSH_ENDPOINT_INVALID')
      }
      // And a delivery never reaches a private address, whatever was stored (a literal, or a name resolving to one).
      expect(await postGuarded(push.subscriber('/x').json.endpoint, 'x', {}, 5_000)).toMatchObject({ ok: false, error: 'refused: private address' })
      expect((await postGuarded(push.subscriber('/x').json.endpoint.replace('127.0.0.1', 'localhost'), 'x', {}, 5_000)).error).toMatch(/private address/)
      expect(push.received).toHaveLength(pushed)
    } finally {
      targetSettings.allowPrivate = true
    }
    expect((await t.db.select({ n: count() }).from(notificationSettings))[0]!.n).toBe(0)
    expect((await t.db.select({ n: count() }).from(pushSubscriptions))[0]!.n).toBe(0)
  })

  it('pushes the answer to a leave request, signed with VAPID, encrypted for the subscription, in the member\'s language', async () => {
    const phone = push.subscriber('/member-phone')
    expect((await a.member.post('/api/notifications/push-subscriptions', phone.json)).status).toBe(201)
    expect((await a.member.put('/api/notifications/settings', { language: 'en' })).body.data.language).toBe('en')
    const asked = await a.member.post('/api/leave-requests', { kind: 'sick', start_date: day, end_date: day, reason: 'Demam' })
    expect(asked.status).toBe(201)
    const rejected = await a.admin.post(`/api/organizations/${a.id}/leave-requests/${asked.body.data.id}/reject`, { note: 'Please bring a letter' })
    expect(rejected.status).toBe(200)
    await delivered()
    expect(push.refused).toEqual([])
    expect(push.received).toHaveLength(1)
    expect(push.received[0]).toMatchObject({
      path: '/member-phone',
      vapidKey: vapid.publicKey,
      claims: { aud: push.origin, sub: 'mailto:ops@example.test' },
      payload: { title: 'Leave request rejected', url: '/m/leave' },
    })
    expect(push.received[0]!.payload.body).toContain('Please bring a letter')
  })

  it('honours a kind turned off: no answer is pushed', async () => {
    await a.member.put('/api/notifications/settings', { kinds: { request_answered: false } })
    const asked = await a.member.post('/api/correction-requests', { attendance_date: addDays(toLocal(new Date(), 'Asia/Jakarta').date, -1), kind: 'check_in', check_in_time: '08:00', reason: 'Lupa' })
    expect(asked.status).toBe(201)
    const rejected = await a.admin.post(`/api/organizations/${a.id}/correction-requests/${asked.body.data.id}/reject`, { note: 'No' })
    expect(rejected.status).toBe(200)
    await delivered()
    expect(push.received).toHaveLength(1)
    expect(await rowsOf('request_answered')).toHaveLength(1)
    await a.member.put('/api/notifications/settings', { kinds: { request_answered: true } })
  })

  it('reminds a member not checked in by the organization\'s time, once a day, whatever the clock of the test', async () => {
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { checkin_reminder_time: '08:30' })).status).toBe(200)
    expect((await a.admin.patch(`/api/organizations/${a.id}/settings`, { checkin_reminder_time: '8.30' })).status).toBe(422)
    await runReminders(t.deps, at('08:20:00'))
    await delivered()
    expect(await rowsOf('checkin_reminder')).toHaveLength(0)
    await runReminders(t.deps, at('08:35:00'))
    await runReminders(t.deps, at('08:40:00'))
    await delivered()
    expect(await rowsOf('checkin_reminder')).toHaveLength(1)
    const got = push.received.filter((p) => p.payload.url === '/m/checkin')
    expect(got).toHaveLength(1)
    expect(got[0]!.payload).toMatchObject({ title: 'Not checked in yet', body: 'It is 08:30 and you have not checked in today.' })
  })

  it('reminds a member still checked in after their hours, once', async () => {
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: day, checkInTime: '08:05:00', status: 'present', source: 'mobile' })
    await runReminders(t.deps, at('16:10:00'))
    await delivered()
    expect(await rowsOf('checkout_reminder')).toHaveLength(0)
    await runReminders(t.deps, at('16:31:00'))
    await runReminders(t.deps, at('17:00:00'))
    await delivered()
    expect(await rowsOf('checkout_reminder')).toHaveLength(1)
    expect(push.received.at(-1)!.payload).toMatchObject({ title: 'Not checked out yet', body: 'Your hours ended at 16:00. Remember to check out.' })
  })

  it('reminds a member of a night shift still checked in the next morning, once, for the night\'s own day', async () => {
    // Hours of 22:00-06:00 (a night shift ends the next day): checked in at 22:05, never out.
    await t.db.update(organizations).set({ workStartTime: '22:00:00', workEndTime: '06:00:00' }).where(eq(organizations.id, a.id))
    let night = addDays(day, 7)
    while ((await holidayCalendar(t.db, a.id, night, addDays(night, 1))).on(night, null) !== null || isoWeekday(night) > 4) night = addDays(night, 1)
    const morning = addDays(night, 1)
    const [record] = await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.memberId, attendanceDate: night, checkInTime: '22:05:00', status: 'present', source: 'mobile' }).returning()
    try {
      const before = (await rowsOf('checkout_reminder')).length
      // Runs before 07:00 only: from then on the admins' digest of the day before would be queued too.
      await runReminders(t.deps, atOn(night, '06:50:00'))
      await runReminders(t.deps, atOn(morning, '06:10:00'))
      await delivered()
      expect(await rowsOf('checkout_reminder')).toHaveLength(before)
      await runReminders(t.deps, atOn(morning, '06:31:00'))
      await runReminders(t.deps, atOn(morning, '06:50:00'))
      await delivered()
      const rows = await rowsOf('checkout_reminder')
      expect(rows).toHaveLength(before + 1)
      expect(rows.at(-1)!.dedupeKey).toBe(night)
      expect(push.received.at(-1)!.payload).toMatchObject({ title: 'Not checked out yet', body: 'Your hours ended at 06:00. Remember to check out.' })
      // Checked out: no reminder the morning after another such night either.
      await t.db.update(attendanceRecords).set({ checkOutTime: '06:40:00' }).where(eq(attendanceRecords.id, record!.id))
      await runReminders(t.deps, atOn(morning, '06:55:00'))
      await delivered()
      expect(await rowsOf('checkout_reminder')).toHaveLength(before + 1)
    } finally {
      await t.db.delete(attendanceRecords).where(eq(attendanceRecords.id, record!.id))
      await t.db.update(organizations).set({ workStartTime: '08:00:00', workEndTime: '16:00:00' }).where(eq(organizations.id, a.id))
    }
  })

  it('a push service that says the subscription is gone loses it', async () => {
    push.answer.set('/member-phone', 410)
    await t.db.update(attendanceRecords).set({ checkOutTime: '16:40:00' }).where(eq(attendanceRecords.attendanceDate, day))
    const asked = await a.member.post('/api/leave-requests', { kind: 'leave', start_date: addDays(day, 1), end_date: addDays(day, 1), reason: 'Urusan keluarga' })
    await a.admin.post(`/api/organizations/${a.id}/leave-requests/${asked.body.data.id}/approve`, {})
    await delivered()
    expect(await t.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, (await memberUser())!))).toHaveLength(0)
  })

  async function memberUser() {
    const [m] = await t.db.select({ userId: organizationMembers.userId }).from(organizationMembers).where(eq(organizationMembers.id, a.memberId))
    return m?.userId
  }

  it('emails the admins a daily digest of yesterday in their language; pushes them records waiting for review', async () => {
    // The reminder runs above (on `day`) already sent the digest of the day before it; this one is about `day` itself.
    const thursday = addDays(day, 1)
    const desk = push.subscriber('/admin-desk')
    expect((await a.admin.post('/api/notifications/push-subscriptions', desk.json)).status).toBe(201)
    await t.db.insert(attendanceRecords).values({ organizationId: a.id, organizationMemberId: a.petugasId, attendanceDate: addDays(day, -2), checkInTime: '08:00:00', status: 'present', source: 'mobile', approvalStatus: 'pending' })
    const before = smtp.mails.length
    await runReminders(t.deps, atOn(thursday, '06:50:00'))
    await delivered()
    expect(smtp.mails.length).toBe(before)
    expect(push.received.filter((p) => p.path === '/admin-desk').map((p) => p.payload)).toEqual([
      { title: 'Absensi menunggu tinjauan', body: '1 catatan absensi menunggu tinjauan Anda.', url: '/admin/attendance', tag: `review_waiting:${thursday}` },
    ])
    await runReminders(t.deps, atOn(thursday, '07:05:00'))
    await runReminders(t.deps, atOn(thursday, '09:00:00'))
    await delivered()
    await vi.waitFor(() => expect(smtp.mails.length).toBe(before + 1), CONDITION_WAIT_MS)
    const mail = smtp.mails.at(-1)!
    expect(smtp.recipients.at(-1)).toEqual(['admin.a@example.com'])
    expect(mail.subject).toBe(`Ringkasan absensi Org a, ${day}`)
    expect(mail.text).toContain('Hadir: 1 (terlambat: 0)')
    expect(mail.text).toContain('Menunggu tinjauan: 1')
    expect(mail.text).toContain('Pengajuan izin menunggu: 0')
    expect(mail.from?.text).toContain('hadir@example.test')
    expect(push.received.filter((p) => p.path === '/admin-desk')).toHaveLength(1)

    // English the next morning; then the digest turned off.
    await a.admin.put('/api/notifications/settings', { language: 'en' })
    await runReminders(t.deps, atOn(addDays(day, 2), '07:30:00'))
    await delivered()
    await vi.waitFor(() => expect(smtp.mails.length).toBe(before + 2), CONDITION_WAIT_MS)
    expect(smtp.mails.at(-1)!.subject).toBe(`Org a attendance summary, ${thursday}`)
    expect(smtp.mails.at(-1)!.text).toContain('Waiting for review: 1')
    await a.admin.put('/api/notifications/settings', { kinds: { daily_digest: false } })
    await runReminders(t.deps, atOn(addDays(day, 3), '07:30:00'))
    await delivered()
    expect(smtp.mails.length).toBe(before + 2)
    expect(await rowsOf('daily_digest')).toHaveLength(3)
  })

  it('emails a member their invitation link in their language', async () => {
    const made = await a.admin.post(`/api/organizations/${a.id}/members`, { name: 'Dewi Anggraini', email: 'dewi@example.com', member_number: 'M-dewi' })
    expect(made.status).toBe(201)
    const memberId = made.body.data.id as number
    const [m] = await t.db.select({ userId: organizationMembers.userId }).from(organizationMembers).where(eq(organizationMembers.id, memberId))
    const before = smtp.mails.length
    const invited = await a.admin.post(`/api/organizations/${a.id}/members/${memberId}/invitations`, {})
    expect(invited.status).toBe(201)
    await delivered()
    await vi.waitFor(() => expect(smtp.mails.length).toBe(before + 1), CONDITION_WAIT_MS)
    expect(smtp.recipients.at(-1)).toEqual(['dewi@example.com'])
    expect(smtp.mails.at(-1)!.subject).toBe('Undangan bergabung dengan Org a di Hadir')
    expect(smtp.mails.at(-1)!.text).toContain(`https://hadir.example.test/m/invite/${invited.body.data.code}`)

    await t.db.insert(notificationSettings).values({ organizationId: a.id, userId: m!.userId, language: 'en' })
    const again = await a.admin.post(`/api/organizations/${a.id}/members/${memberId}/invitations`, {})
    await delivered()
    await vi.waitFor(() => expect(smtp.mails.length).toBe(before + 2), CONDITION_WAIT_MS)
    expect(smtp.mails.at(-1)!.subject).toBe('Invitation to join Org a on Hadir')
    expect(smtp.mails.at(-1)!.text).toContain(`/m/invite/${again.body.data.code}`)
  })

  it('emails a person with an account of their own who is invited as staff, with the dashboard\'s sign-in link', async () => {
    await t.db.insert(users).values({ name: 'Guest', email: 'guest@example.com' })
    const before = smtp.mails.length
    const invited = await a.admin.post(`/api/organizations/${a.id}/staff`, { name: 'Guest Tamu', email: 'guest@example.com', role_key: 'manager' })
    expect(invited.status).toBe(202)
    await delivered()
    await vi.waitFor(() => expect(smtp.mails.length).toBe(before + 1), CONDITION_WAIT_MS)
    expect(smtp.recipients.at(-1)).toEqual(['guest@example.com'])
    expect(smtp.mails.at(-1)!.text).toContain('https://hadir.example.test/admin/login')
  })

  it('sends no email when SMTP is not configured, and says so', async () => {
    const smtpConfig = t.deps.notify!.smtp
    t.deps.notify!.smtp = null
    try {
      expect((await a.admin.get('/api/notifications/settings')).body.data.email.available).toBe(false)
    } finally {
      t.deps.notify!.smtp = smtpConfig
    }
  })
})
