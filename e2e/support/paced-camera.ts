// A fake camera paced by the app, and never faster than the video.
//
// Chromium's own fake camera (--use-file-for-fake-video-capture) plays a video in real time. The app analyses a frame
// in ~0.3 s on a quiet machine and in a second or more on a busy one, so a pose held for two seconds of video was
// analysed six times or only once: whether a head turn was seen, and how long a test waited for it, depended on the
// machine's load. Here the same videos (the Y4M files the specs write, from the real photos) are played one analysed
// frame at a time: every time the app takes a frame of the camera (createImageBitmap or drawImage of the <video>), the
// video may move on, and a pose held in the video is held for at least a fixed number of the app's frames.
//
// It also never runs ahead of the video's own time: a pose stays at least as long as it lasts in the video. The app
// has rules on the clock in that direction too (frames kept as evidence at least 200 ms apart, a face gone for 1 s
// means the person left); on a quick machine, a camera moving on at every frame broke them (the kiosk's last frontal
// frames came too soon to count, CI). So a pose lasts max(its frames, its seconds): a busy machine makes a test slower,
// a quick one no different from a real camera.
//
// How: the page's getUserMedia answers a stream of a canvas (the <video> preview shows it, as it would show a camera);
// the app's frame grabs read that canvas and move the video on. The frames come from this process through a binding
// (not the network: a tablet set offline still has its camera). Everything else of the app's camera code runs as is.
import fs from 'node:fs'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import sharp from 'sharp'

/** One frame of the schedule: a JPEG, shown for at least `grabs` frame grabs of the app and at least `ms`. */
interface Shot {
  jpeg: string
  grabs: number
  ms: number
}

/**
 * How many of the app's frames a pose held for `frames` video frames (at `fps`) lasts: about 1.5 per second of video
 * (the app needs two frames in a pose, landmark jitter can spoil one), at least 1 (a frame of a head turning), at most
 * 3 (a long hold adds nothing but time). The pose also lasts at least its seconds of video (pacedCamera).
 */
export function grabsFor(frames: number, fps: number): number {
  return Math.max(1, Math.min(3, Math.round((frames / fps) * 1.5)))
}

/**
 * The runs as the app sees them: of a head turning (runs of one frame in a row, ~0.07 s apart) every other frame is
 * kept, the last one always, so a turn is a few frames of the app and a whole challenge fits well inside the app's own
 * 20 s limit even when every frame takes a second.
 */
export function thinTurns<T extends { frames: number }>(runs: readonly T[]): T[] {
  const kept: T[] = []
  let streak = 0 // runs of one frame in a row so far
  runs.forEach((run, i) => {
    if (run.frames > 1) {
      streak = 0
      kept.push(run)
      return
    }
    streak++
    const last = (runs[i + 1]?.frames ?? 2) > 1
    if (last || streak % 2 === 0) kept.push(run)
  })
  return kept
}

/** A Y4M video (4:2:0, as e2e/support/y4m.ts writes them) read back as runs of identical frames, each as RGB. */
export function readY4mRuns(file: string): { width: number; height: number; fps: number; runs: { rgb: Uint8Array; frames: number }[] } {
  const buf = fs.readFileSync(file)
  const headerEnd = buf.indexOf(0x0A)
  const header = buf.subarray(0, headerEnd).toString('ascii')
  const width = Number(/ W(\d+)/.exec(header)?.[1])
  const height = Number(/ H(\d+)/.exec(header)?.[1])
  const [num, den] = (/ F(\d+):(\d+)/.exec(header)?.slice(1) ?? ['15', '1']).map(Number) as [number, number]
  if (!width || !height) throw new Error(`${file}: not a Y4M video (${header})`)
  const size = width * height * 3 / 2
  const runs: { planes: Buffer; frames: number }[] = []
  let at = headerEnd + 1
  while (at < buf.length) {
    const marker = buf.indexOf(0x0A, at)
    const planes = buf.subarray(marker + 1, marker + 1 + size)
    if (planes.length < size) break
    const last = runs[runs.length - 1]
    if (last && last.planes.equals(planes)) last.frames++
    else runs.push({ planes, frames: 1 })
    at = marker + 1 + size
  }
  return { width, height, fps: num / den, runs: runs.map((r) => ({ rgb: i420ToRgb(r.planes, width, height), frames: r.frames })) }
}

/** I420 (BT.601 studio range, as y4m.ts writes it) to RGB. */
function i420ToRgb(planes: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3)
  const cw = width / 2
  const u0 = width * height
  const v0 = u0 + cw * (height / 2)
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = 1.164 * ((planes[y * width + x] as number) - 16)
      const ci = (y >> 1) * cw + (x >> 1)
      const d = (planes[u0 + ci] as number) - 128
      const e = (planes[v0 + ci] as number) - 128
      const i = (y * width + x) * 3
      out[i] = clamp(c + 1.596 * e)
      out[i + 1] = clamp(c - 0.392 * d - 0.813 * e)
      out[i + 2] = clamp(c + 2.017 * d)
    }
  }
  return out
}

interface Schedule {
  width: number
  height: number
  shots: Shot[]
}

