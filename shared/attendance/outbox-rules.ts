// What a device's outbox needs of the sync contract (./sync.ts), in a module without zod: the service worker bundles
// its own copy of the outbox (src/offline/sync.ts) and should not carry the schemas.

/** At most this many records in one request; a device sends more as several batches. */
export const MAX_SYNC_BATCH = 100

/** Which results let the device delete the record from its outbox: the server has it (now or before). */
export function isAcknowledged(result: { status: string }): boolean {
  return result.status === 'applied' || result.status === 'duplicate'
}
