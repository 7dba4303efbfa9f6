// Two people in front of the kiosk (issue 18: the kiosk reads the nearest face): each frame of one person's video
// (nearer: larger, on the left of the camera's picture) beside a still photo of someone else (further: about 60% of
// the size, on the right), composed into one 640x480 frame. Far enough apart that the nearer face's evidence crop
// (twice its box) does not reach the other face.
import sharp from 'sharp'
import { type RgbFrame, Y4M_HEIGHT, Y4M_WIDTH } from './y4m'

/** The nearer person's frame scale and the further one's (0.45 / 0.75 = 0.6 of the size). */
const NEAR = 0.75
const FAR = 0.45

async function scaled(frame: RgbFrame, scale: number): Promise<Buffer> {
  return sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(Math.round(frame.width * scale), Math.round(frame.height * scale))
    .png()
    .toBuffer()
}

/** `near`'s frames, each beside `far`. Identical input frames (held poses) share one composed frame. */
export async function twoFaceFrames(near: readonly RgbFrame[], far: RgbFrame): Promise<RgbFrame[]> {
  const farImage = await scaled(far, FAR)
  const farLeft = Y4M_WIDTH - Math.round(far.width * FAR)
  const farTop = Math.round((Y4M_HEIGHT - far.height * FAR) / 2)
  const made = new Map<RgbFrame, RgbFrame>()
  const out: RgbFrame[] = []
  for (const frame of near) {
    let composed = made.get(frame)
    if (!composed) {
      const { data, info } = await sharp({ create: { width: Y4M_WIDTH, height: Y4M_HEIGHT, channels: 3, background: { r: 36, g: 40, b: 40 } } })
        // The further person's picture over the nearer one's right edge (background only there): both faces whole.
        .composite([
          { input: await scaled(frame, NEAR), left: 0, top: Math.round((Y4M_HEIGHT - frame.height * NEAR) / 2) },
          { input: farImage, left: farLeft, top: farTop },
        ])
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
      composed = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
      made.set(frame, composed)
    }
    out.push(composed)
  }
  return out
}
