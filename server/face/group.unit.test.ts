// Every face of a group photo (server/face/group.ts), on real photos: a class photo composed from the 7 identities of
// ../shared/faces/people (tools/faces/class-photo.ts; photos their enrolment does not use), the real group photos of
// ../shared/faces/groups, in this thread and in the worker pool; and the tiling's own arithmetic.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { composeClassPhoto, type ClassPhoto } from '../../tools/faces/class-photo'
import { assignFaces } from '../../shared/face/assign'
import { checkDescriptor, decodeDescriptor } from '../../shared/face/descriptor'
import { buildGallery, DEFAULT_FACE_MARGIN, DEFAULT_FACE_THRESHOLD } from '../../shared/face/match'
import { planTiles as planPhotoTiles } from '../../shared/face/tiles'
import { faceEncoding, FACES_DIR, facePhoto } from '../../tools/test-support/faces'
import { extractGroupFaces, extractGroupFacesInPool, iou, mergeCandidates, placeTileFaces, planTiles, type Candidate } from './group'
import { extractFacesWith, FaceImageError, type ExtractedFace, type ExtractionResult } from './inference'
import { closeFacePool } from './pool'

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true })
const IDENTITIES = fs.readdirSync(path.join(FACES_DIR, 'people')).sort(byName)
const photosOf = (id: string) => fs.readdirSync(path.join(FACES_DIR, 'people', id)).sort(byName)

/** Pairs each true face with the found face overlapping it most (IoU), or null. */
function matchFaces(truth: ClassPhoto['faces'], found: readonly ExtractedFace[]): { label: string; face: ExtractedFace | null; iou: number }[] {
  return truth.map((t) => {
    let best: ExtractedFace | null = null
    let bestIou = 0
    for (const f of found) {
      const x = iou(f.box, t.box)
      if (x > bestIou) [best, bestIou] = [f, x]
    }
    return { label: t.label, face: best, iou: bestIou }
  })
}

const face = (x: number, y: number, size: number, score: number): ExtractedFace => ({
  box: { x, y, width: size, height: size },
  score,
  landmarks: [{ x: x + size / 2, y: y + size / 2 }],
  descriptor: new Float32Array(0),
})

describe('tiling arithmetic', () => {
  it('is the shared tiling (shared/face/tiles.test.ts) in sharp\'s terms: 12 tiles for 2048x1536; a photo no larger than a tile is one tile', () => {
    const tiles = planTiles(2048, 1536, 640, 160)
    expect(tiles).toHaveLength(12)
    expect(tiles).toEqual(planPhotoTiles(2048, 1536, 640, 160).map((t) => ({ left: t.x, top: t.y, width: t.width, height: t.height })))
    expect(planTiles(600, 604, 640, 160)).toEqual([{ left: 0, top: 0, width: 600, height: 604 }])
    expect(() => planTiles(100, 100, 64, 64)).toThrow(RangeError)
  })

  it('maps a tile face into the photo and marks it cut only at an inner tile edge', () => {
    const photo = { width: 2048, height: 1536 }
    const tile = { left: 480, top: 0, width: 640, height: 640 }
    const [inside, atLeft, atTop, atBottom] = placeTileFaces([face(100, 100, 50, 0.9), face(0, 100, 40, 0.9), face(100, 0, 40, 0.9), face(100, 600, 40, 0.9)], tile, photo)
    expect(inside!.face.box).toEqual({ x: 580, y: 100, width: 50, height: 50 })
    expect(inside!.face.landmarks[0]).toEqual({ x: 605, y: 125 })
    expect([inside!.cut, atLeft!.cut, atTop!.cut, atBottom!.cut]).toEqual([false, true, false, true]) // the top edge is the photo's
    // scale: decoded pixels back to the photo's own
    const [scaled] = placeTileFaces([face(10, 20, 30, 0.9)], { left: 100, top: 0, width: 640, height: 640 }, photo, 2)
    expect(scaled!.face.box).toEqual({ x: 220, y: 40, width: 60, height: 60 })
  })

  it('merges one face seen twice (whole face first, then the higher score) and keeps neighbours apart', () => {
    const c = (f: ExtractedFace, cut = false): Candidate => ({ face: f, cut })
    const merged = mergeCandidates(
      [
        c(face(100, 100, 50, 0.7)), // seen by two tiles: kept once, the higher score
        c(face(102, 101, 50, 0.9)),
        c(face(300, 100, 50, 0.99), true), // cut at a tile edge, stronger than its whole version: the whole one wins
        c(face(290, 100, 70, 0.8)),
        c(face(160, 100, 50, 0.6)), // a neighbour touching the first face: a face of its own
      ],
      0.4,
    )
    expect(merged.map((f) => [f.box.x, f.score])).toEqual([
      [102, 0.9],
      [290, 0.8],
      [160, 0.6],
    ])
  })
})