const schedules = new Map<string, Promise<Schedule>>()

/** The video as a schedule of JPEG frames and how many grabs each lasts (made once per file and run). */
function scheduleOf(file: string): Promise<Schedule> {
  const stamp = `${file}:${fs.statSync(file).mtimeMs}`
  let made = schedules.get(stamp)
  if (!made) {
    made = (async () => {
      const { width, height, fps, runs } = readY4mRuns(file)
      const shots = await Promise.all(thinTurns(runs).map(async (run) => ({
        jpeg: (await sharp(run.rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer()).toString('base64'),
        grabs: grabsFor(run.frames, fps),
        ms: (run.frames / fps) * 1000,
      })))
      return { width, height, shots }
    })()
    schedules.set(stamp, made)
  }
  return made
}

/** The page's side: getUserMedia answers the canvas's stream; each grab of that <video> reads the canvas and moves on. */
function pageCamera(): void {
  interface Frame { id: number; jpeg: string | null; width: number; height: number }
  const w = window as unknown as { __hadirCamera: (advance: boolean, have: number[], hint: string | null) => Promise<Frame>; __hadirPaced?: boolean }
  if (w.__hadirPaced || !navigator.mediaDevices) return
  w.__hadirPaced = true
  const bitmaps = new Map<number, ImageBitmap>()
  const streams = new WeakSet<MediaStream>()
  const originalBitmap = window.createImageBitmap.bind(window)
  const originalDraw = CanvasRenderingContext2D.prototype.drawImage
  let canvas: HTMLCanvasElement | null = null
  let pending: Promise<void> = Promise.resolve()
  const tracks: CanvasCaptureMediaStreamTrack[] = []

  async function show(advance: boolean): Promise<void> {
    // What the face camera asks of the person now (a prompted camera turns the head when asked).
    // What the screen asks of the person: the phone's face camera, or the kiosk's big card ('move': a small turn either
    // way, which the person makes to their left).
    const asked = document.querySelector('[data-testid="face-camera"]')?.getAttribute('data-hint') || document.querySelector('[data-testid="kiosk-turn"]')?.getAttribute('data-prompt') || null
    const hint = asked === 'move' ? 'turn_left' : asked
    const frame = await w.__hadirCamera(advance, [...bitmaps.keys()], hint)
    if (frame.jpeg !== null && !bitmaps.has(frame.id)) {
      const bytes = Uint8Array.from(atob(frame.jpeg), (c) => c.charCodeAt(0))
      bitmaps.set(frame.id, await originalBitmap(new Blob([bytes], { type: 'image/jpeg' })))
    }
    const bitmap = bitmaps.get(frame.id)
    if (!canvas || !bitmap) return
    // The camera's resolution is the video's (640x480, or a class photo's 1920x1080).
    if (canvas.width !== frame.width) canvas.width = frame.width
    if (canvas.height !== frame.height) canvas.height = frame.height
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    for (const track of tracks) if (track.readyState === 'live') track.requestFrame()
  }
  const paced = (source: unknown): source is HTMLVideoElement => source instanceof HTMLVideoElement && source.srcObject instanceof MediaStream && streams.has(source.srcObject)
  const moveOn = () => {
    pending = pending.then(() => show(true)).catch(() => undefined)
  }

  const originalGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    if (!constraints?.video) return originalGetUserMedia(constraints)
    if (!canvas) {
      canvas = document.createElement('canvas')
      canvas.width = 640
      canvas.height = 480
    }
    const stream = canvas.captureStream(0)
    tracks.push(stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack)
    streams.add(stream)
    pending = pending.then(() => show(false)).catch(() => undefined)
    await pending
    return stream
  }
  window.createImageBitmap = (async (source: ImageBitmapSource, ...rest: unknown[]) => {
    if (!paced(source) || !canvas) return (originalBitmap as (...a: unknown[]) => Promise<ImageBitmap>)(source, ...rest)
    await pending
    const bitmap = await (originalBitmap as (...a: unknown[]) => Promise<ImageBitmap>)(canvas, ...rest)
    moveOn()
    return bitmap
  }) as typeof window.createImageBitmap
  CanvasRenderingContext2D.prototype.drawImage = function (this: CanvasRenderingContext2D, source: CanvasImageSource, ...rest: number[]) {
    if (!paced(source) || !canvas) return (originalDraw as (...a: unknown[]) => void).call(this, source, ...rest)
    ;(originalDraw as (...a: unknown[]) => void).call(this, canvas, ...rest)
    moveOn()
  } as typeof CanvasRenderingContext2D.prototype.drawImage
}

/**
 * Gives the context's pages the paced camera playing `video` (a Y4M file), in a loop as Chromium would. The position
 * in the video belongs to the context: a page reloaded, or a camera reopened, goes on where it was.
 */
