// A fake camera's video: frames written as a Y4M file, which support/paced-camera.ts plays (in a loop) as the webcam,
// one frame per frame the app analyses. (Chromium's --use-file-for-fake-video-capture plays the same files, in real time.)
// Format: a one-line header, then for each frame `FRAME\n` followed by the Y, U and V planes (4:2:0, 8 bit).
// Generated at test time into test-results/, never committed.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'

export const Y4M_WIDTH = 640
export const Y4M_HEIGHT = 480
export const Y4M_FPS = 15

/** An RGB frame (3 bytes a pixel, row-major). */
export interface RgbFrame {
  data: Uint8Array
  width: number
  height: number
}

export function y4mHeader(width: number, height: number, fps: number): string {
  return `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v))

/**
 * RGB to planar YUV 4:2:0 (I420), BT.601 studio range (Y 16–235, chroma 16–240): what Chromium's capture pipeline
 * (libyuv) assumes when it turns the planes back into pixels. Chroma is the average of each 2x2 block.
 */
export function rgbToI420(frame: RgbFrame): Uint8Array {
  const { data, width, height } = frame
  if (width % 2 || height % 2) throw new Error('Y4M 4:2:0 frames need even width and height')
  if (data.length !== width * height * 3) throw new Error(`expected ${width * height * 3} RGB bytes, got ${data.length}`)
  const cw = width / 2
  const ch = height / 2
  const out = new Uint8Array(width * height + 2 * cw * ch)
  const u = width * height
  const v = u + cw * ch
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      const r = data[i] as number
      const g = data[i + 1] as number
      const b = data[i + 2] as number
      out[y * width + x] = clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255)
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0
      let g = 0
      let b = 0
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((2 * y + dy) * width + 2 * x + dx) * 3
        r += data[i] as number
        g += data[i + 1] as number
        b += data[i + 2] as number
      }
      r /= 4
      g /= 4
      b /= 4
      out[u + y * cw + x] = clamp(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255)
      out[v + y * cw + x] = clamp(128 + (112 * r - 93.786 * g - 18.214 * b) / 255)
    }
  }
  return out
}

/**
 * The I420 planes of each frame, converted once per frame object: the videos hold the same frame for seconds (a pose
 * held is one frame repeated), so a 30 s video of 450 frames has a dozen different ones.
 */
function i420Frames(frames: readonly RgbFrame[]): Uint8Array[] {
  const first = frames[0]
  if (!first) throw new Error('a Y4M video needs at least one frame')
  const converted = new Map<RgbFrame, Uint8Array>()
  return frames.map((frame) => {
    if (frame.width !== first.width || frame.height !== first.height) throw new Error('all Y4M frames must have the same size')
    let planes = converted.get(frame)
    if (!planes) converted.set(frame, (planes = rgbToI420(frame)))
    return planes
  })
}

/** The whole Y4M file for these frames (all the same size). */
export function encodeY4m(frames: readonly RgbFrame[], fps = Y4M_FPS): Buffer {
  const planes = i420Frames(frames)
  const parts: Uint8Array[] = [Buffer.from(y4mHeader(frames[0]!.width, frames[0]!.height, fps), 'ascii')]
  const marker = Buffer.from('FRAME\n', 'ascii')
  for (const p of planes) parts.push(marker, p)
  return Buffer.concat(parts)
}

/**
 * Writes the Y4M file (the same bytes as encodeY4m, streamed: a 30 s video is 200 MB), atomically: a temporary file
 * renamed over FILE, so a browser still playing an older FILE keeps its own copy and nothing reads half a video.
 */
export function writeY4m(file: string, frames: readonly RgbFrame[], fps = Y4M_FPS): string {
  const planes = i420Frames(frames)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, Buffer.from(y4mHeader(frames[0]!.width, frames[0]!.height, fps), 'ascii'))
    const marker = Buffer.from('FRAME\n', 'ascii')
    for (const p of planes) {
      fs.writeSync(fd, marker)
      fs.writeSync(fd, p)
    }
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  return file
}

export interface FrameCrop {
  left: number
  top: number
  width: number
  height: number
}

/**
 * A photo as one camera frame: EXIF-rotated, optionally cropped, then fitted into 640x480 (letterboxed on a dark
 * background, the way a phone camera frames a person).
 */
export async function photoFrame(file: string, crop?: FrameCrop, width = Y4M_WIDTH, height = Y4M_HEIGHT): Promise<RgbFrame> {
  let image = sharp(file).rotate()
  if (crop) {
    const r = { left: Math.round(crop.left), top: Math.round(crop.top), width: Math.round(crop.width), height: Math.round(crop.height) }
    image = sharp(await image.toBuffer()).extract(r)
  }
  const { data, info } = await image
    .resize(width, height, { fit: 'contain', background: { r: 36, g: 40, b: 40 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
}

/** Saves a frame as PNG (to look at what the fake camera shows). */
export async function saveFramePng(frame: RgbFrame, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toFile(file)
}
