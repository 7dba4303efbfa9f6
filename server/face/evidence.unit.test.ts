// The server's evidence analysis on captures rendered from the real photos in ../shared/faces (tools/test-support/evidence.ts),
// and the worker pool it runs in. No assertion depends on how fast the machine is.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Evidence } from '../../shared/attendance/evidence'
import { DEFAULT_FACE_THRESHOLD, l2Distance } from '../../shared/face/match'
import { checkFaceQuality } from '../../shared/face/quality'
import { renderEvidence } from '../../tools/test-support/evidence'
import { facePhoto } from '../../tools/test-support/faces'
import { analyseEvidence, decodeEvidenceImage, EVIDENCE_LIVENESS_OPTIONS, EvidenceImageError, type EvidenceAnalysis } from './evidence'
import { FaceImageError } from './inference'
import { FacePool, FacePoolError, type FaceExtraction } from './pool'

let pool: FacePool

/** The single face's descriptor of an original photo (not rendered), computed in the pool. */
async function photoDescriptor(rel: string): Promise<Float32Array> {
  const result = await pool.extractFaces(facePhoto(rel))
  const gate = checkFaceQuality(result.faces, result)
  if (!gate.ok) throw new Error(`${rel}: ${gate.reason}`)
  return result.faces[gate.faceIndex]!.descriptor
}

function framesOf(evidence: Evidence): { t: number; image: Uint8Array }[] {
  return evidence.frames.map((f) => ({ t: f.t, image: decodeEvidenceImage(f.image) }))
}

function analyse(evidence: Evidence): Promise<EvidenceAnalysis> {
  return analyseEvidence(framesOf(evidence), evidence.steps, { pool })
}

