// Face calls, one function per route of docs/api.md ("Faces"). A registration sends evidence (the face crops of a
// liveness challenge) and the reference photo; the server derives the face templates itself and never sends them back.
import { DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '@shared/face/match'
import type { Evidence } from '@shared/attendance/evidence'
import { api, request } from './client'
import type { Id, Organization } from './types'

export interface FaceConsent {
  id?: Id
  version: string
  accepted_at: string
  /** Whether this is the current consent text (the server says so on GET). */
  current?: boolean
}

export interface FaceStatus {
  registered: boolean
  registered_at: string | null
  face_verified: boolean
  consent: FaceConsent | null
  /** How many face templates the server keeps, when it says so (never the templates themselves). */
  templates?: number
}

export interface FaceRegistration {
  id: Id
  face_registered_at?: string
  updated_at?: string
  face_verified: boolean
}

export interface FaceWithdrawal {
  deleted_descriptors: number
  deleted_photos: number
}

export interface FaceSettings {
  face_threshold: number
  face_margin: number
  face_reverify_photos: boolean
  photo_retention_days: number
  kiosk_gallery: 'organization' | 'department'
}

/** The organization's defaults (server/features/organizations), used until the server answers. */
export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  face_threshold: DEFAULT_FACE_THRESHOLD,
  face_margin: DEFAULT_FACE_MARGIN,
  face_reverify_photos: false,
  photo_retention_days: 90,
  kiosk_gallery: 'organization',
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

const memberFace = (memberId: Id) => `/api/members/${encodeURIComponent(String(memberId))}/face`

export const getFaceStatus = (memberId: Id) => api.get<FaceStatus>(memberFace(memberId))

export const acceptFaceConsent = (memberId: Id, version: string, deviceId: string) =>
  api.post<FaceConsent>(`${memberFace(memberId)}/consent`, { version, device_id: deviceId })

/** The request body of register and update: the evidence, the reference photo and the device. */
export function faceUploadBody({ evidence, photo, deviceId }: FaceCaptureUpload) {
  if (evidence.frames.length === 0) throw new Error('no face pictures to upload')
  return { evidence, face_image: photo, device_id: deviceId }
}

export const registerFace = (memberId: Id, upload: FaceCaptureUpload) =>
  api.post<FaceRegistration>(`${memberFace(memberId)}/register`, faceUploadBody(upload))

export const updateFace = (memberId: Id, upload: FaceCaptureUpload) =>
  request<FaceRegistration>(`${memberFace(memberId)}/update`, { method: 'PUT', body: faceUploadBody(upload) })

export const withdrawFace = (memberId: Id) => api.delete<FaceWithdrawal>(memberFace(memberId))

export const updateFaceSettings = (organizationId: Id | string, settings: Partial<FaceSettings>) =>
  api.patch<Organization & { settings?: Partial<FaceSettings> }>(`/api/organizations/${encodeURIComponent(String(organizationId))}/settings`, settings)

/** A member named in a confusable pair. */
export interface ConfusableMember {
  id: number
  name: string
  member_number: string | null
}

/** Pairs of members whose face templates the model can mix up (closer than threshold + margin), closest first. */
export interface ConfusableReport {
  threshold: number
  margin: number
  limit: number
  members_with_faces: number
  pairs: { a: ConfusableMember; b: ConfusableMember; distance: number }[]
}

export const getConfusableMembers = (organizationId: Id | string) =>
  api.get<ConfusableReport>(`/api/organizations/${encodeURIComponent(String(organizationId))}/faces/confusable`)
