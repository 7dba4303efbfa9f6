// Rebuilds the face-recognition evaluation set eval/faces/idNN/idNN-K.jpg from its public sources
// (eval/faces/manifest.json; what the set is and how it was chosen: eval/faces/README.md).
//
// Why the photos are not in git: none of the four source repositories states a licence, so the photos stay under
// their authors' copyright and we may not redistribute them. They also show real, identifiable private people, and
// photos used for face recognition are biometric data, a specific (sensitive) category of personal data under
// Indonesia's Personal Data Protection Law (UU PDP, No. 27/2022). So the repository holds only the manifest (source
// repository, commit and path of every photo, the exact processing, and each output's SHA-256) and this script;
// eval/faces/id*/ is in .gitignore.
//
// Getting the sources: the repositories and commits are in manifest.json ("sources"). Clone each one at that commit
// as a bare repository named <owner>+<name> inside one directory, e.g.
//
//   git clone --bare https://github.com/<owner>/<name>.git DIR/<owner>+<name>
//   git --git-dir=DIR/<owner>+<name> cat-file -e <commit>      # the commit must be present
//
// (DIR/<owner>+<name>/repo or DIR/<owner>+<name>/repo/.git is accepted too.)
//
//   node scripts/eval-faces.mjs [--mirrors DIR]   rebuild every photo from the sources (default DIR /work/.mirror),
//                                                 write it, and compare it with the manifest's SHA-256
//   node scripts/eval-faces.mjs --check           only check the existing photos against the manifest
//   options: --out DIR (default eval/faces), --reference DIR (earlier copy of the set to measure pixel differences
//            against; by default the existing files are read before they are overwritten), --tolerance N (largest
//            accepted mean absolute pixel difference, default 1.0)
//
// A rebuilt photo that is not byte-identical (another sharp/libvips version can encode slightly differently) is
// compared pixel by pixel with the reference copy. Exit status is non-zero if a source file is missing, a photo
// differs by more than the tolerance, or a differing photo has no reference copy to measure against.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

function parseArgs(argv) {
  const opts = { mirrors: '/work/.mirror', out: path.join(root, 'eval', 'faces'), reference: null, tolerance: 1.0, check: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--check') opts.check = true
    else if (a === '--mirrors') opts.mirrors = path.resolve(value())
    else if (a === '--out') opts.out = path.resolve(value())
    else if (a === '--reference') opts.reference = path.resolve(value())
    else if (a === '--tolerance') opts.tolerance = Number(value())
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/eval-faces.mjs [--mirrors DIR] [--out DIR] [--reference DIR] [--tolerance N] [--check]')
      process.exit(0)
    } else throw new Error(`unknown argument: ${a}`)
  }
  if (!Number.isFinite(opts.tolerance) || opts.tolerance < 0) throw new Error('--tolerance must be a number >= 0')
  return opts
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex')

function readIfExists(file) {
  try {
    return fs.readFileSync(file)
  } catch (err) {
    if (err.code === 'ENOENT') return null
    throw err
  }
}

// The processing, exactly as recorded in manifest.processing (checked: it reproduces all 227 files byte for byte
// with sharp 0.35.5).
async function processPhoto(source, p, border) {
  let input = source
  if (border) {
    // The bordered intermediate was encoded as JPEG with sharp's defaults (quality 80) before scaling.
    const { info } = await sharp(source).rotate().toBuffer({ resolveWithObject: true })
    const b = Math.round(border.fraction * Math.max(info.width, info.height))
    const [r, g, bl] = border.colour
    input = await sharp(source)
      .rotate()
      .extend({ top: b, bottom: b, left: b, right: b, background: { r, g, b: bl } })
      .jpeg(border.intermediate.jpeg)
      .toBuffer()
  }
  return sharp(input)
    .rotate()
    .resize(p.resize.width, p.resize.height, { fit: p.resize.fit, kernel: p.resize.kernel, withoutEnlargement: !border })
    .jpeg(p.jpeg)
    .toBuffer()
}