describe('analyseEvidence on rendered captures', () => {
  let honest: Evidence
  let other: Evidence

  beforeAll(async () => {
    pool = new FacePool({ size: 2 })
    honest = await renderEvidence('people/p01/p01-5.jpg', ['turn_left', 'turn_right'], { challengeId: '0b7c6b36-5b8e-4c44-9a3e-2f9c1d7e8a10' })
    other = await renderEvidence('people/p02/p02-1.jpg', ['turn_left', 'turn_right'])
  })

  afterAll(async () => {
    await pool?.close()
  })

  it('passes an honest capture: every frame usable, one person, the turns in order, a probe that is this person', async () => {
    const a = await analyse(honest)
    expect(a.frames.map((f) => f.reason)).toEqual(honest.frames.map(() => 'ok'))
    expect(a.samePerson).toBe(true)
    expect(a.liveness).toEqual({ passed: true, code: 'passed' })
    // Start, two returns, three frontal frames after: six frontal templates; the two turned frames are not templates.
    expect(a.frontal).toHaveLength(6)
    expect(a.probe).not.toBeNull()
    const yaws = a.frames.map((f) => f.yaw as number)
    expect(yaws[1]).toBeGreaterThan(0.28) // turn_left: the nose towards the image's right
    expect(yaws[3]).toBeLessThan(-0.28)

    // The probe is the person of the photo: close to their OTHER photos, far from other people's.
    const probe = a.probe as Float32Array
    const own = Math.min(...(await Promise.all(['people/p01/p01-6.jpg', 'people/p01/p01-7.jpg'].map(photoDescriptor))).map((d) => l2Distance(probe, d)))
    const others = (await Promise.all(['people/p02/p02-1.jpg', 'people/p04/p04-2.jpg', 'people/p05/p05-2.jpg'].map(photoDescriptor))).map((d) => l2Distance(probe, d))
    expect(own).toBeLessThan(DEFAULT_FACE_THRESHOLD)
    for (const d of others) expect(d).toBeGreaterThan(DEFAULT_FACE_THRESHOLD)
    expect(Math.min(...others) - own).toBeGreaterThan(0.15)
  })

  it('passes the hardest honest captures: each key frame just past the device\'s own thresholds', async () => {
    // The device keeps the frame that completes a held pose: a turn just past its 0.4, a return just under its 0.18.
    // These two photos are the ones whose turns the server measured least far (0.33 and 0.38 for a device 0.47 / 0.40).
    for (const photo of ['people/p07/p07-2.jpg', 'people/p02/p02-3.jpg']) {
      const a = await analyse(await renderEvidence(photo, ['turn_right', 'turn_left'], { turnYaw: 0.4, returnYaw: 0.18 }))
      expect({ photo, samePerson: a.samePerson, liveness: a.liveness.code }).toEqual({ photo, samePerson: true, liveness: 'passed' })
    }
  })

  it('keeps a far turn that the crop detector (TinyFaceDetector) scores under the gate: SSD looks at it again', async () => {
    // This photo's default capture turns 45°; TinyFaceDetector 224 scores that crop under 0.5, SSD finds it clearly.
    const a = await analyse(await renderEvidence('people/p07/p07-2.jpg', ['turn_left', 'turn_right']))
    expect(a.frames.map((f) => f.reason)).toEqual(a.frames.map(() => 'ok'))
    expect(a.samePerson).toBe(true)
    expect(a.liveness.code).toBe('passed')
  })

  it('passes the other order of turns when that is what was asked', async () => {
    const a = await analyse(await renderEvidence('people/p02/p02-1.jpg', ['turn_right', 'turn_left']))
    expect(a.samePerson).toBe(true)
    expect(a.liveness.code).toBe('passed')
  })

  it('fails a still photo held up to the camera (the same frame repeated): no turn', async () => {
    const a = await analyse(await renderEvidence('people/p01/p01-5.jpg', ['turn_left', 'turn_right'], { still: true }))
    expect(a.samePerson).toBe(true)
    expect(a.liveness).toEqual({ passed: false, code: 'no_turn' })
    expect(a.probe).not.toBeNull() // the face is still there: the liveness check is what fails it
  })

  it('passes a kiosk\'s \'move\' capture: stepping in glancing aside, then looking at the tablet, even at the device\'s own threshold', async () => {
    // The device keeps the two ends of a span of at least its moveYaw (0.25). Of the 13 renderable photos, these two
    // measured the smallest span here on the two ends (0.19 and 0.21, where the device measured 0.26 and 0.27).
    for (const photo of ['people/p01/p01-6.jpg', 'people/p02/p02-3.jpg']) {
      const a = await analyse(await renderEvidence(photo, ['move'], { moveYaw: 0.25 }))
      const span = (a.frames[0]!.yaw as number) - (a.frames[1]!.yaw as number)
      expect({ photo, samePerson: a.samePerson, liveness: a.liveness.code }).toEqual({ photo, samePerson: true, liveness: 'passed' })
      expect(span).toBeGreaterThanOrEqual(EVIDENCE_LIVENESS_OPTIONS.moveYaw)
    }
  })

  it('fails a still photo held up to a kiosk (\'move\'): its yaw never spans anything', async () => {
    const a = await analyse(await renderEvidence('people/p01/p01-5.jpg', ['move'], { still: true }))
    expect(a.samePerson).toBe(true)
    expect(a.liveness).toEqual({ passed: false, code: 'no_turn' })
    // A glance too small for the device (a person merely swaying) is not enough here either.
    const sway = await analyse(await renderEvidence('people/p02/p02-1.jpg', ['move'], { moveYaw: 0.08 }))
    expect(sway.liveness.passed).toBe(false)
  })

  it('fails turns made in the wrong order', async () => {
    const a = await analyse(await renderEvidence('people/p01/p01-5.jpg', ['turn_left', 'turn_right'], { reverseTurns: true }))
    expect(a.liveness).toEqual({ passed: false, code: 'wrong_order' })
    const single = await analyse(await renderEvidence('people/p02/p02-1.jpg', ['turn_right'], { reverseTurns: true }))
    expect(single.liveness.code).toBe('wrong_order')
  })

  it('fails a capture whose frames show two people (frontal frames swapped, or the turns done by someone else)', async () => {
    // The last frontal frames from another person.
    const swappedFrontal: Evidence = { ...honest, frames: honest.frames.map((f, i) => (i >= 5 ? { ...f, image: other.frames[i]!.image } : f)) }
    const a = await analyse(swappedFrontal)
    expect(a.samePerson).toBe(false)
    // Someone else does the turns while the member's photo gives the frontal frames.
    const swappedTurns: Evidence = { ...honest, frames: honest.frames.map((f, i) => (i === 1 || i === 3 ? { ...f, image: other.frames[i]!.image } : f)) }
    const b = await analyse(swappedTurns)
    expect(b.samePerson).toBe(false)
    expect(b.liveness.code).toBe('passed') // the turns themselves were real: only samePerson catches it
  })

  it('turns junk bytes into invalid_image frames, never a throw', async () => {
    const frames = framesOf(honest)
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919) % 251)
    const jpegLike = new Uint8Array([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5])
    const mixed = [frames[0]!, { t: frames[1]!.t, image: junk }, { t: frames[2]!.t, image: jpegLike }, { t: frames[3]!.t, image: new Uint8Array(0) }, ...frames.slice(4)]
    const a = await analyseEvidence(mixed, honest.steps, { pool })
    expect(a.frames.map((f) => f.reason)).toEqual(['ok', 'invalid_image', 'invalid_image', 'invalid_image', 'ok', 'ok', 'ok', 'ok'])
    expect(a.liveness.code).toBe('no_turn') // the turns were in the junk frames
    expect(a.samePerson).toBe(true)

    const none = await analyseEvidence([{ t: 0, image: junk }, { t: 10, image: jpegLike }], ['turn_left'], { pool })
    expect(none.frames.every((f) => f.reason === 'invalid_image' && !f.ok && f.descriptor === null)).toBe(true)
    expect(none).toMatchObject({ samePerson: false, liveness: { passed: false, code: 'no_evidence' }, probe: null, frontal: [] })
  })

  it('reports a frame without a face as no_face', async () => {
    const sharp = (await import('sharp')).default
    const wall = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 100, b: 95 } } }).jpeg().toBuffer()
    const a = await analyseEvidence([{ t: 0, image: new Uint8Array(wall) }], ['turn_left'], { pool })
    expect(a.frames[0]).toMatchObject({ ok: false, reason: 'no_face', yaw: null, descriptor: null })
    expect(a.liveness.code).toBe('no_evidence')
  })
})

