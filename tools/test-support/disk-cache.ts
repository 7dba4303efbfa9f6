// A content-keyed cache on disk for the test tooling's slow, deterministic work (face detections of the fake cameras'
// frames in Node, rendered evidence, migrated database templates): node_modules/.cache/hadir/<kind>/, shared by every
// test file, worker and run on this checkout (`npm ci` or deleting the folder empties it; HADIR_TEST_CACHE moves it).
// A key is a SHA-256 of everything the result depends on: the input's bytes and the source of the code that makes it
// (sourceKey), so an edit of that code, a new photo or another package version makes a new entry, never a stale hit.
// Writes are atomic (a temporary name, then a rename): a concurrent reader sees a whole entry or none.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CACHE_ROOT = process.env.HADIR_TEST_CACHE ?? path.join(REPO_ROOT, 'node_modules', '.cache', 'hadir')

export const sha256 = (...parts: (string | Uint8Array)[]): string => {
  const hash = createHash('sha256')
  for (const p of parts) hash.update(p).update('\0')
  return hash.digest('hex')
}

const sourceKeys = new Map<string, string>()

/**
 * A key of the code a cached result depends on: the bytes of these files (paths relative to the repository) and the
 * versions of these npm packages.
 */
export function sourceKey(files: readonly string[], packages: readonly string[] = []): string {
  const id = [...files, '|', ...packages].join('\n')
  let key = sourceKeys.get(id)
  if (!key) {
    const parts: (string | Uint8Array)[] = []
    for (const f of files) parts.push(f, fs.readFileSync(path.join(REPO_ROOT, f)))
    for (const p of packages) parts.push(p, fs.readFileSync(path.join(REPO_ROOT, 'node_modules', p, 'package.json')))
    sourceKeys.set(id, (key = sha256(...parts)))
  }
  return key
}

/** The file of a cache entry: <CACHE_ROOT>/<kind>/<key[0..2]>/<key><ext>. */
export function cacheFile(kind: string, key: string, ext: string): string {
  return path.join(CACHE_ROOT, kind, key.slice(0, 2), `${key}${ext}`)
}

/** Writes a cache entry atomically (temporary file, then rename). */
export function writeCacheFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`
  fs.writeFileSync(tmp, data)
  fs.renameSync(tmp, file)
}

export function readCacheJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}