export async function pacedCamera(context: BrowserContext, video: string): Promise<void> {
  const { width, height, shots } = await scheduleOf(video)
  const control = { holds: 0, waiters: [] as (() => void)[] }
  controls.set(context, control)
  let index = 0
  let used = 0
  let shownAt = Date.now()
  await context.exposeFunction('__hadirCamera', async (advance: boolean, have: number[]) => {
    while (control.holds > 0) await new Promise<void>((resolve) => control.waiters.push(resolve))
    const shot = shots[index]!
    // On to the next frame of the video once the app has seen this one often enough and it has lasted its time.
    if (advance && ++used >= shot.grabs && Date.now() - shownAt >= shot.ms) {
      index = (index + 1) % shots.length
      used = 0
      shownAt = Date.now()
    }
    return { id: index, jpeg: have.includes(index) ? null : shots[index]!.jpeg, width, height }
  })
  await context.addInitScript(pageCamera)
}

/** The videos of a person following the prompt: looking at the phone, and a short turn each way. */
export interface PromptedCameraVideos {
  frontal: string
  turn_left: string
  turn_right: string
}

/**
 * Gives the context's pages the camera of a person standing in front of the phone who turns the head when the face
 * camera asks (its data-hint says turn_left or turn_right; at a kiosk, the card's data-prompt) and only then: `videos.frontal` loops until a prompt has
 * shown for `reactionMs` (a person's reaction), then that turn plays once and the frontal video again. Paced as
 * pacedCamera: never faster than the videos, each pose held for enough of the app's frames.
 */
export async function promptedCamera(context: BrowserContext, videos: PromptedCameraVideos, reactionMs = 400): Promise<void> {
  const segments = {
    frontal: { base: 0, ...(await scheduleOf(videos.frontal)) },
    turn_left: { base: 10_000, ...(await scheduleOf(videos.turn_left)) },
    turn_right: { base: 20_000, ...(await scheduleOf(videos.turn_right)) },
  }
  type Segment = keyof typeof segments
  const control = { holds: 0, waiters: [] as (() => void)[] }
  controls.set(context, control)
  let segment: Segment = 'frontal'
  let index = 0
  let used = 0
  let shownAt = Date.now()
  let prompt: { turn: Segment; since: number } | null = null
  await context.exposeFunction('__hadirCamera', async (advance: boolean, have: number[], hint: string | null) => {
    while (control.holds > 0) await new Promise<void>((resolve) => control.waiters.push(resolve))
    if (hint === 'turn_left' || hint === 'turn_right') {
      if (prompt?.turn !== hint) prompt = { turn: hint, since: Date.now() }
    } else prompt = null
    const playing = segments[segment]
    if (advance && ++used >= playing.shots[index]!.grabs && Date.now() - shownAt >= playing.shots[index]!.ms) {
      index++
      used = 0
      shownAt = Date.now()
      // A turn plays once; the frontal video loops.
      if (index >= playing.shots.length) [segment, index] = ['frontal', 0]
    }
    if (segment === 'frontal' && prompt && Date.now() - prompt.since >= reactionMs) {
      // Asked, seen, turning: once per prompt (asked again after it, the person turns again).
      ;[segment, index, used, shownAt] = [prompt.turn, 0, 0, Date.now()]
      prompt = null
    }
    const shown = segments[segment]
    const id = shown.base + index
    return { id, jpeg: have.includes(id) ? null : shown.shots[index]!.jpeg, width: shown.width, height: shown.height }
  })
  await context.addInitScript(pageCamera)
}

const controls = new WeakMap<BrowserContext, { holds: number; waiters: (() => void)[] }>()

/**
 * Runs `work` (a screenshot) with the page's camera standing still: the app's next frame waits until it is done, so
 * the picture shows the state the test just saw, not the next person the camera would have moved on to. A page
 * without the paced camera just runs `work`.
 */
export async function stillCamera<T>(page: Page, work: () => Promise<T>): Promise<T> {
  const control = controls.get(page.context())
  if (!control) return work()
  control.holds++
  try {
    return await work()
  } finally {
    if (--control.holds === 0) for (const resolve of control.waiters.splice(0)) resolve()
  }
}

/**
 * A view of `browser` whose every new context (and page) has the paced camera playing `video`, or, given the videos of
 * a person following the prompt, the prompted camera. Closing the view closes the contexts it opened, not the browser:
 * one browser serves the camera tests of a test process one after another (support/browser.ts cameraBrowser).
 */
export function withPacedCamera(browser: Browser, video: string | PromptedCameraVideos): Browser {
  const opened = new Set<BrowserContext>()
  const newContext = async (options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext> => {
    const context = await browser.newContext(options)
    opened.add(context)
    context.once('close', () => opened.delete(context))
    if (typeof video === 'string') await pacedCamera(context, video)
    else await promptedCamera(context, video)
    return context
  }
  const newPage = async (options?: Parameters<Browser['newPage']>[0]): Promise<Page> => {
    const context = await newContext(options)
    const page = await context.newPage()
    // As Browser.newPage does: the context closes with its page.
    page.once('close', () => void context.close().catch(() => undefined))
    return page
  }
  const close = async (): Promise<void> => {
    for (const context of [...opened]) await context.close().catch(() => undefined)
  }
  const own: Record<PropertyKey, unknown> = { newContext, newPage, close, contexts: () => [...opened] }
  return new Proxy(browser, {
    get(target, prop) {
      if (prop in own) return own[prop]
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
