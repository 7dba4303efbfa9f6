import { request } from '@playwright/test'
import type { IssuedChallenge } from '../shared/attendance/evidence'
import { renderEvidence } from '../tools/test-support/evidence'
import { expect, test } from './support/fixtures'
import { ok, snap, storedPhotos } from './support/journey'
import { a11y, J, memberIds } from './support/journey-world'

// Part of the journey (e2e/journey.spec.ts runs its parts in order, serially, on one server; the state the steps
// hand on to each other is in support/journey-world.ts). Not a spec on its own.
// Step 6: a member withdraws consent: face verification stops and the photos are gone.

export default function consent(): void {
  test('6. a member withdraws consent: face verification stops working and the photos are gone', async () => {
    const { page } = J.aniPhone!
    const id = memberIds.ani
    const face = await ok<{ registered: boolean }>(await page.request.get(`/api/members/${id}/face`))
    expect(face.registered).toBe(true)
    expect(face).not.toHaveProperty('descriptors') // a phone never gets a template back
    // The kiosk's offline gallery holds her descriptors (only an enrolled tablet gets them): her face as the tablet sees it.
    const gallery = await ok<{ members: { id: number; descriptors: string[] }[] }>(await J.tabletPage.request.get('/api/face/gallery'))
    const probe = gallery.members.find((m) => m.id === id)!.descriptors[0]!
    const verify = async () => ok<{ member_id: number | null }>(await J.tabletPage.request.post('/api/face/verify', { data: { face_encoding: probe, organization_id: J.organizationId } }))
    expect((await verify()).member_id).toBe(id)
    expect((await J.admin.api.get(`/api/organizations/${J.organizationId}/members/${id}/face/photo`)).status()).toBe(200)
    const before = storedPhotos(J.dataDir, J.organizationId, id)
    expect(before.faces.length, 'registration photo on disk').toBeGreaterThan(0)
    expect(before.attendance.length, 'check-in photo on disk').toBeGreaterThan(0)

    await page.getByTestId('nav-profile').click()
    await page.getByTestId('profile-face-manage').click()
    await expect(page.getByTestId('face-profile-status')).toContainText('Registered')
    await snap(page, 'phone-ani-face-data')
    await a11y.check(page, 'phone: face data')
    await page.getByTestId('face-withdraw').click()
    await expect(page.getByTestId('face-withdraw-dialog')).toBeVisible()
    await snap(page, 'phone-ani-withdraw-confirm')
    await page.getByTestId('face-withdraw-confirm').click()
    await expect(page.getByTestId('face-withdrawn')).toBeVisible()
    await expect(page.getByTestId('face-profile-status')).toContainText('Not registered')
    await expect(page.getByTestId('face-profile-consent')).toContainText('Not given')
    await snap(page, 'phone-ani-withdrawn')

    // Verification stops: the kiosk's 1:N no longer finds her, face sign-in refuses, the phone cannot check in by face.
    expect((await verify()).member_id).toBeNull()
    const faceLogin = await request.newContext({ baseURL: J.base })
    const challenge = await ok<IssuedChallenge>(await faceLogin.post('/api/mobile/login/challenge', { data: { organization_id: J.organizationId, member_id: id } }))
    const evidence = await renderEvidence(J.faces.ani.photo, challenge.steps, { challengeId: challenge.challenge_id })
    const refused = await faceLogin.post('/api/mobile/login/face', { data: { organization_id: J.organizationId, member_id: id, evidence } })
    expect(refused.status()).toBe(401)
    await faceLogin.dispose()
    await page.goto('/m')
    await expect(page.getByTestId('checkin-button')).toBeDisabled()
    // The photos are gone: the route answers 404, the files are off the disk (registration and attendance).
    expect((await J.admin.api.get(`/api/organizations/${J.organizationId}/members/${id}/face/photo`)).status()).toBe(404)
    expect(storedPhotos(J.dataDir, J.organizationId, id)).toEqual({ faces: [], attendance: [] })
    const member = await ok<{ face_registered: boolean }>(await J.admin.api.get(`/api/organizations/${J.organizationId}/members/${id}`))
    expect(member.face_registered).toBe(false)
    await J.aniPhone!.browser.close()
    J.aniPhone = null
  })
}
