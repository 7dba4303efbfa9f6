import type { AppDeps } from '../context'

/** The job that deletes one photo the store could not delete at once (the store down, a timeout). */
export const DELETE_PHOTO_JOB = 'delete-photo'

/**
 * Retries of a queued delete: 5 s, then doubling (pg-boss's backoff), 14 times: about a day of the store being away
 * before the job is failed (and kept, inspectable, in pg-boss's failed jobs for a week).
 */
const RETRY = { retryLimit: 14, retryDelaySeconds: 5 }

/**
 * Deletes photos whose rows are already gone or unlinked (withdrawal, member deletion, retention). Call it after the
 * transaction that unlinked them has committed. A key the store cannot delete now is not lost: it becomes a
 * `delete-photo` job (one per key, in the database, retried with backoff by whichever instance is free) until the
 * store accepts the delete. Returns how many deletes were queued instead of done.
 */
export async function deletePhotos(deps: AppDeps, keys: readonly string[]): Promise<number> {
  const results = await Promise.allSettled(keys.map((key) => deps.storage.delete(key)))
  const failed = keys.filter((_, i) => results[i]!.status === 'rejected')
  for (const key of failed) await deps.jobs.send(DELETE_PHOTO_JOB, { key }, { singletonKey: key, ...RETRY })
  if (failed.length > 0) console.error(`[hadir] photo store: ${failed.length} photo delete(s) queued for retry`)
  return failed.length
}

/** The handler: deleting is idempotent (a key already gone is no error), so a repeated attempt is harmless. */
export async function registerPhotoDeletes(deps: AppDeps): Promise<void> {
  await deps.jobs.work<{ key: string }>(DELETE_PHOTO_JOB, async ({ key }) => deps.storage.delete(key), { concurrency: 2 })
}
