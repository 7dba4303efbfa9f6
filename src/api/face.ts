// Face calls, one function per route of docs/api.md ("Faces"). Descriptors travel as base64 of the Float32 bytes.
import { encodeDescriptor } from '@shared/face/descriptor'
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
  descriptors: string[]
}

export interface FaceRegistration {
  id: Id
  face_registered_at?: string
  updated_at?: string
  face_verified: boolean
  descriptors: string[]
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
}

/** The organization's defaults (server/features/organizations), used until the server answers. */
export const DEFAULT_FACE_SETTINGS: Readonly<FaceSettings> = Object.freeze({
  face_threshold: 0.5,
  face_margin: 0.05,
  face_reverify_photos: false,
  photo_retention_days: 90,
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
  }
}

export interface FaceCaptureUpload {
  descriptors: readonly Float32Array[]
  /** The reference photo: a data URL or bare base64 of a JPEG. */
  photo: string
  deviceId: string
}

const memberFace = (memberId: Id) => `/api/members/${encodeURIComponent(String(memberId))}/face`

export const getFaceStatus = (memberId: Id) => api.get<FaceStatus>(memberFace(memberId))

export const acceptFaceConsent = (memberId: Id, version: string, deviceId: string) =>
  api.post<FaceConsent>(`${memberFace(memberId)}/consent`, { version, device_id: deviceId })

/** The request body of register and update: the first descriptor, the rest, the photo and the device. */
export function faceUploadBody({ descriptors, photo, deviceId }: FaceCaptureUpload) {
  const [first, ...rest] = descriptors.map((d) => encodeDescriptor(d))
  if (!first) throw new Error('no face captures to upload')
  return { face_encoding: first, face_encodings: rest, face_image: photo, device_id: deviceId }
}

export const registerFace = (memberId: Id, upload: FaceCaptureUpload) =>
  api.post<FaceRegistration>(`${memberFace(memberId)}/register`, faceUploadBody(upload))

export const updateFace = (memberId: Id, upload: FaceCaptureUpload) =>
  request<FaceRegistration>(`${memberFace(memberId)}/update`, { method: 'PUT', body: faceUploadBody(upload) })

export const withdrawFace = (memberId: Id) => api.delete<FaceWithdrawal>(memberFace(memberId))

export const updateFaceSettings = (organizationId: Id | string, settings: Partial<FaceSettings>) =>
  api.patch<Organization & { settings?: Partial<FaceSettings> }>(`/api/organizations/${encodeURIComponent(String(organizationId))}/settings`, settings)
