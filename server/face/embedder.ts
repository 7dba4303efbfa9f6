// The face recognition network on the server (issue 14; decision in server/face/MODEL.md): the 512-d ONNX model
// behind one function (embedAligned), run with onnxruntime-node on the CPU (one intra-op thread: the pool already runs one
// worker per core). The crop it sees is made by shared/face/align.ts, the same code the browser runs.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as Ort from 'onnxruntime-node'
import { ALIGNED_SIZE, unitEmbedding } from '../../shared/face/align'
import { FACE_MODEL } from '../../shared/face/model'

const nodeRequire = createRequire(import.meta.url)

/**
 * Where the model file is: HADIR_FACE_MODEL_FILE, else the build's copy (dist/client/models/, the file the browser
 * gets too), else the copy scripts/face-model.mjs keeps in node_modules/.cache/hadir/.
 */
export function faceModelFile(): string {
  const candidates: string[] = []
  if (process.env.HADIR_FACE_MODEL_FILE) candidates.push(process.env.HADIR_FACE_MODEL_FILE)
  const here = path.dirname(fileURLToPath(import.meta.url))
  // The build's copy: beside the bundle (dist/server/*.js -> dist/client/models) or from the sources (server/face).
  candidates.push(path.resolve(here, '..', 'client', 'models', FACE_MODEL.file))
  candidates.push(path.resolve(here, '..', '..', 'dist', 'client', 'models', FACE_MODEL.file))
  candidates.push(path.resolve(process.cwd(), 'dist', 'client', 'models', FACE_MODEL.file))
  candidates.push(path.resolve(process.cwd(), 'node_modules', '.cache', 'hadir', FACE_MODEL.file))
  for (const file of candidates) if (fs.existsSync(file)) return file
  throw new Error(
    `the face recognition model ${FACE_MODEL.file} was not found (looked in ${candidates.join(', ')}); run \`node scripts/face-model.mjs\``,
  )
}

let sessionPromise: Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> | null = null

function session(): Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> {
  if (!sessionPromise) {
    sessionPromise = (async () => {
      const ort = nodeRequire('onnxruntime-node') as typeof Ort
      const bytes = fs.readFileSync(faceModelFile())
      const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] })
      return { ort, session: s }
    })().catch((err: unknown) => {
      sessionPromise = null
      throw err
    })
  }
  return sessionPromise
}

/** Loads the network (once); later calls return at once. */
export async function loadEmbedder(): Promise<void> {
  await session()
}

/** Runs the network on one aligned input ([3, 112, 112] BGR, (x - 127) / 128) and returns the unit-length output. */
export async function embedAligned(input: Float32Array): Promise<Float32Array> {
  if (input.length !== 3 * ALIGNED_SIZE * ALIGNED_SIZE) throw new RangeError('aligned input must be 3 x 112 x 112')
  const { ort, session: s } = await session()
  const tensor = new ort.Tensor('float32', input, [1, 3, ALIGNED_SIZE, ALIGNED_SIZE])
  const out = await s.run({ [s.inputNames[0] as string]: tensor })
  return unitEmbedding(out[s.outputNames[0] as string]?.data, FACE_MODEL.length)
}
