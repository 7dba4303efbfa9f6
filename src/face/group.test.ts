import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js'
import type * as Tf from '@tensorflow/tfjs'
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { boxIou } from '@shared/attendance/roll-call'
import { planTiles as planPhotoTiles } from '@shared/face/tiles'
import { clipBox, findGroupFaces, GROUP_LOOKS, type GroupCandidate, type GroupDetection, iou, mergeDetections, placeDetections, planPasses, planTiles, readingOrder, type Tile } from './group'

const box = (x: number, y: number, width: number, height = width) => ({ x, y, width, height })

describe('planTiles', () => {
  // The tiling itself (coverage, overlap, one tile for a small photo) is shared/face/tiles.test.ts's.
  it('is the shared tiling of a look\'s tile and overlap, and refuses an overlap as large as the tile', () => {
    expect(planTiles(2048, 1152, { tile: 512, overlap: 128 })).toEqual(planPhotoTiles(2048, 1152, 512, 128))
    expect(planTiles(400, 300, { tile: 512, overlap: 128 })).toEqual([{ x: 0, y: 0, width: 400, height: 300 }])
    expect(() => planTiles(2048, 2048, { tile: 128, overlap: 128 })).toThrow(RangeError)
  })
})

describe('planPasses', () => {
  it('looks at a large photo whole, then in coarse tiles, then in fine ones', () => {
    const passes = planPasses(2048, 1536)
    expect(passes[0]).toEqual({ tile: { x: 0, y: 0, width: 2048, height: 1536 }, input: 608 })
    expect(passes.filter((p) => p.tile.width === 1024)).toHaveLength(planTiles(2048, 1536, GROUP_LOOKS[1]!).length)
    expect(passes.filter((p) => p.tile.width === 512 && p.input === 640)).toHaveLength(planTiles(2048, 1536, GROUP_LOOKS[2]!).length)
  })

  it('does not read a small photo whole twice at the same scale', () => {
    const passes = planPasses(640, 480)
    expect(passes.filter((p) => p.tile.width === 640 && p.tile.height === 480)).toHaveLength(1)
    expect(passes.filter((p) => p.tile.width === 512)).toHaveLength(2)
  })
})

describe('merging', () => {
  const photo = { width: 1000, height: 1000 }

  it('moves a tile\'s boxes into the photo and marks those cut by an inner tile edge', () => {
    const tile: Tile = { x: 400, y: 0, width: 512, height: 512 }
    const placed = placeDetections([{ box: box(0, 100, 60), score: 0.9 }, { box: box(200, 100, 60), score: 0.8 }, { box: box(480, 0, 32), score: 0.7 }], tile, photo)
    expect(placed.map((p) => p.box.x)).toEqual([400, 600, 880])
    expect(placed.map((p) => p.cut)).toEqual([true, false, true])
    // Edges of the photo itself cut nothing.
    expect(placeDetections([{ box: box(0, 0, 60), score: 0.9 }], { x: 0, y: 0, width: 512, height: 512 }, photo)[0]!.cut).toBe(false)
    // The worker's edge: within 2 px of an inner tile edge.
    expect(placeDetections([{ box: box(2, 100, 60), score: 0.9 }, { box: box(3, 100, 60), score: 0.8 }], tile, photo).map((p) => p.cut)).toEqual([true, false])
  })

  it('keeps one box per face: a whole face before a cut one, then the stronger; weak and empty boxes go', () => {
    const candidates: GroupCandidate[] = [
      { box: box(100, 100, 60), score: 0.7, cut: false },
      { box: box(104, 98, 62), score: 0.9, cut: false }, // the same face, stronger
      { box: box(100, 100, 30, 60), score: 0.95, cut: true }, // its left half, from a tile that cut it
      { box: box(300, 100, 60), score: 0.35, cut: false }, // too weak
      { box: box(500, 100, 60), score: 0.6, cut: false },
      { box: box(990, 100, 60), score: 0.8, cut: false }, // reaches past the edge: clipped
      { box: box(1200, 100, 60), score: 0.8, cut: false }, // outside the photo
    ]
    const merged = mergeDetections(candidates, photo)
    expect(merged.map((m) => m.score)).toEqual([0.9, 0.6, 0.8])
    expect(merged[2]!.box).toEqual({ x: 990, y: 100, width: 10, height: 60 })
    for (let i = 0; i < merged.length; i++) for (let j = 0; j < i; j++) expect(iou(merged[i]!.box, merged[j]!.box)).toBeLessThan(0.3)
  })

  it('keeps the strongest when there are more faces than allowed, in reading order', () => {
    const candidates: GroupCandidate[] = Array.from({ length: 10 }, (_, i) => ({ box: box(i * 90, i < 5 ? 0 : 200, 60), score: (50 + i) / 100, cut: false }))
    const merged = mergeDetections(candidates, photo, { max: 4 })
    expect(merged.map((m) => Math.round(m.score * 100))).toEqual([56, 57, 58, 59])
  })

  it('orders faces in rows, top to bottom, each row left to right (a tilted row stays one row)', () => {
    const faces = [box(500, 212, 50), box(100, 200, 50), box(300, 190, 50), box(120, 400, 60), box(20, 410, 60)].map((b) => ({ box: b }))
    expect(readingOrder(faces).map((f) => [f.box.x, f.box.y])).toEqual([[100, 200], [300, 190], [500, 212], [20, 410], [120, 400]])
  })

  it('clips to the photo', () => {
    expect(clipBox(box(-10, -10, 50), photo)).toEqual({ x: 0, y: 0, width: 40, height: 40 })
    expect(clipBox(box(1000, 10, 50), photo)).toBeNull()
  })
})

