// The face recognition model in the browser (issue 14; decision in server/face/MODEL.md): the same ONNX network as
// the server, run by onnxruntime-web's WASM build in the face worker, on the crop made by the same alignment code
// (shared/face/align.ts). Only the kiosk asks for descriptors, so the network (4.9 MB) and the runtime (14 MB, ~3.8 MB
// compressed) are fetched the first time a descriptor is wanted, never by a member's phone or a desktop browser; the
// service worker keeps them for offline use once fetched (src/sw.ts).
import { ALIGNED_SIZE, alignedInput, unitEmbedding, type PixelImage, type Point2 } from '@shared/face/align'
import { FACE_MODEL } from '@shared/face/model'

type Ort = typeof import('onnxruntime-web/wasm')
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>

/**
 * Where the build serves the network (vite.config.ts faceAssets). The runtime's WASM binary is an asset of the build
 * (onnxruntime-web's bundle names it with `new URL(..., import.meta.url)`, so vite emits it as
 * /assets/ort-wasm-simd-threaded-<hash>.wasm and the runtime finds it by itself).
 */
export function recognizerUrl(baseUrl: string): string {
  return `${baseUrl}models/${FACE_MODEL.file}`
}

let loading: Promise<{ ort: Ort; session: Session }> | null = null

async function load(baseUrl: string): Promise<{ ort: Ort; session: Session }> {
  const ort = await import('onnxruntime-web/wasm')
  // One thread: threads need a cross-origin isolated page, and the face worker is already off the page's thread.
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  const response = await fetch(recognizerUrl(baseUrl))
  if (!response.ok) throw new Error(`the face recognition model could not be downloaded (HTTP ${response.status})`)
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' })
  return { ort, session }
}

/** The loaded network, once (later calls share the same promise; a failure is not kept, so a later call retries). */
function recognizer(baseUrl: string): Promise<{ ort: Ort; session: Session }> {
  if (!loading) {
    loading = load(baseUrl).catch((error: unknown) => {
      loading = null
      throw error
    })
  }
  return loading
}

/** Loads the network now (the kiosk, before its first face). */
export async function loadRecognizer(baseUrl: string): Promise<void> {
  await recognizer(baseUrl)
}

/** The unit-length descriptor of the face with these 68 landmarks (frame pixels) in `image`. */
export async function describeFace(baseUrl: string, image: PixelImage, landmarks: readonly Point2[]): Promise<Float32Array> {
  const { ort, session } = await recognizer(baseUrl)
  const input = new ort.Tensor('float32', alignedInput(image, landmarks), [1, 3, ALIGNED_SIZE, ALIGNED_SIZE])
  const output = await session.run({ [session.inputNames[0] as string]: input })
  return unitEmbedding(output[session.outputNames[0] as string]?.data, FACE_MODEL.length)
}
