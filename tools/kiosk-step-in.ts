// What the kiosk's movement check sees when a person steps in (issue 18), measured on the fake-camera renders of
// ../shared/faces (e2e/support): a face growing from half to full size (stepping in), facing the tablet, with a natural
// ±5° head wobble, or coming from the side (20° -> 0°). Run: npx tsx tools/kiosk-step-in.ts
//
// Measured (2026-12-05, browser detector, estimateYaw):
//   step in, facing the tablet      yaw spread 0.034-0.050, max |yaw| 0.04   (this is also a photo brought closer)
//   step in, natural ±5° wobble     yaw spread 0.114-0.133, max |yaw| 0.07-0.09
//   step in from the side, 20° -> 0 yaw spread 0.186-0.271, max |yaw| 0.23-0.26
// The kiosk's challenge is one head turn the server can verify on its own crops (server/face/evidence.ts: the device
// asks for |yaw| >= 0.4, the server accepts >= 0.28 after measuring device/server yaw differences up to 0.14). None
// of the stepping-in motions reaches it, and a check loose enough to pass "step in, facing the tablet" (spread 0.05)
// also passes a printed photo moved towards the camera (the same scale change): so the kiosk keeps asking for the
// turn, in one instruction on its big card.
import path from 'node:path'
import sharp from 'sharp'
import { facesDir, turnableFace } from '../e2e/support/fake-camera'
import { detectFaces } from '../e2e/support/face-node'
import { type RgbFrame, Y4M_HEIGHT, Y4M_WIDTH } from '../e2e/support/y4m'
import { estimateYaw } from '../shared/face/liveness'
import { checkFaceQuality } from '../shared/face/quality'

async function place(frame: RgbFrame, scale: number): Promise<RgbFrame> {
  const w = Math.round(frame.width * scale); const h = Math.round(frame.height * scale)
  const img = await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } }).resize(w, h).png().toBuffer()
  const { data, info } = await sharp({ create: { width: Y4M_WIDTH, height: Y4M_HEIGHT, channels: 3, background: { r: 36, g: 40, b: 40 } } })
    .composite([{ input: img, left: Math.round((Y4M_WIDTH - w) / 2), top: Math.round((Y4M_HEIGHT - h) / 2) }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
}
for (const [id, photo] of [['p02', 'p02-1.jpg'], ['p04', 'p04-2.jpg']]) {
  const face = await turnableFace(path.join(facesDir(), 'people', id!, photo!))
  if (!face) { console.log(id, 'not turnable'); continue }
  for (const [label, angles] of [['step in, facing the tablet', [0, 0, 0, 0, 0, 0]], ['step in, natural +-5 deg', [5, -3, 4, -5, 2, 0]], ['step in from the side, 20 deg -> 0', [20, 16, 12, 8, 4, 0]]] as const) {
    const yaws: number[] = []
    const scales = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    for (let i = 0; i < scales.length; i++) {
      const frame = await place(face.turn(angles[i]!), scales[i]!)
      const faces = await detectFaces(frame)
      const q = checkFaceQuality(faces, frame)
      const f = q.faceIndex === null ? null : faces[q.faceIndex]
      yaws.push(f ? Number((estimateYaw(f.landmarks) ?? Number.NaN).toFixed(3)) : Number.NaN)
    }
    const ok = yaws.filter(Number.isFinite)
    console.log(id, label, 'yaw per frame', yaws.join(' '), 'spread', (Math.max(...ok) - Math.min(...ok)).toFixed(3), 'max |yaw|', Math.max(...ok.map(Math.abs)).toFixed(3))
  }
}