describe('extractGroupFaces on real photos', () => {
  let photo: ClassPhoto
  let inThread: ExtractionResult

  beforeAll(async () => {
    // The last photo of each identity: enrolment (face:eval, the tests) takes the first ones.
    photo = await composeClassPhoto(
      IDENTITIES.map((id) => ({ file: path.join(FACES_DIR, 'people', id, photosOf(id).at(-1)!), label: id })),
      { seed: 1, faceSizes: { back: 40, front: 80 } },
    )
    inThread = await extractGroupFaces(new Uint8Array(photo.jpeg))
  })
  afterAll(() => closeFacePool())

  it('finds all 7 faces of a 2048 px class photo (faces 40-80 px wide), with the right boxes, landmarks and descriptors', () => {
    expect([photo.width, photo.height]).toEqual([2048, 1536])
    expect(photo.faces).toHaveLength(7)
    expect(Math.min(...photo.faces.map((f) => f.box.width))).toBeLessThan(46) // the back row really is small
    expect([inThread.width, inThread.height]).toEqual([photo.width, photo.height])
    const matched = matchFaces(photo.faces, inThread.faces)
    for (const m of matched) {
      expect(m.iou, `${m.label}'s face`).toBeGreaterThanOrEqual(0.5)
      const f = m.face!
      expect(f.landmarks).toHaveLength(68)
      const inBox = f.landmarks.filter((p) => p.x >= f.box.x - 5 && p.x <= f.box.x + f.box.width + 5 && p.y >= f.box.y - 5 && p.y <= f.box.y + f.box.height + 5)
      expect(inBox.length).toBeGreaterThanOrEqual(60)
      expect(checkDescriptor(f.descriptor).ok).toBe(true)
    }
    // Nothing else: every face found is one of the 7, once.
    expect(inThread.faces).toHaveLength(7)
    expect(new Set(matched.map((m) => m.face)).size).toBe(7)
  })

  it('the class photo is deterministic: the same people and seed give the same JPEG, another seed another arrangement', async () => {
    const people = IDENTITIES.map((id) => ({ file: path.join(FACES_DIR, 'people', id, photosOf(id).at(-1)!), label: id }))
    const again = await composeClassPhoto(people, { seed: 1, faceSizes: { back: 40, front: 80 } })
    expect(again.jpeg.equals(photo.jpeg)).toBe(true)
    expect(again.faces).toEqual(photo.faces)
    const other = await composeClassPhoto(people, { seed: 2, faceSizes: { back: 40, front: 80 } })
    expect(other.faces.map((f) => f.label)).not.toEqual(photo.faces.map((f) => f.label))
    for (const f of [...photo.faces, ...other.faces]) {
      expect(f.box.x >= 0 && f.box.y >= 0 && f.box.x + f.box.width <= photo.width && f.box.y + f.box.height <= photo.height).toBe(true)
    }
  })

  it('names each face right against a gallery of the other photos (one-to-one, organization defaults)', async () => {
    // The gallery: the registration path's descriptors of each identity's first photos (faceEncoding: extracted once
    // per photo and pipeline, shared with the API tests that enrol the same photos).
    const entries: { memberId: number; descriptor: Float32Array }[] = []
    for (const [memberId, id] of IDENTITIES.entries()) {
      for (const file of photosOf(id).slice(0, -1).slice(0, 3)) entries.push({ memberId, descriptor: decodeDescriptor(await faceEncoding(path.join('people', id, file))) })
    }
    const matched = matchFaces(photo.faces, inThread.faces)
    const named = assignFaces(
      buildGallery(entries),
      matched.map((m) => m.face!.descriptor),
      { threshold: DEFAULT_FACE_THRESHOLD, margin: DEFAULT_FACE_MARGIN },
    )
    const wrong = named.filter((a) => a.memberId !== null && IDENTITIES[a.memberId] !== matched[a.face]!.label)
    expect(wrong).toEqual([])
    expect(named.filter((a) => a.memberId !== null).length).toBeGreaterThanOrEqual(6)
  })

  it('in the worker pool: the same faces (off the main thread)', async () => {
    const pooled = await extractGroupFacesInPool(new Uint8Array(photo.jpeg))
    expect(pooled.faces).toHaveLength(inThread.faces.length)
    for (const [i, f] of pooled.faces.entries()) {
      const same = inThread.faces[i]!
      expect(iou(f.box, same.box)).toBeGreaterThan(0.99)
      expect(f.descriptor).toBeInstanceOf(Float32Array)
      let d = 0
      for (let k = 0; k < f.descriptor.length; k++) d += (f.descriptor[k]! - same.descriptor[k]!) ** 2
      expect(Math.sqrt(d)).toBeLessThan(1e-3)
    }
  })

  it('a photo larger than 2048 px is analysed at 2048 and answers in its own pixels', async () => {
    const big = await sharp(photo.jpeg).resize(3072).jpeg({ quality: 92 }).toBuffer()
    const result = await extractGroupFaces(new Uint8Array(big))
    expect([result.width, result.height]).toEqual([3072, 2304])
    const scaled = photo.faces.map((f) => ({ ...f, box: { x: f.box.x * 1.5, y: f.box.y * 1.5, width: f.box.width * 1.5, height: f.box.height * 1.5 } }))
    for (const m of matchFaces(scaled, result.faces)) expect(m.iou, m.label).toBeGreaterThanOrEqual(0.5)
  })

  it('finds the several faces of the real group photos', async () => {
    const couple = await extractGroupFaces(facePhoto('groups/couple.jpg'))
    expect(couple.faces.filter((f) => f.score >= 0.5)).toHaveLength(2)
    // The same two faces extractFaces finds.
    const plain = await extractFacesWith(facePhoto('groups/couple.jpg'), 'ssd')
    for (const f of plain.faces) expect(Math.max(...couple.faces.map((g) => iou(f.box, g.box)))).toBeGreaterThan(0.7)

    const selfie = await extractGroupFaces(facePhoto('groups/selfie-many-people.jpg'))
    const strong = selfie.faces.filter((f) => f.score >= 0.5)
    expect(strong.length).toBeGreaterThanOrEqual(5)
    for (const f of strong) {
      const [cx, cy] = [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2]
      expect(cx > 0 && cx < selfie.width && cy > 0 && cy < selfie.height).toBe(true)
      expect(checkDescriptor(f.descriptor).ok).toBe(true)
    }
    // No face twice.
    for (let i = 0; i < selfie.faces.length; i++) for (let j = 0; j < i; j++) expect(iou(selfie.faces[i]!.box, selfie.faces[j]!.box)).toBeLessThan(0.4)
  })

  it('refuses what is not an image (FaceImageError), and a maxResults out of range', async () => {
    await expect(extractGroupFaces(new Uint8Array([1, 2, 3, 4]))).rejects.toBeInstanceOf(FaceImageError)
    await expect(extractGroupFacesInPool(new Uint8Array(0))).rejects.toBeInstanceOf(FaceImageError)
    await expect(extractFacesWith(facePhoto('groups/couple.jpg'), 'ssd', 'current', { maxResults: 0 })).rejects.toBeInstanceOf(RangeError)
  })
})