async function meanAbsDiff(a, b) {
  const [A, B] = await Promise.all([a, b].map((x) => sharp(x).removeAlpha().raw().toBuffer({ resolveWithObject: true })))
  if (A.info.width !== B.info.width || A.info.height !== B.info.height || A.info.channels !== B.info.channels) { return { size: `${A.info.width}x${A.info.height} vs ${B.info.width}x${B.info.height}`, mad: Infinity } }
  let sum = 0
  for (let i = 0; i < A.data.length; i++) sum += Math.abs(A.data[i] - B.data[i])
  return { mad: sum / A.data.length }
}

function gitDirFor(mirrors, repo) {
  const base = path.join(mirrors, repo.replace('/', '+'))
  for (const dir of [base, path.join(base, 'repo', '.git'), path.join(base, 'repo'), `${base}.git`]) {
    if (fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects'))) return dir
  }
  return null
}

function gitShow(gitDir, commit, file) {
  try {
    return execFileSync('git', ['--git-dir', gitDir, 'cat-file', 'blob', `${commit}:${file}`], {
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch {
    return null
  }
}

async function check(manifest, opts) {
  let identical = 0
  const problems = []
  for (const photo of manifest.photos) {
    const buf = readIfExists(path.join(opts.out, photo.file))
    if (!buf) problems.push(`${photo.file}: missing`)
    else if (sha256(buf) !== photo.sha256) problems.push(`${photo.file}: differs from the manifest (sha256 ${sha256(buf)})`)
    else identical++
  }
  const known = new Set(manifest.photos.map((p) => p.file))
  const extra = fs.existsSync(opts.out)
    ? fs
        .readdirSync(opts.out)
        .filter((d) => /^id\d+$/.test(d))
        .flatMap((d) => fs.readdirSync(path.join(opts.out, d)).map((f) => `${d}/${f}`))
        .filter((f) => !known.has(f))
    : []
  for (const p of problems) console.log(p)
  for (const f of extra) console.log(`${f}: not in the manifest`)
  console.log(`${identical} of ${manifest.photos.length} photos identical to the manifest, ${problems.length} missing or different`)
  return problems.length === 0
}

async function rebuild(manifest, opts) {
  const p = manifest.processing
  const gitDirs = new Map()
  for (const s of manifest.sources) {
    const dir = gitDirFor(opts.mirrors, s.repo)
    if (!dir) console.log(`${s.repo}: no mirror at ${path.join(opts.mirrors, s.repo.replace('/', '+'))}`)
    gitDirs.set(s.repo, dir)
  }
  let identical = 0
  const near = []
  const failures = []
  for (const photo of manifest.photos) {
    const gitDir = gitDirs.get(photo.repo)
    const source = gitDir && gitShow(gitDir, photo.commit, photo.path)
    if (!source) {
      failures.push(`${photo.file}: source missing (${photo.repo}@${photo.commit.slice(0, 12)}:${photo.path})`)
      continue
    }
    const target = path.join(opts.out, photo.file)
    const reference = readIfExists(opts.reference ? path.join(opts.reference, photo.file) : target)
    const out = await processPhoto(source, p, photo.border ? p.border : null)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, out)
    if (sha256(out) === photo.sha256) {
      identical++
      continue
    }
    if (!reference || sha256(reference) !== photo.sha256) {
      failures.push(`${photo.file}: not byte-identical, and no reference copy matching the manifest to measure it against`)
      continue
    }
    const { mad, size } = await meanAbsDiff(out, reference)
    const line = `${photo.file}: not byte-identical, mean absolute pixel difference ${size ? `(size ${size})` : mad.toFixed(3)}`
    if (mad > opts.tolerance) failures.push(`${line} > ${opts.tolerance}`)
    else near.push(line)
  }
  for (const line of near) console.log(line)
  for (const line of failures) console.log(line)
  console.log(
    `${manifest.photos.length} photos: ${identical} byte-identical, ${near.length} within tolerance ` +
    `(mean abs diff <= ${opts.tolerance}), ${failures.length} failed; written to ${path.relative(process.cwd(), opts.out) || '.'}`,
  )
  return failures.length === 0
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'eval', 'faces', 'manifest.json'), 'utf8'))
  if (manifest.version !== 1) throw new Error(`unsupported manifest version ${manifest.version}`)
  const ok = opts.check ? await check(manifest, opts) : await rebuild(manifest, opts)
  process.exitCode = ok ? 0 : 1
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 2
})
