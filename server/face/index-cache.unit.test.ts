import { describe, expect, it, vi } from 'vitest'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { buildGallery, identify, type FaceGallery } from '../../shared/face/match'
import { FaceIndexCache } from './index-cache'

function descriptor(seed: number): Float32Array {
  return Float32Array.from({ length: FACE_DESCRIPTOR_LENGTH }, (_, i) => Math.sin(seed * 31 + i) * 0.06)
}
const galleryOf = (...members: number[]): FaceGallery => buildGallery(members.map((m) => ({ memberId: m, descriptor: descriptor(m) })))

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('FaceIndexCache', () => {
  it('loads once per organization and serves the cached gallery', async () => {
    const cache = new FaceIndexCache()
    const loader = vi.fn(async (org: number) => galleryOf(org * 10, org * 10 + 1))
    const a = await cache.get(1, loader)
    const b = await cache.get(1, loader)
    expect(a).toBe(b)
    expect(loader).toHaveBeenCalledTimes(1)
    const c = await cache.get(2, loader)
    expect(Array.from(c.memberIds)).toEqual([20, 21])
    expect(loader).toHaveBeenCalledTimes(2)
    expect(identify(a, descriptor(11)).memberId).toBe(11)
  })

  it('shares one load between concurrent callers', async () => {
    const cache = new FaceIndexCache()
    const d = deferred<FaceGallery>()
    const loader = vi.fn(() => d.promise)
    const p1 = cache.get(1, loader)
    const p2 = cache.get(1, loader)
    d.resolve(galleryOf(1))
    expect(await p1).toBe(await p2)
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('reloads after invalidate, per organization only', async () => {
    const cache = new FaceIndexCache()
    let version = 1
    const loader = vi.fn(async (org: number) => galleryOf(org * 100 + version))
    await cache.get(1, loader)
    await cache.get(2, loader)
    version = 2
    cache.invalidate(1)
    expect(cache.peek(1)).toBeUndefined()
    expect(Array.from((await cache.get(1, loader)).memberIds)).toEqual([102])
    expect(Array.from((await cache.get(2, loader)).memberIds)).toEqual([201])
    expect(loader).toHaveBeenCalledTimes(3)
  })

  it('never caches or returns a load that an invalidate overtook', async () => {
    const cache = new FaceIndexCache()
    const first = deferred<FaceGallery>()
    const loads: Array<Promise<FaceGallery>> = [first.promise, Promise.resolve(galleryOf(2))]
    const loader = vi.fn(() => loads.shift()!)
    const pending = cache.get(1, loader)
    cache.invalidate(1) // e.g. a member registered a face while the index was loading
    first.resolve(galleryOf(1)) // stale data
    const gallery = await pending
    expect(Array.from(gallery.memberIds)).toEqual([2])
    expect(loader).toHaveBeenCalledTimes(2)
    expect(cache.peek(1)).toBe(gallery)
  })

  it('does not cache a failed load', async () => {
    const cache = new FaceIndexCache()
    const loader = vi.fn().mockRejectedValueOnce(new Error('db down')).mockResolvedValueOnce(galleryOf(5))
    await expect(cache.get(1, loader)).rejects.toThrow('db down')
    expect(cache.peek(1)).toBeUndefined()
    expect(Array.from((await cache.get(1, loader)).memberIds)).toEqual([5])
  })

  it('drops the least recently used organization beyond the limit', async () => {
    const cache = new FaceIndexCache({ maxOrganizations: 2 })
    const loader = async (org: number): Promise<FaceGallery> => galleryOf(org)
    await cache.get(1, loader)
    await cache.get(2, loader)
    await cache.get(1, loader) // 1 is now the most recent
    await cache.get(3, loader)
    expect(cache.size).toBe(2)
    expect(cache.peek(2)).toBeUndefined()
    expect(cache.peek(1)).toBeDefined()
    expect(cache.peek(3)).toBeDefined()
    cache.clear()
    expect(cache.size).toBe(0)
  })
})
