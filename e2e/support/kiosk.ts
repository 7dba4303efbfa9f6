// The petugas tablet's specs (e2e/kiosk*.spec.ts, e2e/roll-call.spec.ts): an organization of their own with a petugas
// and a tablet to enrol, members whose faces are registered through the API as a phone does (the evidence of a
// registration challenge rendered from another photo of them), their own records, and the kiosk's fake camera.
import path from 'node:path'
import { type APIRequestContext, expect, type Locator, type Page, request } from '@playwright/test'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { CONSENT_VERSION } from '../../shared/face/consent'
import { type AdminApi, adminApi, apiData } from './api'
import { BASE_URL, logWhile } from './browser'
import { personPhoto, registerFaceWithEvidence } from './evidence'
import { facesDir, glanceAngle, kioskPersonFrames, kioskStepInFrames, turnableFace, VIDEO_DIR } from './fake-camera'
import { type Enrolment, test, type Viewport } from './fixtures'
import { type RgbFrame, saveFramePng, writeY4m, Y4M_FPS, Y4M_HEIGHT, Y4M_WIDTH } from './y4m'

export const TABLET: Viewport = { width: 1024, height: 768 }
export const TABLET_WIDE: Viewport = { width: 1280, height: 800 }
/** Where the tablet stands (a location's fence is centred here, so the records carry a position inside it). */
export const GATE = { latitude: -6.2001, longitude: 106.8167 }
/** How long the server's check of a record's evidence may take here (a job queue and face inference on 2 cores). */
export const VERDICT_TIMEOUT = 600_000

/** The PIN every petugas and member of these specs chooses. */
export const KIOSK_PIN = '582914'
/** A 1024x768 tablet standing at the gate. */
export const AT_GATE = { viewport: TABLET, geolocation: GATE }
/** Screenshot sizes: the tablet upright-ish and wide, or the first only. */
export const BOTH_TABLETS = { fullPage: false, sizes: [TABLET, TABLET_WIDE] }
export const ONE_TABLET = { fullPage: false, sizes: [TABLET] }

/**
 * The people of the kiosk specs (identity folders of ../shared/faces/people): the photo their video segment is made
 * from and the other photo their face was registered from.
 */
export const KIOSK_PEOPLE = {
  a: { identity: 'p02', video: 'p02-1.jpg', registered: 'p02-3.jpg', name: 'Siti Rahmawati' },
  b: { identity: 'p04', video: 'p04-2.jpg', registered: 'p04-5.jpg', name: 'Bambang Wijaya' },
  u: { identity: 'p05', video: 'p05-2.jpg', registered: 'p05-3.jpg', name: 'Yusuf Hakim' },
  /** Registered with another photo of a's face: the two are confusable (issue 14). */
  t: { identity: 'p02', video: 'p02-1.jpg', registered: 'p02-5.jpg', name: 'Sinta Rahmawati' },
} as const
export type KioskWho = keyof typeof KIOSK_PEOPLE

/**
 * Called at a spec file's top level: its admin session, opened before its tests and closed after them, and a stamp that keeps its names and
 * numbers unique in the shared e2e database.
 */
export function kioskAdmin(): { readonly admin: AdminApi; stamp: string } {
  let admin: AdminApi | undefined
  test.beforeAll(async () => {
    facesDir()
    admin = await adminApi(BASE_URL)
  })
  test.afterAll(async () => {
    await admin?.api.dispose()
  })
  return {
    get admin() {
      if (!admin) throw new Error('the admin session opens in beforeAll')
      return admin
    },
    stamp: Date.now().toString(36),
  }
}

/**
 * kioskAdmin with the kiosk specs' organization (petugas Pak Darmawan, a gate tablet; `places`: the gate location and
 * more) and their members with a registered face (KIOSK_PEOPLE).
 */
export function kioskCast() {
  const session = kioskAdmin()
  const { stamp } = session
  return {
    session,
    stamp,
    org: (name: string, places: boolean) =>
      kioskOrganization(session.admin, name, { petugas: { name: 'Pak Darmawan', number: (orgId) => `PK-${stamp}-${orgId}` }, device: 'Tablet gerbang', places }),
    registered: (org: KioskOrg, who: KioskWho) => {
      const person = KIOSK_PEOPLE[who]
      return memberWithFace(session.admin, org.id, { name: person.name, number: `K-${stamp}-${org.id}-${who}`, photo: personPhoto(person.identity, person.registered), pin: KIOSK_PIN })
    },
  }
}

