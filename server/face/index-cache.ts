// In-memory 1:N face index per organization: one FaceGallery (contiguous Float32Array + member ids) each, loaded on
// first use and dropped by invalidate() whenever that organization's face data changes (register, update, withdraw,
// member removal). Each gallery's exact index (shared/face/match-index.ts: int8 codes and bounds) is built as it is
// loaded, so no request pays for it. 100k members with 3 descriptors of 512 values take 586 MiB of float32 plus
// 162 MiB of index, and one exact identify() over them takes milliseconds (tools/bench/identify.ts, bench/results.md).

import { type FaceGallery, prepareGallery } from '../../shared/face/match'
import { MemberNameCache } from './member-names'

export type GalleryLoader = (organizationId: number) => Promise<FaceGallery>

interface Entry {
  gallery: FaceGallery
}

export interface FaceIndexCacheOptions {
  /** Keep at most this many organizations' galleries; the least recently used is dropped first. */
  maxOrganizations?: number
}

export class FaceIndexCache {
  private readonly entries = new Map<number, Entry>()
  private readonly loading = new Map<number, { generation: number; promise: Promise<FaceGallery> }>()
  private readonly generations = new Map<number, number>()
  private readonly maxOrganizations: number
  /** The names its matches answer with (member-names.ts): invalidated on their own, evicted with the gallery. */
  readonly names = new MemberNameCache()

  constructor(options: FaceIndexCacheOptions = {}) {
    this.maxOrganizations = options.maxOrganizations ?? 1000
    if (!(this.maxOrganizations >= 1)) throw new RangeError('maxOrganizations must be at least 1')
  }

  /**
   * The organization's gallery: cached, or loaded with `loader` (concurrent callers share one load). A load that an
   * invalidate() overtook is never cached nor returned: it is loaded again, so a caller never gets data older than
   * its own call. A failed load is not cached.
   */
  async get(organizationId: number, loader: GalleryLoader): Promise<FaceGallery> {
    for (;;) {
      const cached = this.entries.get(organizationId)
      if (cached) {
        // Refresh LRU position.
        this.entries.delete(organizationId)
        this.entries.set(organizationId, cached)
        return cached.gallery
      }
      const generation = this.generation(organizationId)
      let inflight = this.loading.get(organizationId)
      if (!inflight || inflight.generation !== generation) {
        const promise = loader(organizationId).then((gallery) => {
          prepareGallery(gallery)
          return gallery
        })
        inflight = { generation, promise }
        this.loading.set(organizationId, inflight)
        const mine = inflight
        promise.then(
          (gallery) => {
            if (this.loading.get(organizationId) === mine) this.loading.delete(organizationId)
            if (this.generation(organizationId) === generation) this.store(organizationId, gallery)
          },
          () => {
            if (this.loading.get(organizationId) === mine) this.loading.delete(organizationId)
          },
        )
      }
      const gallery = await inflight.promise
      if (this.generation(organizationId) === generation) return gallery
      // Invalidated while loading: the data may predate the change. Load again.
    }
  }

  /** The cached gallery, without loading. */
  peek(organizationId: number): FaceGallery | undefined {
    return this.entries.get(organizationId)?.gallery
  }

  /** Drops the organization's gallery; in-flight loads started before this call are discarded. */
  invalidate(organizationId: number): void {
    this.generations.set(organizationId, this.generation(organizationId) + 1)
    this.entries.delete(organizationId)
    this.loading.delete(organizationId)
  }

  /** Drops everything. */
  clear(): void {
    for (const id of new Set([...this.entries.keys(), ...this.loading.keys()])) this.invalidate(id)
    this.names.clear()
  }

  /** Number of organizations cached. */
  get size(): number {
    return this.entries.size
  }

  private generation(organizationId: number): number {
    return this.generations.get(organizationId) ?? 0
  }

  private store(organizationId: number, gallery: FaceGallery): void {
    this.entries.delete(organizationId)
    this.entries.set(organizationId, { gallery })
    while (this.entries.size > this.maxOrganizations) {
      const oldest = this.entries.keys().next().value as number
      this.entries.delete(oldest)
      this.names.invalidate(oldest)
    }
  }
}
