// Writes FILE.br and FILE.gz beside every compressible file of a build (vite.config.ts runs it once the whole build,
// the service worker included, is written; `node scripts/precompress.mjs [DIR]` runs it on DIR, dist/client by default).
// server/static.ts sends them to browsers that accept br or gzip. A sibling is kept only when it is clearly smaller
// than its file (at most 95%), so the PNG icons are left alone while the face models' weights (about 80%) are not.
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import zlib from 'node:zlib'

const brotli = promisify(zlib.brotliCompress)
const gzip = promisify(zlib.gzip)

/** Text, plus the binary files the browser downloads that compression still shrinks (wasm, the models' weights). */
export const COMPRESSIBLE = /\.(?:js|mjs|css|html|json|webmanifest|svg|txt|xml|wasm|bin|onnx)$/i
const KEEP_BELOW = 0.95
// Brotli's best quality takes seconds per MB; past 4 MB (onnxruntime's 14 MB wasm, the 5 MB recognition model) quality 9
// is 10-20 times faster for a file 2-12% larger.
const BEST_UP_TO = 4 * 1024 * 1024

// Compressing is deterministic, so each result is kept on disk by the file's content and the exact options it was
// compressed with (a change of quality or window is a new key): a build whose wasm, models and unchanged chunks are those of an earlier build takes them from there
// (14 CPU-s -> well under 1 for a build that changed some code). HADIR_PRECOMPRESS_CACHE names another folder (the
// Dockerfile's steps in scripts/docker-steps.mjs share the checkout's); entries unused for 14 days are dropped.
const CACHE_DIR = process.env.HADIR_PRECOMPRESS_CACHE || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.cache', 'hadir', 'precompress')
const CACHE_DAYS = 14

/** `compress()`'s answer for these bytes and `options` (what it compresses with), from the cache when an earlier build made it (`cacheDir` null: no cache). */
async function cached(cacheDir, bytes, ext, options, compress) {
  if (!cacheDir) return compress()
  const key = crypto.createHash('sha256').update(`${ext}:${JSON.stringify(options)}:`).update(bytes).digest('hex')
  const file = path.join(cacheDir, key.slice(0, 2), `${key}.${ext}`)
  try {
    const hit = await fs.readFile(file)
    const now = new Date()
    await fs.utimes(file, now, now).catch(() => {})
    return hit
  } catch {
    /* not made yet */
  }
  const packed = await compress()
  try {
    await fs.mkdir(path.dirname(file), { recursive: true })
    // Written whole under another name, then renamed: a build running beside never reads half a file.
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`
    await fs.writeFile(partial, packed)
    await fs.rename(partial, file)
  } catch {
    /* no cache this time (a read-only folder): the build itself is unaffected */
  }
  return packed
}

/** Drops the cache's entries unused for CACHE_DAYS. */
async function pruneCache(cacheDir) {
  if (!cacheDir) return
  const until = Date.now() - CACHE_DAYS * 86_400_000
  const files = await walk(cacheDir).catch(() => [])
  await Promise.all(files.map(async (f) => {
    const { mtimeMs } = await fs.stat(f).catch(() => ({ mtimeMs: Date.now() }))
    if (mtimeMs < until) await fs.rm(f, { force: true })
  }))
}

async function walk(dir) {
  const out = []
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(full)))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

function brotliOptions(size) {
  const { constants } = zlib
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: size <= BEST_UP_TO ? constants.BROTLI_MAX_QUALITY : 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  }
}

/**
 * Compresses every file of `dir` matching COMPRESSIBLE; removes .br/.gz files whose original is gone or which no
 * longer pay. Returns one row per file: its size and its siblings' sizes (null: not kept). `cacheDir`: where the
 * compressions are kept (default: HADIR_PRECOMPRESS_CACHE or node_modules/.cache/hadir/precompress; null: none).
 */
export async function precompress(dir, { cacheDir = CACHE_DIR } = {}) {
  const all = await walk(dir)
  const present = new Set(all)
  const stale = all.filter((f) => /\.(?:br|gz)$/.test(f) && !present.has(f.replace(/\.(?:br|gz)$/, '')))
  await Promise.all(stale.map((f) => fs.rm(f, { force: true })))
  const files = all.filter((f) => COMPRESSIBLE.test(f))
  await pruneCache(cacheDir)
  // zlib's async calls run on libuv's thread pool: all files are queued at once and it runs a few at a time.
  return Promise.all(
    files.map(async (file) => {
      const bytes = await fs.readFile(file)
      const row = { file: path.relative(dir, file), size: bytes.length, br: null, gz: null }
      const variants = [
        ['br', brotliOptions(bytes.length), brotli],
        ['gz', { level: zlib.constants.Z_BEST_COMPRESSION }, gzip],
      ]
      for (const [ext, options, compress] of variants) {
        const target = `${file}.${ext}`
        const packed = bytes.length ? await cached(cacheDir, bytes, ext, options, () => compress(bytes, options)) : null
        if (packed && packed.length <= bytes.length * KEEP_BELOW) {
          await fs.writeFile(target, packed)
          row[ext] = packed.length
        } else await fs.rm(target, { force: true })
      }
      return row
    }),
  )
}

/** One line: how many files, and their bytes raw, as br and as gzip. */
export function summary(rows) {
  const kept = rows.filter((r) => r.br !== null || r.gz !== null)
  const sum = (key) => kept.reduce((s, r) => s + (r[key] ?? r.size), 0)
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`
  return `precompressed ${kept.length} files: ${kb(sum('size'))} -> ${kb(sum('br'))} br, ${kb(sum('gz'))} gzip`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'client'))
  console.log(summary(await precompress(dir)))
}
