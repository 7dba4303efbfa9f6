// The face recognition model (issue 14; decision: server/face/MODEL.md): the 512-d ArcFace-style ONNX network
// `model/fr_feature.onnx` of the npm package faceplugin-face-recognition-js@0.0.1 (MIT).
//
// Hadir does not vendor the weights and does not install that package (it lists ~690 packages of build tools as
// runtime dependencies): this script asks npm for the package's tarball (`npm pack`, from the registry or npm's
// cache, checked against the registry's integrity hash), takes the one model file out of it, checks its SHA-256 and
// keeps it in node_modules/.cache/hadir/. The build copies it into dist/models/ (served to the browser, read by the
// production server). Idempotent and quick when the file is already there.
//
//   node scripts/face-model.mjs          prints the model's path (fetching it first if needed)
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

export const FACE_MODEL = Object.freeze({
  package: 'faceplugin-face-recognition-js',
  version: '0.0.1',
  member: 'package/model/fr_feature.onnx',
  file: 'arcface-fr_feature.onnx',
  sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
  bytes: 4884269,
})

export const FACE_MODEL_CACHE = path.join(root, 'node_modules', '.cache', 'hadir', FACE_MODEL.file)

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex')
}

function isGood(file) {
  try {
    const st = fs.statSync(file)
    return st.size === FACE_MODEL.bytes && sha256(fs.readFileSync(file)) === FACE_MODEL.sha256
  } catch {
    return false
  }
}

/** One member of a (ustar / GNU) tar archive, or null. */
function tarMember(tar, wanted) {
  let off = 0
  let longName = null
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512)
    if (header.every((b) => b === 0)) break
    const field = (start, len) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '')
    const prefix = field(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = null
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 48)
    const body = tar.subarray(off + 512, off + 512 + size)
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '')
    else if ((type === '0' || type === '\0') && name === wanted) return Buffer.from(body)
    off += 512 + Math.ceil(size / 512) * 512
  }
  return null
}

/** The model file's path; fetches it through npm first when it is missing or damaged. Throws with a clear message. */
export function ensureFaceModel({ quiet = false } = {}) {
  if (isGood(FACE_MODEL_CACHE)) return FACE_MODEL_CACHE
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hadir-face-model-'))
  try {
    if (!quiet) console.log(`Fetching the face recognition model (${FACE_MODEL.package}@${FACE_MODEL.version}, ${(FACE_MODEL.bytes / 1e6).toFixed(1)} MB) through npm...`)
    const r = spawnSync('npm', ['pack', `${FACE_MODEL.package}@${FACE_MODEL.version}`, '--pack-destination', work, '--prefer-offline', '--silent', '--json'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'error' },
    })
    const tgz = fs.readdirSync(work).find((f) => f.endsWith('.tgz'))
    if (r.status !== 0 || !tgz) {
      throw new Error(`npm could not fetch ${FACE_MODEL.package}@${FACE_MODEL.version} (is the npm registry or npm's cache reachable?)\n${r.stderr || r.stdout || ''}`)
    }
    const model = tarMember(zlib.gunzipSync(fs.readFileSync(path.join(work, tgz))), FACE_MODEL.member)
    if (!model) throw new Error(`${FACE_MODEL.member} is not in ${tgz}`)
    if (sha256(model) !== FACE_MODEL.sha256) throw new Error(`${FACE_MODEL.member} in ${tgz} is not the expected file (SHA-256 differs)`)
    fs.mkdirSync(path.dirname(FACE_MODEL_CACHE), { recursive: true })
    const tmp = `${FACE_MODEL_CACHE}.${process.pid}.tmp`
    fs.writeFileSync(tmp, model)
    fs.renameSync(tmp, FACE_MODEL_CACHE)
    return FACE_MODEL_CACHE
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  try {
    console.log(ensureFaceModel())
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}