// The real detector on a composed class photo of the real people in ../shared/faces (tools/faces/class-photo.ts): the
// looks above find every face, small back row included, with boxes the server's own detector lands on.
const FACES = path.resolve(process.cwd(), '..', 'shared', 'faces')
const nodeRequire = createRequire(import.meta.url)

async function nodeDetector(): Promise<{ faceapi: typeof FaceApi; tf: typeof Tf }> {
  const tf = nodeRequire('@tensorflow/tfjs') as typeof Tf
  const tfWasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof TfWasm
  const faceapi = nodeRequire('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof FaceApi
  const dir = (name: string) => path.dirname(nodeRequire.resolve(`${name}/package.json`))
  tfWasm.setWasmPaths(path.join(dir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep, false)
  await tf.setBackend('wasm')
  await tf.ready()
  await faceapi.nets.tinyFaceDetector.loadFromDisk(path.join(dir('@vladmandic/face-api'), 'model'))
  return { faceapi, tf }
}

describe.skipIf(!fs.existsSync(path.join(FACES, 'people')))('findGroupFaces on a class photo', () => {
  it('finds every face of a class photo (back row 40 px wide) and nothing else', async () => {
    const { composeClassPhoto } = await import('../../tools/faces/class-photo')
    const people = fs.readdirSync(path.join(FACES, 'people')).sort()
    const photos = people.flatMap((id) => [1, 2, 3].map((n) => path.join(FACES, 'people', id, `${id}-${n}.jpg`)).filter((f) => fs.existsSync(f)).map((file) => ({ file, label: path.basename(file) })))
    const composed = await composeClassPhoto(photos, { seed: 3, faceSizes: { back: 40, front: 80 } })
    const { data, info } = await sharp(composed.jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    const { faceapi, tf } = await nodeDetector()
    const image = tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, 3], 'int32')
    let calls = 0
    try {
      const found = await findGroupFaces({ width: info.width, height: info.height }, async (tile, input) => {
        calls++
        const region = tf.slice(image, [tile.y, tile.x, 0], [tile.height, tile.width, 3]) as Tf.Tensor3D
        try {
          const detections = await faceapi.detectAllFaces(region as unknown as FaceApi.TNetInput, new faceapi.TinyFaceDetectorOptions({ inputSize: input, scoreThreshold: 0.3 }))
          return detections.map((d): GroupDetection => ({ box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score }))
        } finally {
          region.dispose()
        }
      })
      expect(calls).toBe(planPasses(info.width, info.height).length)
      const missed = composed.faces.filter((f) => !found.some((g) => boxIou(g.box, f.box) >= 0.3))
      expect(missed.map((f) => `${f.label} ${Math.round(f.box.width)} px`)).toEqual([])
      expect(found).toHaveLength(composed.faces.length)
    } finally {
      image.dispose()
    }
  })
})
