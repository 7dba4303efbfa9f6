import { describe, expect, it, vi } from 'vitest'
import { MemberNameCache } from './member-names'
import { FaceIndexCache } from './index-cache'

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((res) => (resolve = res))
  return { promise, resolve }
}

describe('MemberNameCache', () => {
  it('reads a member\'s name once, per organization, and serves it from memory after', async () => {
    const names = new MemberNameCache()
    const read = vi.fn(async () => 'Siti')
    expect(await names.get(1, 10, read)).toBe('Siti')
    expect(await names.get(1, 10, read)).toBe('Siti')
    expect(read).toHaveBeenCalledTimes(1)
    // The same member id under another organization is another entry, read on its own.
    expect(await names.get(2, 10, async () => 'Budi')).toBe('Budi')
    expect(await names.get(1, 10, read)).toBe('Siti')
    expect(names.size).toBe(2)
  })

  it('reads an organization\'s names afresh after it is invalidated, and only that organization\'s', async () => {
    const names = new MemberNameCache()
    await names.get(1, 10, async () => 'Siti')
    await names.get(2, 20, async () => 'Budi')
    names.invalidate(1)
    expect(await names.get(1, 10, async () => 'Siti Rahma')).toBe('Siti Rahma')
    expect(await names.get(2, 20, async () => 'not read')).toBe('Budi')
  })

  it('never keeps a name whose read an invalidation overtook (it may predate the rename)', async () => {
    const names = new MemberNameCache()
    const old = deferred<string | null>()
    const pending = names.get(1, 10, () => old.promise)
    names.invalidate(1) // the rename committed while the old name was being read
    old.resolve('Siti')
    expect(await pending).toBe('Siti')
    const read = vi.fn(async () => 'Siti Rahma')
    expect(await names.get(1, 10, read)).toBe('Siti Rahma')
    expect(read).toHaveBeenCalledTimes(1)
  })

  it('does not keep a member without a name (gone meanwhile)', async () => {
    const names = new MemberNameCache()
    expect(await names.get(1, 10, async () => null)).toBeNull()
    expect(await names.get(1, 10, async () => 'Siti')).toBe('Siti')
  })

  it('is kept when a face changes, and goes when its organization\'s gallery is evicted or the cache cleared', async () => {
    const cache = new FaceIndexCache({ maxOrganizations: 1 })
    const { buildGallery } = await import('../../shared/face/match')
    const empty = async () => buildGallery([])
    await cache.get(1, empty)
    await cache.names.get(1, 10, async () => 'Siti')
    // A registration or withdrawal changes faces, not names.
    cache.invalidate(1)
    expect(await cache.names.get(1, 10, async () => 'not read')).toBe('Siti')

    await cache.get(1, empty)
    await cache.get(2, empty) // organization 1's gallery evicted (one kept at most), with its names
    expect(await cache.names.get(1, 10, async () => 'read again')).toBe('read again')

    cache.clear()
    expect(cache.names.size).toBe(0)
  })
})
