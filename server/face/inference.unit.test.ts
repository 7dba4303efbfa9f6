// Real face extraction (face-api Node WASM build for detection and landmarks, the ONNX recognition model) on the photos in ../shared/faces. Models load once for the file.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_FACE_THRESHOLD, l2Distance } from '../../shared/face/match'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { describeSingleFace, extractFaces, extractFacesWith, FaceImageError, loadFaceModels } from './inference'

const FACES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/faces')
const photo = (rel: string): Buffer => fs.readFileSync(path.join(FACES, rel))

// A handful: two photos of each of two people, one of a third.
const PEOPLE = {
  p01: ['people/p01/p01-1.jpg', 'people/p01/p01-5.jpg'],
  p02: ['people/p02/p02-1.jpg', 'people/p02/p02-4.jpg'],
  p05: ['people/p05/p05-2.jpg'],
} as const

const descriptors = new Map<string, Float32Array>()

beforeAll(async () => {
  if (!fs.existsSync(path.join(FACES, 'people')) || !fs.existsSync(path.join(FACES, 'groups'))) {
    throw new Error(`face fixtures not found at ${FACES}: these tests need the shared folder (../shared/faces) beside the repository`)
  }
  await loadFaceModels()
  for (const files of Object.values(PEOPLE)) {
    for (const file of files) {
      const r = await describeSingleFace(photo(file))
      if (!r.ok) throw new Error(`${file}: expected one usable face, got ${r.reason}`)
      descriptors.set(file, r.descriptor)
    }
  }
})

describe('server-side face extraction', () => {
  it('loads the models once (memoized) on the wasm backend', async () => {
    const a = await loadFaceModels()
    const b = await loadFaceModels()
    expect(a).toBe(b)
    expect(a.backend).toBe('wasm')
  })

  it('extracts one face with box, score, 68 landmarks and a unit-length descriptor of the recognition model', async () => {
    const r = await extractFaces(photo(PEOPLE.p01[0]))
    expect(r.faces).toHaveLength(1)
    const [face] = r.faces
    expect(face!.score).toBeGreaterThan(0.9)
    expect(face!.landmarks).toHaveLength(68)
    expect(face!.descriptor).toBeInstanceOf(Float32Array)
    expect(face!.descriptor).toHaveLength(FACE_DESCRIPTOR_LENGTH)
    expect(Math.hypot(...face!.descriptor)).toBeCloseTo(1, 4)
    expect(face!.box.x).toBeGreaterThanOrEqual(0)
    expect(face!.box.x + face!.box.width).toBeLessThanOrEqual(r.width + 1)
    // Deterministic: the same photo gives the same descriptor as in beforeAll.
    expect(l2Distance(face!.descriptor, descriptors.get(PEOPLE.p01[0])!)).toBeLessThan(1e-4)
  })

  it('same person: closer than the default threshold; different people: farther, with room to spare', () => {
    const d = (a: string, b: string): number => l2Distance(descriptors.get(a)!, descriptors.get(b)!)
    expect(d(PEOPLE.p01[0], PEOPLE.p01[1])).toBeLessThan(DEFAULT_FACE_THRESHOLD)
    expect(d(PEOPLE.p02[0], PEOPLE.p02[1])).toBeLessThan(DEFAULT_FACE_THRESHOLD)
    const groups = Object.values(PEOPLE)
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        for (const a of groups[i]!) for (const b of groups[j]!) expect(d(a, b), `${a} vs ${b}`).toBeGreaterThan(DEFAULT_FACE_THRESHOLD + 0.1)
      }
    }
  })

  it('runs TinyFaceDetector on a face crop (the evidence path) to the same face as SSD', async () => {
    const r = await extractFaces(photo(PEOPLE.p02[0]))
    const b = r.faces[0]!.box
    // A crop like a device's evidence frame: the face box grown x2 around its centre, at most 256 px.
    const side = Math.round(Math.max(b.width, b.height) * 2)
    const left = Math.max(0, Math.round(b.x + b.width / 2 - side / 2))
    const top = Math.max(0, Math.round(b.y + b.height / 2 - side / 2))
    const crop = await sharp(photo(PEOPLE.p02[0]))
      .rotate()
      .extract({ left, top, width: Math.min(side, r.width - left), height: Math.min(side, r.height - top) })
      .resize(256, 256, { fit: 'inside' })
      .jpeg({ quality: 85 })
      .toBuffer()
    const tiny = await extractFacesWith(crop, { tiny: 224 })
    expect(tiny.faces).toHaveLength(1)
    expect(tiny.faces[0]!.landmarks).toHaveLength(68)
    expect(l2Distance(tiny.faces[0]!.descriptor, descriptors.get(PEOPLE.p02[0])!)).toBeLessThan(0.3)
    await expect(extractFacesWith(crop, { tiny: 100 })).rejects.toBeInstanceOf(RangeError)
  })

  it('refuses the group photos with \'multiple_faces\'', async () => {
    for (const file of ['groups/couple.jpg', 'groups/selfie-many-people.jpg']) {
      const r = await describeSingleFace(photo(file))
      expect(r, file).toMatchObject({ ok: false, reason: 'multiple_faces' })
      if (!r.ok) expect(r.faces).toBeGreaterThan(1)
    }
  })

  it('rejects a non-image buffer with a clear error, not a crash', async () => {
    const junk = Buffer.from('this is not an image, just some text')
    await expect(extractFaces(junk)).rejects.toBeInstanceOf(FaceImageError)
    await expect(extractFaces(junk)).rejects.toThrow(/not a readable image/)
    expect(await describeSingleFace(junk)).toMatchObject({ ok: false, reason: 'invalid_image' })
    expect(await describeSingleFace(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'invalid_image' })
    const truncated = photo(PEOPLE.p01[0]).subarray(0, 2000)
    expect(await describeSingleFace(truncated)).toMatchObject({ ok: false })
    // Still works afterwards.
    expect((await describeSingleFace(photo(PEOPLE.p05[0]))).ok).toBe(true)
  })

  it('says \'no_face\' for an image without a face', async () => {
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 120, g: 140, b: 160 } } })
      .png()
      .toBuffer()
    expect(await describeSingleFace(blank)).toMatchObject({ ok: false, reason: 'no_face', faces: 0 })
  })
})
