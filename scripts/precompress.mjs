// Writes FILE.br and FILE.gz beside every compressible file of a build (vite.config.ts runs it once the whole build,
// the service worker included, is written; `node scripts/precompress.mjs [DIR]` runs it on DIR, dist/client by default).
// server/static.ts sends them to browsers that accept br or gzip. A sibling is kept only when it is clearly smaller
// than its file (at most 95%), so the PNG icons are left alone while the face models' weights (about 80%) are not.
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
 * longer pay. Returns one row per file: its size and its siblings' sizes (null: not kept).
 */
export async function precompress(dir) {
  const all = await walk(dir)
  const present = new Set(all)
  const stale = all.filter((f) => /\.(?:br|gz)$/.test(f) && !present.has(f.replace(/\.(?:br|gz)$/, '')))
  await Promise.all(stale.map((f) => fs.rm(f, { force: true })))
  const files = all.filter((f) => COMPRESSIBLE.test(f))
  // zlib's async calls run on libuv's thread pool: all files are queued at once and it runs a few at a time.
  return Promise.all(
    files.map(async (file) => {
      const bytes = await fs.readFile(file)
      const row = { file: path.relative(dir, file), size: bytes.length, br: null, gz: null }
      const variants = [
        ['br', () => brotli(bytes, brotliOptions(bytes.length))],
        ['gz', () => gzip(bytes, { level: zlib.constants.Z_BEST_COMPRESSION })],
      ]
      for (const [ext, compress] of variants) {
        const target = `${file}.${ext}`
        const packed = bytes.length ? await compress() : null
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
