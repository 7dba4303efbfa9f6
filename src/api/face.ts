// Face calls, one function per route of docs/api.md ("Faces"). A registration sends evidence (the face crops of a
// liveness challenge) and the reference photo; the server derives the face templates itself and never sends them back.
import { DEFAULT_ORGANIZATION_SETTINGS as DEFAULTS, type OrganizationSettingValues } from '@shared/organization/settings'
import type { Evidence } from '@shared/attendance/evidence'
import { type AnswerOf, call, routes } from './client'
import type { Id } from './types'

/** The face part of an organization's settings. */
export type FaceSettings = Pick<OrganizationSettingValues, 'face_threshold' | 'face_margin' | 'face_reverify_photos' | 'photo_retention_days' | 'kiosk_gallery'>

/** The organization's defaults (shared/organization/settings.ts, as the server has them), used until it answers. */
export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  face_threshold: DEFAULTS.face_threshold,
  face_margin: DEFAULTS.face_margin,
  face_reverify_photos: DEFAULTS.face_reverify_photos,
  photo_retention_days: DEFAULTS.photo_retention_days,
  kiosk_gallery: DEFAULTS.kiosk_gallery,
})

/** An organization answer carries its settings in `settings`; read the face ones, falling back to the defaults. */
export function faceSettingsOf(organization: unknown): FaceSettings {
  const o = (organization ?? {}) as Record<string, unknown>
  const nested = (o.settings && typeof o.settings === 'object' ? o.settings : {}) as Record<string, unknown>
  const pick = <K extends keyof FaceSettings>(key: K): FaceSettings[K] => {
    const value = nested[key] ?? o[key]
    return (typeof value === typeof DEFAULT_FACE_SETTINGS[key] ? value : DEFAULT_FACE_SETTINGS[key]) as FaceSettings[K]
  }
  return {
    face_threshold: pick('face_threshold'),
    face_margin: pick('face_margin'),
    face_reverify_photos: pick('face_reverify_photos'),
    photo_retention_days: pick('photo_retention_days'),
    kiosk_gallery: pick('kiosk_gallery') === 'department' ? 'department' : 'organization',
  }
}

export interface FaceCaptureUpload {
  /** The registration challenge's evidence (src/face/evidence-store.ts evidenceToWire). */
  evidence: Evidence
  /** The reference photo: a data URL or bare base64 of a JPEG of the whole frame. */
  photo: string
  deviceId: string
}

const face = routes.members[':memberId'].face
const mp = (memberId: Id) => ({ param: { memberId: String(memberId) } })

export const getFaceStatus = (memberId: Id) => call(face.$get(mp(memberId)))
export type FaceStatus = AnswerOf<typeof getFaceStatus>

export const acceptFaceConsent = (memberId: Id, version: string, deviceId: string) =>
  call(face.consent.$post({ ...mp(memberId), json: { version, device_id: deviceId } }))
export type FaceConsent = AnswerOf<typeof acceptFaceConsent>

/** The request body of register and update: the evidence, the reference photo and the device. */
export function faceUploadBody({ evidence, photo, deviceId }: FaceCaptureUpload) {
  if (evidence.frames.length === 0) throw new Error('no face pictures to upload')
  return { evidence, face_image: photo, device_id: deviceId }
}

export const registerFace = (memberId: Id, upload: FaceCaptureUpload) => call(face.register.$post({ ...mp(memberId), json: faceUploadBody(upload) }))
export const updateFace = (memberId: Id, upload: FaceCaptureUpload) => call(face.update.$put({ ...mp(memberId), json: faceUploadBody(upload) }))
/** A registration's answer (register: when; update: when changed). */
export type FaceRegistration = AnswerOf<typeof registerFace> | AnswerOf<typeof updateFace>

export const withdrawFace = (memberId: Id) => call(face.$delete(mp(memberId)))
export type FaceWithdrawal = AnswerOf<typeof withdrawFace>

const o = routes.organizations[':id']
export const updateFaceSettings = (organizationId: Id | string, settings: Partial<FaceSettings>) =>
  call(o.settings.$patch({ param: { id: String(organizationId) }, json: settings }))

/** Pairs of members whose face templates the model can mix up (closer than threshold + margin), closest first. */
export const getConfusableMembers = (organizationId: Id | string) => call(o.faces.confusable.$get({ param: { id: String(organizationId) } }))
export type ConfusableReport = AnswerOf<typeof getConfusableMembers>
/** A member named in a confusable pair. */
export type ConfusableMember = ConfusableReport['pairs'][number]['a']
