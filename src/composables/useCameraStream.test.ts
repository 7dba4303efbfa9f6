import { afterEach, describe, expect, it, vi } from 'vitest'
import { ref, shallowRef } from 'vue'
import { mountComposable } from './test-mount'
import { ANALYSIS_INTERVAL_MS, sleep, useCameraStream } from './useCameraStream'

// The camera screens' stream: a refused or missing camera is said in one word, every track stops on close and when
// the screen goes away, and the frame loop gives up after five failed frames in a row (not after five in all).
// The video is a shallowRef, as a template ref holds an element: a plain object in a deep ref would be proxied.

function fakeStream() {
  const track = { stop: vi.fn() }
  return { track, stream: { getTracks: () => [track] } as unknown as MediaStream }
}

function fakeVideo(ready = true) {
  return { srcObject: null as unknown, muted: false, play: vi.fn(async () => {}), readyState: ready ? 4 : 0, videoWidth: ready ? 640 : 0 } as unknown as HTMLVideoElement
}

function cameraAnswers(answer: () => Promise<MediaStream>) {
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: vi.fn(answer) } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('useCameraStream', () => {
  it('plays the camera in the video, and stops its tracks on close and on unmount', async () => {
    const { track, stream } = fakeStream()
    cameraAnswers(async () => stream)
    const video = shallowRef(fakeVideo())
    const { result: camera, unmount } = mountComposable(() => useCameraStream(video))

    expect(await camera.open()).toBeNull()
    expect(video.value.srcObject).toBe(stream)
    camera.close()
    expect(track.stop).toHaveBeenCalledTimes(1)
    expect(video.value.srcObject).toBeNull()

    await camera.open()
    expect(camera.disposed()).toBe(false)
    unmount()
    expect(track.stop).toHaveBeenCalledTimes(2)
    expect(camera.disposed()).toBe(true)
  })

  it('says why the camera did not open', async () => {
    const video = shallowRef(fakeVideo())
    const { result: camera } = mountComposable(() => useCameraStream(video))
    cameraAnswers(async () => {
      throw Object.assign(new Error('no'), { name: 'NotAllowedError' })
    })
    expect(await camera.open()).toBe('denied')
    cameraAnswers(async () => {
      throw Object.assign(new Error('none'), { name: 'NotFoundError' })
    })
    expect(await camera.open()).toBe('not_found')
    vi.stubGlobal('navigator', {})
    expect(await camera.open()).toBe('unsupported')
  })

  it('analyses one frame at a time and gives up after five failures in a row', async () => {
    vi.useFakeTimers()
    const video = shallowRef(fakeVideo())
    const { result: camera } = mountComposable(() => useCameraStream(video))
    const outcomes = [true, false, false, false, false, true, false, false, false, false, false, true]
    const used: number[] = []
    const broken = vi.fn()
    let frame = 0
    const done = camera.eachFrame({
      active: () => frame < outcomes.length,
      idleMs: 50,
      analyse: async () => {
        const ok = outcomes[frame++]
        if (!ok) throw new Error(`frame ${frame}`)
        return frame
      },
      use: (n) => void used.push(n),
      broken,
    })
    await vi.runAllTimersAsync()
    await done
    expect(used).toEqual([1, 6])
    expect(broken).toHaveBeenCalledTimes(1)
    expect((broken.mock.calls[0]![0] as Error).message).toBe('frame 11')
    expect(frame).toBe(11)
  })

  it('waits while held or while the video has no frame yet', async () => {
    vi.useFakeTimers()
    const video = shallowRef(fakeVideo(false))
    const { result: camera } = mountComposable(() => useCameraStream(video))
    const held = ref(false)
    let running = true
    const analyse = vi.fn(async () => {
      running = false
    })
    const done = camera.eachFrame({ active: () => running, held: () => held.value, idleMs: 60, analyse, use: () => {}, broken: () => {} })
    await vi.advanceTimersByTimeAsync(200)
    expect(analyse).not.toHaveBeenCalled()
    held.value = true
    video.value = fakeVideo()
    await vi.advanceTimersByTimeAsync(200)
    expect(analyse).not.toHaveBeenCalled()
    held.value = false
    await vi.advanceTimersByTimeAsync(100)
    await done
    expect(analyse).toHaveBeenCalledTimes(1)
  })

  it('analyses at most one frame per ANALYSIS_INTERVAL_MS however quick the analysis, and as fast as it goes when slower', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const video = shallowRef(fakeVideo())
    const { result: camera } = mountComposable(() => useCameraStream(video))
    let running = true
    const starts: number[] = []
    let cost = 0 // ms each analysis takes
    const done = camera.eachFrame({
      active: () => running,
      idleMs: 50,
      analyse: async () => {
        starts.push(performance.now())
        if (cost) await sleep(cost)
      },
      use: () => {},
      broken: () => {},
    })
    await vi.advanceTimersByTimeAsync(1000)
    // An instant analysis: 10 a second, each start ANALYSIS_INTERVAL_MS after the previous one.
    expect(starts.length).toBeGreaterThanOrEqual(10)
    expect(starts.length).toBeLessThanOrEqual(11)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(ANALYSIS_INTERVAL_MS)
    // An analysis slower than the interval: the next frame starts as soon as it ends, no pause added.
    cost = 250
    starts.length = 0
    await vi.advanceTimersByTimeAsync(1000)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(250)
    expect(starts.length).toBeGreaterThanOrEqual(3)
    running = false
    await vi.advanceTimersByTimeAsync(300)
    await done
  })
})
