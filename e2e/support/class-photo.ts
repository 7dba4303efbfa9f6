// A class photo as the tablet's camera (roll-call from one photo, issue 14 item 5): tools/faces/class-photo.ts composes
// it from real photos with the ground-truth box of every face, and this writes it as a one-frame Y4M video (y4m.ts),
// which the paced camera (paced-camera.ts) shows for as long as the tablet looks. Made at test time into test-results/,
// never committed.
import path from 'node:path'
import sharp from 'sharp'
import { composeClassPhoto, type ClassPhoto, type ClassPhotoFace, type ClassPhotoOptions, type ClassPhotoPerson } from '../../tools/faces/class-photo'
import { VIDEO_DIR } from './fake-camera'
import { type RgbFrame, saveFramePng, writeY4m } from './y4m'

export interface ClassPhotoFrame {
  frame: RgbFrame
  /** Every face's box in the frame's pixels (the photo fitted into the frame, letterboxed if its shape differs). */
  faces: ClassPhotoFace[]
}

/** The composed photo fitted into a width x height camera frame (both even), with the faces' boxes moved along. */
export async function classPhotoFrame(photo: ClassPhoto, width = 1920, height = 1080): Promise<ClassPhotoFrame> {
  if (width % 2 || height % 2) throw new Error('Y4M 4:2:0 frames need even width and height')
  const scale = Math.min(width / photo.width, height / photo.height)
  const padX = (width - Math.round(photo.width * scale)) / 2
  const padY = (height - Math.round(photo.height * scale)) / 2
  const { data, info } = await sharp(photo.jpeg)
    .resize(width, height, { fit: 'contain', background: { r: 36, g: 40, b: 40 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  const faces = photo.faces.map((f) => ({
    ...f,
    box: { x: Math.floor(padX) + f.box.x * scale, y: Math.floor(padY) + f.box.y * scale, width: f.box.width * scale, height: f.box.height * scale },
  }))
  return { frame: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }, faces }
}

/** Writes the composed photo as a one-frame Y4M still video of width x height; answers the faces in the frame's pixels. */
export async function classPhotoY4m(photo: ClassPhoto, file: string, width = 1920, height = 1080): Promise<{ file: string; faces: ClassPhotoFace[] }> {
  const { frame, faces } = await classPhotoFrame(photo, width, height)
  return { file: writeY4m(file, [frame]), faces }
}

export interface ClassPhotoVideo {
  /** The .y4m file the camera plays (cameraBrowser). */
  file: string
  /** The same frame as PNG, to look at. */
  preview: string
  /** The photo as composed (at the frame's size: no scaling between it and the camera frame). */
  photo: ClassPhoto
  /** Every face's box in the camera frame's pixels, with its label. */
  faces: ClassPhotoFace[]
}

/**
 * A class photo of these people, composed at the camera's size (default 1920x1080; 1280x720 works the same), written
 * as test-results/fake-camera/<name>.y4m (and <name>.png). Deterministic for the same people and seed.
 */
export async function classPhotoVideo(
  people: readonly ClassPhotoPerson[],
  options: ClassPhotoOptions & { name?: string; frame?: { width: number; height: number } } = {},
): Promise<ClassPhotoVideo> {
  const { name = 'class-photo', frame = { width: 1920, height: 1080 }, ...compose } = options
  const photo = await composeClassPhoto(people, { width: frame.width, height: frame.height, ...compose })
  const y4m = await classPhotoFrame(photo, frame.width, frame.height)
  const file = writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), [y4m.frame])
  const preview = path.join(VIDEO_DIR, `${name}.png`)
  await saveFramePng(y4m.frame, preview)
  return { file, preview, photo, faces: y4m.faces }
}
