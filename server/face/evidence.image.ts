// Decoding a capture's evidence frame (evidence.ts analyses it): the strict base64 / data URL a device sends, refused
// before any model sees it unless it is a JPEG, PNG or WebP as it says.
import { EVIDENCE_FRAME_MAX_CHARS } from '../../shared/attendance/evidence'

export type EvidenceImageReason = 'empty' | 'too_large' | 'not_base64' | 'not_an_image' | 'type_mismatch'

/** A frame's image is not a strict base64 JPEG/PNG/WebP (optionally a data URL). Map it to a 400/422. */
export class EvidenceImageError extends Error {
  readonly code = 'invalid_image'
  constructor(
    readonly reason: EvidenceImageReason,
    message: string,
  ) {
    super(message)
    this.name = 'EvidenceImageError'
  }
}

const DATA_URL = /^data:image\/(jpeg|png|webp);base64,/
const BASE64 = /^[A-Z0-9+/]*$/i

function sniffImage(bytes: Uint8Array): 'jpeg' | 'png' | 'webp' | null {
  const b = (i: number) => bytes[i]
  if (bytes.length >= 3 && b(0) === 0xFF && b(1) === 0xD8 && b(2) === 0xFF) return 'jpeg'
  if (bytes.length >= 8 && [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A].every((v, i) => b(i) === v)) return 'png'
  if (bytes.length >= 12 && b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50) return 'webp'
  return null
}

/**
 * The bytes of a frame's image (evidenceFrameSchema's `image`): base64, optionally as a data:image/(jpeg|png|webp)
 * URL. Strict: only the base64 alphabet, correct padding, at most EVIDENCE_FRAME_MAX_CHARS, and the bytes must start
 * like a JPEG, PNG or WebP (the type the data URL names, when it names one). Throws EvidenceImageError otherwise.
 * Whether the image decodes is for analyseEvidence to find out (the frame's reason is then invalid_image).
 */
export function decodeEvidenceImage(base64OrDataUrl: string): Uint8Array {
  if (typeof base64OrDataUrl !== 'string' || base64OrDataUrl.length === 0) throw new EvidenceImageError('empty', 'no image')
  if (base64OrDataUrl.length > EVIDENCE_FRAME_MAX_CHARS + 32) throw new EvidenceImageError('too_large', `image over ${EVIDENCE_FRAME_MAX_CHARS} characters`)
  const prefix = DATA_URL.exec(base64OrDataUrl)
  const declared = prefix ? (prefix[1] as 'jpeg' | 'png' | 'webp') : null
  const body = prefix ? base64OrDataUrl.slice(prefix[0].length) : base64OrDataUrl
  if (body.length > EVIDENCE_FRAME_MAX_CHARS) throw new EvidenceImageError('too_large', `image over ${EVIDENCE_FRAME_MAX_CHARS} characters`)
  const unpadded = body.replace(/={1,2}$/, '')
  const padding = body.length - unpadded.length
  if (unpadded.length === 0) throw new EvidenceImageError('empty', 'no image')
  if (!BASE64.test(unpadded) || unpadded.length % 4 === 1 || (padding > 0 && body.length % 4 !== 0)) {
    throw new EvidenceImageError('not_base64', 'the image is not valid base64')
  }
  const bytes = new Uint8Array(Buffer.from(unpadded, 'base64'))
  // Non-canonical encodings (stray bits in the last character) are refused: one image, one spelling.
  if (Buffer.from(bytes).toString('base64').replace(/=+$/, '') !== unpadded) throw new EvidenceImageError('not_base64', 'the image is not canonical base64')
  const kind = sniffImage(bytes)
  if (!kind) throw new EvidenceImageError('not_an_image', 'the data is not a JPEG, PNG or WebP image')
  if (declared && declared !== kind) throw new EvidenceImageError('type_mismatch', `the data URL says ${declared} but the data is ${kind}`)
  return bytes
}