describe('analyseEvidence with its own extractor', () => {
  it('retries a frame once when the pool fails, and rethrows a second failure (the job retries later)', async () => {
    const empty = { result: { width: 10, height: 10, faces: [] }, threadId: 1, ms: 1 } satisfies FaceExtraction
    let calls = 0
    const flaky = async () => {
      calls++
      if (calls === 1) throw new FacePoolError('worker_crashed', 'boom')
      return empty
    }
    const a = await analyseEvidence([{ t: 0, image: new Uint8Array([1]) }], ['turn_left'], { extract: flaky })
    expect(calls).toBe(2)
    expect(a.frames[0]!.reason).toBe('no_face')
    const broken = async (): Promise<FaceExtraction> => {
      throw new FacePoolError('timeout', 'slow')
    }
    await expect(analyseEvidence([{ t: 0, image: new Uint8Array([1]) }], ['turn_left'], { extract: broken })).rejects.toBeInstanceOf(FacePoolError)
    const notImage = async (): Promise<FaceExtraction> => {
      throw new FaceImageError('nope')
    }
    const b = await analyseEvidence([{ t: 0, image: new Uint8Array([1]) }], ['turn_left'], { extract: notImage })
    expect(b.frames[0]!.reason).toBe('invalid_image')
  })
})

describe('decodeEvidenceImage', () => {
  const jpeg = Buffer.from([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1])
  const png = Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])

  it('reads base64 and data URLs of JPEG, PNG and WebP', () => {
    expect(Buffer.from(decodeEvidenceImage(jpeg.toString('base64')))).toEqual(jpeg)
    expect(Buffer.from(decodeEvidenceImage(`data:image/jpeg;base64,${jpeg.toString('base64')}`))).toEqual(jpeg)
    expect(Buffer.from(decodeEvidenceImage(`data:image/png;base64,${png.toString('base64')}`))).toEqual(png)
    expect(Buffer.from(decodeEvidenceImage(jpeg.toString('base64').replace(/=+$/, '')))).toEqual(jpeg)
  })

  it('refuses junk with a typed error', () => {
    const reason = (input: string) => {
      try {
        decodeEvidenceImage(input)
        return 'accepted'
      } catch (err) {
        expect(err).toBeInstanceOf(EvidenceImageError)
        return (err as EvidenceImageError).reason
      }
    }
    expect(reason('')).toBe('empty')
    expect(reason('data:image/jpeg;base64,')).toBe('empty')
    expect(reason('not base64 at all!')).toBe('not_base64')
    expect(reason(`${jpeg.toString('base64')}\n`)).toBe('not_base64')
    expect(reason('QUJD=')).toBe('not_base64') // wrong padding
    expect(reason('QUJDR')).toBe('not_base64') // a length base64 cannot have
    expect(reason('QUJDRB==')).toBe('not_base64') // stray bits: not canonical
    expect(reason(Buffer.from('hello, not an image').toString('base64'))).toBe('not_an_image')
    expect(reason(`data:image/png;base64,${jpeg.toString('base64')}`)).toBe('type_mismatch')
    expect(reason(`data:text/html;base64,${jpeg.toString('base64')}`)).toBe('not_base64')
    expect(reason('A'.repeat(200_000))).toBe('too_large')
  })
})

