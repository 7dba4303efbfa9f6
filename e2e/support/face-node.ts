// Face detection in the test process (Node), with the same models and detector settings as the browser
// (TinyFaceDetector 320 + 68 landmarks, face-api's Node WASM build), to check the fake camera's frames before
// Chromium sees them: one face, frontal where it should be, and a head turn the liveness yaw estimate really measures.
// Detections are cached on disk keyed by the frame's pixels and this detector's code and packages
// (tools/test-support/disk-cache.ts): the fake cameras' photos are the same every run, so later runs (and other test
// files of the same run) skip the inference and never load the models.
import { createRequire } from 'node:module'
import path from 'node:path'
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js'
import type * as Tf from '@tensorflow/tfjs'
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm'
import { cacheFile, readCacheJson, sha256, sourceKey, writeCacheFile } from '../../tools/test-support/disk-cache'
import type { Point } from './headturn'
import type { RgbFrame } from './y4m'

const nodeRequire = createRequire(import.meta.url)

export interface NodeFace {
  score: number
  box: { x: number; y: number; width: number; height: number }
  landmarks: Point[]
}

interface Runtime {
  faceapi: typeof FaceApi
  tf: typeof Tf
}

let runtime: Promise<Runtime> | null = null

function load(): Promise<Runtime> {
  runtime ??= (async () => {
    const tf = nodeRequire('@tensorflow/tfjs') as typeof Tf
    const tfWasm = nodeRequire('@tensorflow/tfjs-backend-wasm') as typeof TfWasm
    const faceapi = nodeRequire('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof FaceApi
    const dir = (name: string) => path.dirname(nodeRequire.resolve(`${name}/package.json`))
    tfWasm.setWasmPaths(path.join(dir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep, false)
    await tf.setBackend('wasm')
    await tf.ready()
    const models = path.join(dir('@vladmandic/face-api'), 'model')
    await faceapi.nets.tinyFaceDetector.loadFromDisk(models)
    await faceapi.nets.faceLandmark68Net.loadFromDisk(models)
    return { faceapi, tf }
  })()
  return runtime
}

/** What a cached detection depends on besides the frame: this file and the detector's packages (models included). */
const detectorKey = () =>
  sourceKey(['e2e/support/face-node.ts'], ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core'])

const remembered = new Map<string, NodeFace[]>()

/** Faces in an RGB frame, as the browser's detector would report them (score, box, landmarks); cached on disk. */
export async function detectFaces(frame: RgbFrame): Promise<NodeFace[]> {
  const key = sha256(detectorKey(), `${frame.width}x${frame.height}`, frame.data)
  const file = cacheFile('face-node', key, '.json')
  const hit = remembered.get(key) ?? readCacheJson<NodeFace[]>(file)
  if (hit) {
    remembered.set(key, hit)
    return structuredClone(hit)
  }
  const faces = await inferFaces(frame)
  remembered.set(key, faces)
  writeCacheFile(file, JSON.stringify(faces))
  return structuredClone(faces)
}

async function inferFaces(frame: RgbFrame): Promise<NodeFace[]> {
  const { faceapi, tf } = await load()
  const input = tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32')
  try {
    const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.3 })
    const results = await faceapi.detectAllFaces(input as unknown as FaceApi.TNetInput, options).withFaceLandmarks()
    return results.map((r) => ({
      score: r.detection.score,
      box: { x: r.detection.box.x, y: r.detection.box.y, width: r.detection.box.width, height: r.detection.box.height },
      landmarks: r.landmarks.positions.map((p) => ({ x: p.x, y: p.y })),
    }))
  } finally {
    input.dispose()
  }
}