export interface KioskOrg extends Omit<Enrolment, 'pin'> {
  id: number
  name: string
  /** The "Gerbang Utama" location, when the organization was made with places. */
  locationId: number | null
}

/**
 * A new organization (the admin selects it) with a petugas and their invitation and a tablet waiting for its
 * enrolment code. With `places`: the "Gerbang Utama" location fenced around GATE, "Aula Belakang" and a department
 * "Tata Usaha".
 */
export async function kioskOrganization(
  admin: AdminApi,
  name: string,
  options: { petugas: { name: string; number: string | ((orgId: number) => string) }; device: string; places?: boolean },
): Promise<KioskOrg> {
  const { api } = admin
  const org = await apiData<{ id: number }>(await api.post('/api/organizations', { data: { name, timezone: 'Asia/Jakarta' } }))
  await apiData(await api.post('/api/auth/select', { data: { organization_id: org.id } }))
  let locationId: number | null = null
  if (options.places) {
    const location = await apiData<{ id: number }>(await api.post(`/api/organizations/${org.id}/locations`, { data: { name: 'Gerbang Utama', ...GATE, radius_meters: 150 } }))
    locationId = location.id
    await apiData(await api.post(`/api/organizations/${org.id}/locations`, { data: { name: 'Aula Belakang' } }))
    await apiData(await api.post(`/api/organizations/${org.id}/departments`, { data: { name: 'Tata Usaha' } }))
  }
  const number = typeof options.petugas.number === 'function' ? options.petugas.number(org.id) : options.petugas.number
  const petugas = await apiData<{ id: number }>(await api.post(`/api/organizations/${org.id}/members`, { data: { name: options.petugas.name, member_number: number, role: 'petugas' } }))
  const invite = await apiData<{ code: string }>(await api.post(`/api/organizations/${org.id}/members/${petugas.id}/invitations`, { data: {} }))
  const device = await apiData<{ enrol_code: string }>(await api.post(`/api/organizations/${org.id}/devices`, { data: { name: options.device } }))
  return { id: org.id, name, petugasCode: invite.code, deviceCode: device.enrol_code, locationId }
}

export interface FaceMember {
  id: number
  name: string
  number: string
  /** The member's own session ("their phone"). */
  api: APIRequestContext
}

/** A member who redeemed their invitation on "their phone" (an API session), consented and registered their face from `photo`. */
export async function memberWithFace(admin: AdminApi, orgId: number, member: { name: string; number: string; photo: string; pin: string }): Promise<FaceMember> {
  const { api } = admin
  await apiData(await api.post('/api/auth/select', { data: { organization_id: orgId } }))
  const created = await apiData<{ id: number }>(await api.post(`/api/organizations/${orgId}/members`, { data: { name: member.name, member_number: member.number, role: 'member' } }))
  const invitation = await apiData<{ code: string }>(await api.post(`/api/organizations/${orgId}/members/${created.id}/invitations`, { data: {} }))
  const phone = await request.newContext({ baseURL: BASE_URL })
  await apiData(await phone.post('/api/mobile/invitations/redeem', { data: { code: invitation.code, pin: member.pin } }))
  await apiData(await phone.post(`/api/members/${created.id}/face/consent`, { data: { version: CONSENT_VERSION } }))
  await registerFaceWithEvidence(phone, created.id, member.photo)
  return { id: created.id, name: member.name, number: member.number, api: phone }
}

export interface OwnDay {
  attendance_date: string
  check_in_time: string | null
  check_out_time: string | null
  status: string
  approval_status: string
  flags: string[]
}

/** The member's own days (GET /api/attendance/mine on their phone session). */
export async function ownRecords(member: { api: APIRequestContext }): Promise<OwnDay[]> {
  return (await apiData<{ records: OwnDay[] }>(await member.api.get('/api/attendance/mine'))).records
}

/** Waits for the server's check of the member's day to end (however long it takes), and returns the day. */
export async function checkedDay(member: { api: APIRequestContext }): Promise<OwnDay> {
  await expect.poll(async () => (await ownRecords(member))[0]?.approval_status ?? 'none', { timeout: VERDICT_TIMEOUT, intervals: [1000, 2000, 5000] }).not.toMatch(/^(none|verifying)$/)
  return (await ownRecords(member))[0]!
}

// ---------------------------------------------------------------- the kiosk's fake camera

export interface KioskPerson {
  identity: string
  /** The photo the person's video segment is made from. */
  video: string
}