describe('the face worker pool', () => {
  it('runs extractions on several worker threads at once', async () => {
    const image = facePhoto('people/p01/p01-5.jpg')
    const p = new FacePool({ size: 2 })
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => p.extractTraced(image)))
      expect(results.every((r) => r.result.faces.length === 1)).toBe(true)
      const stats = p.stats()
      expect(new Set(results.map((r) => r.threadId)).size).toBe(2)
      expect(stats).toMatchObject({ size: 2, maxBusy: 2, completed: 6, started: 2, crashed: 0 })
      // Same answer whichever worker ran it.
      expect(l2Distance(results[0]!.result.faces[0]!.descriptor, results[5]!.result.faces[0]!.descriptor)).toBeLessThan(1e-5)
      await expect(p.extractFaces(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(FaceImageError)
    } finally {
      await p.close()
    }
  })

  it('fails the request of a worker that dies, replaces the worker and goes on', async () => {
    const image = facePhoto('people/p02/p02-1.jpg')
    const p = new FacePool({ size: 1 })
    try {
      const before = await p.extractTraced(image)
      const crash = p.crashOneWorkerForTests()
      const queued = p.extractTraced(image) // waits behind the crash, then runs on the replacement
      await expect(crash).rejects.toMatchObject({ name: 'FacePoolError', code: 'worker_crashed' })
      const after = await queued
      expect(after.result.faces).toHaveLength(1)
      expect(after.threadId).not.toBe(before.threadId)
      expect(p.stats()).toMatchObject({ crashed: 1, started: 2, workers: 1 })
    } finally {
      await p.close()
    }
  })

  it('stops a worker left idle (its memory goes back) and starts one again for the next request', async () => {
    const image = facePhoto('people/p02/p02-1.jpg')
    const p = new FacePool({ size: 1, idleMs: 1 })
    try {
      const first = await p.extractTraced(image)
      await vi.waitFor(() => expect(p.stats().workers).toBe(0), { timeout: 60_000, interval: 20 })
      const second = await p.extractTraced(image)
      expect(second.threadId).not.toBe(first.threadId)
      expect(p.stats()).toMatchObject({ started: 2, crashed: 0, completed: 2 })
    } finally {
      await p.close()
    }
  })

  it('ends a worker that overran its time limit only once it answers, never in the middle of its analysis', async () => {
    // Ending a thread inside native inference can abort the whole process ('terminate called recursively' killed a
    // test process of a loaded CI). 1 ms cannot cover starting a thread and loading the models: the request times out,
    // a new worker takes the next one, and the first is ended when its late answer comes.
    const p = new FacePool({ size: 1, timeoutMs: 1 })
    try {
      const image = facePhoto('people/p02/p02-1.jpg')
      await expect(p.extractFaces(image)).rejects.toMatchObject({ name: 'FacePoolError', code: 'timeout' })
      expect(p.stats()).toMatchObject({ crashed: 1, endedAfterTimeout: 0 })
      await vi.waitFor(() => expect(p.stats().endedAfterTimeout).toBe(1), { timeout: 300_000, interval: 50 })
    } finally {
      await p.close()
    }
  })

  it('fails a request that overruns its time limit instead of hanging, and fails what is pending on close', async () => {
    // 1 ms cannot cover starting a thread and loading the models: the first request always times out.
    const p = new FacePool({ size: 1, timeoutMs: 1 })
    const image = facePhoto('people/p02/p02-1.jpg')
    await expect(p.extractFaces(image)).rejects.toMatchObject({ name: 'FacePoolError', code: 'timeout' })
    expect(p.stats().crashed).toBe(1)
    const pending = p.extractFaces(image).catch((err: unknown) => err)
    await p.close()
    expect(await pending).toMatchObject({ name: 'FacePoolError', code: expect.stringMatching(/^(closed|timeout)$/) })
    await expect(p.extractFaces(image)).rejects.toMatchObject({ code: 'closed' })
  })
})
