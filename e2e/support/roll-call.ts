// The roll-call spec's (e2e/roll-call.spec.ts) class photo and its screen: the photo composed from real photos as the
// tablet's camera, the face of the list at a person's place, taking the photo and confirming the names.
import fs from 'node:fs'
import path from 'node:path'
import { expect, type Page } from '@playwright/test'
import { boxIou, type RollCallBox } from '../../shared/attendance/roll-call'
import { type ClassPhoto, composeClassPhoto } from '../../tools/faces/class-photo'
import { logWhile } from './browser'
import { classPhotoY4m } from './class-photo'
import { personPhoto } from './evidence'
import { VIDEO_DIR } from './fake-camera'

/** The class photo as the tablet's camera: one still frame of 1920x1080 (e2e/support/class-photo.ts), looped by Chromium. */
export async function classVideo(people: Record<string, { identity: string; photo: string }>): Promise<{ video: string; photo: ClassPhoto }> {
  const sources = Object.entries(people).map(([label, person]) => ({ file: personPhoto(person.identity, person.photo), label }))
  const composed = await composeClassPhoto(sources, { width: 1920, height: 1080, faceSizes: { back: 70, front: 100 }, seed: 5 })
  fs.mkdirSync(VIDEO_DIR, { recursive: true })
  fs.writeFileSync(path.join(VIDEO_DIR, 'roll-call-class.jpg'), composed.jpeg)
  // The camera frame has the photo's size: the faces' boxes are the same in the frame.
  const { file, faces } = await classPhotoY4m(composed, path.join(VIDEO_DIR, 'roll-call.y4m'), composed.width, composed.height)
  return { video: file, photo: { ...composed, faces } }
}

const parseBox = (value: string | null): RollCallBox => {
  const [x, y, width, height] = (value ?? '').split(',').map(Number)
  return { x: x!, y: y!, width: width!, height: height! }
}

/** The face of the list (and of the photo) at a person's place in the composed photo. */
export async function faceAt(page: Page, photo: ClassPhoto, who: string) {
  const truth = photo.faces.find((f) => f.label === who)!.box
  const faces = page.getByTestId('roll-call-face')
  for (let i = 0; i < (await faces.count()); i++) {
    if (boxIou(parseBox(await faces.nth(i).getAttribute('data-box')), truth) >= 0.3) return { index: i, face: faces.nth(i), box: page.getByTestId('roll-call-box').nth(i) }
  }
  throw new Error(`no face box at ${who}'s place ${JSON.stringify(truth)}`)
}

const logRollCallUntil = <T>(page: Page, until: Promise<T>) => logWhile('roll-call', page.getByTestId('roll-call'), ['phase', 'camera', 'engine', 'faces', 'named', 'unknown'], until)

/** Takes the photo and waits for its faces to be found and named (however long that takes here). */
export async function takePhoto(page: Page): Promise<void> {
  const screen = page.getByTestId('roll-call')
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-camera', 'running', { timeout: 90_000 }))
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-engine', 'ready', { timeout: 180_000 }))
  await page.getByTestId('roll-call-take').click()
  await logRollCallUntil(page, expect(screen).toHaveAttribute('data-phase', 'review', { timeout: 180_000 }))
}

/** Confirms every name the tablet marked for a look (amber), as the petugas would after looking. */
export async function confirmChecks(page: Page): Promise<void> {
  const checks = page.getByTestId('roll-call-face').and(page.locator('[data-mark="check"]'))
  while ((await checks.count()) > 0) {
    await checks.first().click()
    await page.getByTestId('roll-call-picker-yes').click()
  }
}
