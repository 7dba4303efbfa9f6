import { expect, test } from './support/fixtures'
import { ok } from './support/journey'
import { FAR, GATE, invitationLink, J, memberIds, memberOnPhone, nameOf, timings } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// Step 2: two members open their invitations on their phones, set PINs, consent, register their faces and check in
// (the server checks each capture's evidence: one is verified, the other waits for review, with the reason).

export default function phones(): void {
  test('2. two members open their invitations on their phones, consent, register their faces and check in', async () => {
    // Against a hang only. This step first waits for the journey's face preparation (about a minute of CPU, started
    // beside step 1): with the load average above 20 in a clean-clone CI of 2026-12-06 it had not finished after the
    // 15 minutes this step had.
    test.setTimeout(2_400_000)
    // The admin copies both invitation links from the dashboard; the two phones then go at the same time.
    const links = { ani: await invitationLink(J.admin.page, nameOf('ani')), bayu: await invitationLink(J.admin.page, nameOf('bayu')) }
    J.faces = await J.preparing
    const started = Date.now()
    const [ani, bayu] = await Promise.all([
      // Ani at school: a plain check-in.
      memberOnPhone('ani', links.ani, J.faces.ani, { ...GATE, accuracy: 15 }, true),
      // Bayu checks in from far away: his record is flagged for the admin to review (step 5).
      memberOnPhone('bayu', links.bayu, J.faces.bayu, FAR, false),
    ])
    J.aniPhone = { browser: ani.browser, context: ani.context, page: ani.page }
    // Ani's capture is verified; Bayu's (far from the school) waits for the admin's review, and his phone says why.
    expect(ani.verdict).toBe('verified')
    expect(ani.record.flags).not.toContain('outside_geofence')
    expect(ani.record.approval_status).toBe('approved')
    expect(bayu.verdict).toBe('review')
    expect(bayu.reasons).toContain('You were outside the allowed location.')
    expect(bayu.record.flags).toContain('outside_geofence')
    expect(bayu.record.approval_status).toBe('pending')
    await bayu.browser.close()
    timings.phones = Date.now() - started

    // Both registered, as the admin sees them.
    for (const key of ['ani', 'bayu'] as const) {
      const member = await ok<{ face_registered: boolean; last_attendance: string | null }>(await J.admin.api.get(`/api/organizations/${J.organizationId}/members/${memberIds[key]}`))
      expect(member.face_registered, key).toBe(true)
      expect(member.last_attendance, key).not.toBeNull()
    }
  })
}
