// Faces for the journey (e2e/journey.spec.ts): every person is a different identity of ../shared/faces/people, so a
// recognition can only be right for the right reason.
// - phone members register through the UI: liveness videos of their own identity (support/fake-camera.ts
//   promptedFrom: the head turns when the screen asks);
// - kiosk members are registered through the API as a phone does, with the evidence of a registration challenge
//   rendered from another photo of theirs (support/evidence.ts; rendered here ahead of time, cached on disk); the
//   kiosk camera shows them one after another, each turning their head when the tablet asks;
// - one identity is never registered anywhere: the "unknown face".
import fs from 'node:fs'
import path from 'node:path'
import { checkFaceQuality } from '../../shared/face/quality'
import { prepareEvidence, personPhoto } from './evidence'
import { facesDir, kioskPersonFrames, promptedFrom, turnableFace, VIDEO_DIR } from './fake-camera'
import type { PromptedCameraVideos } from './paced-camera'
import { detectFaces } from './face-node'
import { type RgbFrame, saveFramePng, writeY4m, Y4M_FPS } from './y4m'

/** Who is who: identity folders of ../shared/faces/people (ground truth: one folder, one person). */
export const CAST = {
  /** Phone members (step 2): register and check in on their own phones. */
  ani: { identity: 'p01', name: 'Ani Suryani' },
  bayu: { identity: 'p03', fallback: 'p07', name: 'Bayu Saputra' },
  /** Recognised by the kiosk online (step 3); `registered` is the photo their face is registered from. */
  citra: { identity: 'p02', photo: 'p02-1.jpg', registered: 'p02-3.jpg', name: 'Citra Lestari' },
  /** Recorded by the kiosk offline (step 4). */
  dodi: { identity: 'p04', photo: 'p04-2.jpg', registered: 'p04-5.jpg', name: 'Dodi Firmansyah' },
  eka: { identity: 'p06', photo: 'p06-1.jpg', registered: 'p06-1.jpg', name: 'Eka Pratiwi' },
  /** Never registered: the kiosk must say "not recognised". */
  stranger: { identity: 'p05', photo: 'p05-2.jpg' },
} as const

const sorted = (dir: string) => fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))

export interface PhoneVideo {
  identity: string
  photo: string
  /** The phone camera's videos: the face turning only when the screen asks (paced-camera.ts promptedCamera). */
  prompted: PromptedCameraVideos
}

/** A member's liveness videos for the phone: the first photo of the first of `identities` that turns (promptedFrom). */
export async function phoneVideo(identities: readonly string[], name: string): Promise<PhoneVideo> {
  const tried: string[] = []
  for (const identity of identities) {
    const dir = path.join(facesDir(), 'people', identity)
    for (const photo of sorted(dir)) {
      const face = await turnableFace(path.join(dir, photo), tried)
      if (!face) continue
      await saveFramePng(face.frontal, path.join(VIDEO_DIR, `${name}.png`))
      return { identity, photo: face.file, prompted: promptedFrom(face, `${name}-prompted`) }
    }
  }
  throw new Error(`no photo of ${identities.join(', ')} makes a liveness video:\n${tried.join('\n')}`)
}

export interface KioskPerson {
  identity: string
  photo: string
}

/** A person stepping in front of the kiosk (support/fake-camera.ts kioskPersonFrames): recognised, one head turn each way. */
async function personFrames(person: KioskPerson): Promise<RgbFrame[]> {
  const file = path.join(facesDir(), 'people', person.identity, person.photo)
  const tried: string[] = []
  // A kiosk person only needs a start the device counts as frontal (0.18) with room to spare: 0.1, as the server's
  // evidence fixtures (tools/test-support/evidence.ts) use; p06-1 measures 0.09.
  const face = await turnableFace(file, tried, 0.1)
  if (!face) throw new Error(`${file}: no face the kiosk video can turn:\n${tried.join('\n')}`)
  const quality = checkFaceQuality(await detectFaces(face.frontal), face.frontal)
  if (!quality.ok) throw new Error(`${file}: the browser's detector would not accept this frame (${quality.reason})`)
  await saveFramePng(face.frontal, path.join(VIDEO_DIR, `journey-${person.identity}.png`))
  return kioskPersonFrames(face)
}

/** Nobody in front of the camera: the empty corridor behind the kiosk (a plain wall). */
function emptyFrames(seconds: number, like: RgbFrame): RgbFrame[] {
  const wall = new Uint8Array(like.data.length)
  for (let i = 0; i < wall.length; i += 3) {
    wall[i] = 58
    wall[i + 1] = 62
    wall[i + 2] = 60
  }
  const frame = { data: wall, width: like.width, height: like.height }
  return Array.from({ length: Math.round(seconds * Y4M_FPS) }, () => frame)
}

/** The kiosk camera's scene: these people, one after another with a moment of nobody in between, looping. */
export async function kioskScene(people: readonly KioskPerson[], name: string): Promise<string> {
  const frames: RgbFrame[] = []
  for (const person of people) {
    const own = await personFrames(person)
    frames.push(...own, ...emptyFrames(1.2, own[0]!))
  }
  return writeY4m(path.join(VIDEO_DIR, `${name}.y4m`), frames)
}

/** The photo a kiosk member's face is registered from (support/evidence.ts registerFaceWithEvidence). */
export interface ApiRegistration {
  photo: string
}

/** The registration photo, its evidence rendered ahead of time for every two-turn challenge (cached on disk). */
async function apiRegistration(person: { identity: string; registered: string }): Promise<ApiRegistration> {
  const photo = personPhoto(person.identity, person.registered)
  await prepareEvidence([photo])
  return { photo }
}

export interface PreparedFaces {
  ani: PhoneVideo
  bayu: PhoneVideo
  sceneOnline: string
  sceneOffline: string
  registrations: Record<'citra' | 'dodi' | 'eka', ApiRegistration>
}

/** Everything the journey's cameras and API registrations need (about a minute of CPU: run it beside the first step). */
export async function prepareFaces(): Promise<PreparedFaces> {
  return {
    ani: await phoneVideo([CAST.ani.identity], 'journey-ani'),
    bayu: await phoneVideo([CAST.bayu.identity, CAST.bayu.fallback], 'journey-bayu'),
    sceneOnline: await kioskScene([CAST.citra, CAST.stranger], 'journey-kiosk-online'),
    sceneOffline: await kioskScene([CAST.dodi, CAST.eka], 'journey-kiosk-offline'),
    registrations: {
      citra: await apiRegistration(CAST.citra),
      dodi: await apiRegistration(CAST.dodi),
      eka: await apiRegistration(CAST.eka),
    },
  }
}
