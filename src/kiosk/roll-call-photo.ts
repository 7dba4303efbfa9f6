// The roll-call's photo: taken from the camera's preview at its full resolution or chosen from the tablet's files,
// scaled to at most ROLL_CALL_PHOTO_MAX_SIDE a side, and encoded as the JPEG the request carries (under the server's
// size limit). The face worker analyses the same pixels, so the boxes are in the sent photo's pixels.
import { ROLL_CALL_PHOTO_MAX_CHARS, ROLL_CALL_PHOTO_MAX_SIDE } from '@shared/attendance/roll-call'
import { bytesToBase64 } from '@shared/face/descriptor'
import { photoScale } from './roll-call'

/** JPEG qualities tried, best first, until the photo fits the request. */
export const PHOTO_QUALITIES = [0.9, 0.8, 0.7, 0.6, 0.5] as const
/** The largest JPEG whose base64 fits ROLL_CALL_PHOTO_MAX_CHARS. */
export const PHOTO_MAX_BYTES = Math.floor(ROLL_CALL_PHOTO_MAX_CHARS / 4) * 3

/** The first encoding (best quality first) that fits `maxBytes`. Throws when even the last does not. */
export async function encodeWithin(encode: (quality: number) => Promise<Blob>, maxBytes = PHOTO_MAX_BYTES, qualities: readonly number[] = PHOTO_QUALITIES): Promise<Blob> {
  for (const quality of qualities) {
    const blob = await encode(quality)
    if (blob.size <= maxBytes) return blob
  }
  throw new Error(`the photo does not fit ${maxBytes} bytes even at JPEG quality ${qualities[qualities.length - 1]}`)
}

export async function blobToBase64(blob: Blob): Promise<string> {
  return bytesToBase64(new Uint8Array(await blob.arrayBuffer()))
}

export interface RollCallPhoto {
  /** The pixels the face worker analyses (consumed by it). */
  bitmap: ImageBitmap
  /** The JPEG sent, and shown on the screen. */
  jpeg: Blob
  width: number
  height: number
}

/** A still of the video's current frame at its full resolution, or of an image file, at most the largest side sent. */
export async function takePhoto(source: HTMLVideoElement | Blob): Promise<RollCallPhoto> {
  const original = source instanceof Blob ? await createImageBitmap(source, { imageOrientation: 'from-image' }) : await createImageBitmap(source)
  const scale = photoScale(original.width, original.height, ROLL_CALL_PHOTO_MAX_SIDE)
  let bitmap = original
  if (scale < 1) {
    bitmap = await createImageBitmap(original, { resizeWidth: Math.round(original.width * scale), resizeHeight: Math.round(original.height * scale), resizeQuality: 'high' })
    original.close()
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2D canvas')
  context.drawImage(bitmap, 0, 0)
  const jpeg = await encodeWithin((quality) => canvas.convertToBlob({ type: 'image/jpeg', quality }))
  return { bitmap, jpeg, width: bitmap.width, height: bitmap.height }
}

/** A square around a face box (with some room), as CSS background values for a thumbnail of `size` px. */
export function faceThumb(box: { x: number; y: number; width: number; height: number }, photo: { width: number; height: number }, size: number): { backgroundSize: string; backgroundPosition: string } {
  const side = Math.max(box.width, box.height) * 1.5
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  const left = cx - side / 2
  const top = cy - side / 2
  const k = size / side
  return { backgroundSize: `${photo.width * k}px ${photo.height * k}px`, backgroundPosition: `${-left * k}px ${-top * k}px` }
}