/** A person in front of the kiosk (support/fake-camera.ts kioskPersonFrames): recognised, then one head turn either way. */
export async function personFrames(person: KioskPerson, label: string): Promise<RgbFrame[]> {
  const file = personPhoto(person.identity, person.video)
  const tried: string[] = []
  const face = await turnableFace(file, tried)
  if (!face) throw new Error(`${file}: no face the kiosk video can turn:\n${tried.join('\n')}`)
  await saveFramePng(face.frontal, path.join(VIDEO_DIR, `kiosk-${label}.png`))
  return kioskPersonFrames(face)
}

/** A pupil stepping in and standing still (support/fake-camera.ts kioskStepInFrames), looped: the video's file and the glance. */
export async function stepInVideo(person: KioskPerson, label: string): Promise<{ video: string; glance: number }> {
  const file = personPhoto(person.identity, person.video)
  const tried: string[] = []
  const face = await turnableFace(file, tried)
  if (!face) throw new Error(`${file}: no face the kiosk video can turn:\n${tried.join('\n')}`)
  const glance = await glanceAngle(face)
  const frames = kioskStepInFrames(face, glance)
  await saveFramePng(frames[2 * Y4M_FPS]!, path.join(VIDEO_DIR, `kiosk-step-in-${label}-glance.png`))
  return { video: writeY4m(path.join(VIDEO_DIR, `kiosk-step-in-${label}.y4m`), frames), glance }
}

/** A phone held up to the camera showing the member's QR code. */
export async function qrFrames(token: string, seconds: number): Promise<RgbFrame[]> {
  const code = await QRCode.toBuffer(token, { errorCorrectionLevel: 'M', margin: 2, width: 280 })
  const { data, info } = await sharp({ create: { width: Y4M_WIDTH, height: Y4M_HEIGHT, channels: 3, background: { r: 40, g: 44, b: 46 } } })
    .composite([
      { input: { create: { width: 320, height: 420, channels: 3, background: { r: 18, g: 18, b: 20 } } }, left: 160, top: 30 },
      { input: code, left: 180, top: 100 },
    ])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const frame = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  await saveFramePng(frame, path.join(VIDEO_DIR, 'kiosk-qr.png'))
  return Array.from({ length: Math.round(seconds * Y4M_FPS) }, () => frame)
}

/** The people one after another, then the QR code: test-results/fake-camera/kiosk.y4m. */
export async function kioskVideo(people: Record<string, KioskPerson>, qrToken: string): Promise<string> {
  const frames: RgbFrame[] = []
  for (const [label, person] of Object.entries(people)) frames.push(...(await personFrames(person, label)))
  frames.push(...(await qrFrames(qrToken, 2.5)))
  return writeY4m(path.join(VIDEO_DIR, 'kiosk.y4m'), frames)
}

/** What the kiosk measured about its recognition (for the log). */
export async function kioskStats(page: Page) {
  const mode = page.getByTestId('kiosk-mode')
  const read = async (name: string) => Number(await mode.getAttribute(`data-${name}`))
  return {
    backend: await mode.getAttribute('data-backend'),
    inferenceMs: await read('inference-ms'),
    frameMs: await read('frame-ms'),
    matchMs: await read('match-ms'),
    faceToCardMs: await read('face-to-card-ms'),
  }
}

/** Waits for `until`, logging what the kiosk is doing as it changes (a timeout then says where it stood). */
export const logKioskUntil = <T>(page: Page, until: Promise<T>): Promise<T> =>
  logWhile('kiosk', page.getByTestId('kiosk-mode').or(page.getByTestId('kiosk-record')), ['tracker', 'asking', 'challenge', 'records'], until)

/** The member's line in the kiosk's list of recent records. */
export const recent = (page: Page, memberId: number): Locator => page.getByTestId('kiosk-recent-item').and(page.locator(`[data-member-id="${memberId}"]`))

/** Collects the results the server answered to the tablet's syncs (`/api/attendance/sync`). */
export function syncAnswers(page: Page): { client_id: string | null; status: string }[] {
  const answers: { client_id: string | null; status: string }[] = []
  page.on('response', async (response) => {
    if (!response.url().endsWith('/api/attendance/sync') || !response.ok()) return
    const body = (await response.json().catch(() => null)) as { data?: { results: { client_id: string | null; status: string }[] } } | null
    answers.push(...(body?.data?.results ?? []))
  })
  return answers
}
